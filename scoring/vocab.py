"""The regulation's vocabulary (unit kinds, roles, item states), shared by every layer."""

from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    """Kinds of reporting unit (第一条, 第三条)."""

    WINDOW = "window"  # 市级部门窗口
    TOWNSHIP = "township"  # 乡镇便民(政务)服务中心
    TOWN_CENTRE = "town_centre"  # 镇政务服务中心 (小汉, 向阳)
    SECTION = "section"  # 中心科室 (incl. 政府采购中心)


class Role(StrEnum):
    """Roles a person may hold in a unit (第三条, 第七条); one person may hold several."""

    INFORMANT = "informant"  # 信息员
    WINDOW_HEAD = "window_head"  # 窗口负责人
    LEADER = "leader"  # 分管领导 / 便民服务中心主任 / 常务副主任
    SECTION_STAFF = "section_staff"  # 中心科室人员
    EDITOR = "editor"  # 市政务服务中心信息员
    CENTRE_LEADER = "centre_leader"  # 中心分管领导
    MAIN_LEADER = "main_leader"  # 中心主要领导
    NETWORK_ADMIN = "network_admin"  # 网络管理人员
    ADMIN = "admin"  # 管理员


class ItemState(StrEnum):
    """Lifecycle states of an item (DESIGN.md principle 2)."""

    DRAFT = "draft"  # being written, not yet submitted
    PENDING = "pending"  # waiting for sign-off step k of n
    RETURNED = "returned"  # returned with a reason; the author may revise
    SUBMITTED = "submitted"  # signed off, reached the centre
    REGISTERED = "registered"  # registered (登记) by a centre editor
    ARCHIVED = "archived"  # closed without further adoptions; kept for the record
    WITHDRAWN = "withdrawn"  # withdrawn by the author before it reached the centre


#: States in which an item has reached the centre (counts as 报送).
AT_CENTRE: frozenset[ItemState] = frozenset(
    {ItemState.SUBMITTED, ItemState.REGISTERED, ItemState.ARCHIVED}
)
