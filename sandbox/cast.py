"""The sandbox's demo people: who they are, their roles and units, and their channel.

Most are on Telegram, their Telegram ids fixed (1001…) so the page and the emulator agree on
them; two are on WeCom (a township's second informant and a second centre editor, each with
a page id of its own and a userid), so a WeCom informant's item is signed on Telegram and a
Telegram informant's item reaches an editor on WeCom. `demo_cast` binds them to the
configured units (by name, else a unit of the same kind).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.settings.schema import Settings
from channels.wecom.adapter import WECOM
from chat.texts import Texts
from scoring.vocab import Role, UnitKind
from storage.models import TELEGRAM, Account


@dataclass(frozen=True, slots=True)
class DemoPerson:
    """One demo person: the page's id (a Telegram person's user id), name, role and unit, the
    label the page shows, and the WeCom userid of a person on WeCom."""

    id: int
    name: str
    role: Role
    unit: str | None
    label: str
    wecom: str | None = None

    @property
    def channel(self) -> str:
        """The channel the person uses: "telegram" or "wecom"."""
        return TELEGRAM if self.wecom is None else WECOM

    @property
    def account(self) -> Account:
        """The person's account on their channel."""
        return Account(TELEGRAM, str(self.id)) if self.wecom is None else Account(WECOM, self.wecom)

    def as_json(self) -> dict[str, Any]:
        """The person as `GET /api/people` lists them."""
        found: dict[str, Any] = {"id": self.id, "name": self.name, "role": self.label}
        found["channel"] = self.channel
        if self.wecom is not None:
            found["userid"] = self.wecom
        return found


@dataclass(frozen=True, slots=True)
class DemoCast:
    """Everybody the sandbox's page offers a chat for, in the page's order."""

    people: tuple[DemoPerson, ...]

    @property
    def telegram(self) -> tuple[DemoPerson, ...]:
        """The people on Telegram."""
        return tuple(p for p in self.people if p.wecom is None)

    @property
    def wecom(self) -> tuple[DemoPerson, ...]:
        """The people on WeCom."""
        return tuple(p for p in self.people if p.wecom is not None)

    @property
    def ids(self) -> tuple[int, ...]:
        """The Telegram ids of the people on Telegram."""
        return tuple(p.id for p in self.telegram)

    @property
    def admins(self) -> tuple[int, ...]:
        """Telegram ids of the demo administrators (for `Settings.admins`)."""
        return tuple(p.id for p in self.telegram if p.role is Role.ADMIN)

    def get(self, person_id: int) -> DemoPerson | None:
        """A person by the page's id."""
        return next((p for p in self.people if p.id == person_id), None)

    def as_json(self) -> list[dict[str, Any]]:
        """The list `GET /api/people` answers."""
        return [p.as_json() for p in self.people]


#: (Telegram id, name, role, preferred unit, kind to fall back on when config lacks that unit).
_CAST: tuple[tuple[int, str, Role, str | None, UnitKind | None], ...] = (
    (1001, "王芳", Role.INFORMANT, "市人社局窗口", UnitKind.WINDOW),
    (1002, "李明", Role.WINDOW_HEAD, "市人社局窗口", UnitKind.WINDOW),
    (1003, "张伟", Role.LEADER, "市人社局窗口", UnitKind.WINDOW),
    (1004, "陈静", Role.INFORMANT, "城关镇便民服务中心", UnitKind.TOWNSHIP),
    (1005, "周磊", Role.LEADER, "城关镇便民服务中心", UnitKind.TOWNSHIP),
    (1006, "赵敏", Role.EDITOR, "综合科", UnitKind.SECTION),
    (1007, "刘强", Role.CENTRE_LEADER, None, None),
    (1008, "孙涛", Role.ADMIN, None, None),
    (1009, "吴刚", Role.MAIN_LEADER, None, None),
    (1010, "钱程", Role.NETWORK_ADMIN, None, None),
    (1011, "冯建国", Role.LEADER, "审批服务科", UnitKind.SECTION),
    (1012, "韩雪", Role.LEADER, "政府采购中心", UnitKind.SECTION),
)

#: The people on WeCom: (the page's id, userid, name, role, preferred unit, fallback kind).
_WECOM_CAST: tuple[tuple[int, str, str, Role, str, UnitKind], ...] = (
    (2001, "huangxiaoyan", "黄晓燕", Role.INFORMANT, "城关镇便民服务中心", UnitKind.TOWNSHIP),
    (2002, "yangfan", "杨帆", Role.EDITOR, "综合科", UnitKind.SECTION),
)

#: What the demo people do in the demo campaigns, added to their labels on the page.
_DUTIES: dict[int, str] = {
    1006: "考核办公室",
    1007: "考核领导小组",
    1009: "考核领导小组",
    1011: "考核组",
    1012: "考核组",
}
#: The demo campaigns' office, leading group (in approval order) and assessment group.
OFFICE, LEADING, ASSESSORS = 1006, (1007, 1009), (1011, 1012)
#: The demo campaigns' units, each by its informant and its leader.
WINDOW, TOWNSHIP = (1001, 1003), (1004, 1005)


def demo_cast(settings: Settings) -> DemoCast:
    """The demo people, bound to the configured units (by name, else a unit of the same kind)."""
    texts = Texts("zh")
    cast = []
    for tg_id, name, role, preferred, kind in _CAST:
        unit = _unit_name(settings, preferred, kind)
        label = texts.role(role) + (f" · {unit}" if unit else "")
        label += f" · {_DUTIES[tg_id]}" if tg_id in _DUTIES else ""
        cast.append(DemoPerson(tg_id, name, role, unit, label))
    for page_id, userid, name, role, preferred, kind in _WECOM_CAST:
        unit = _unit_name(settings, preferred, kind)
        label = texts.role(role) + (f" · {unit}" if unit else "") + " · 企业微信"
        cast.append(DemoPerson(page_id, name, role, unit, label, wecom=userid))
    return DemoCast(tuple(cast))


def _unit_name(settings: Settings, preferred: str | None, kind: UnitKind | None) -> str | None:
    """The preferred unit if configured, else the first unit of the kind (or any unit)."""
    if preferred is None:
        return None
    names = [u.name for u in settings.units]
    if preferred in names:
        return preferred
    same_kind = [u.name for u in settings.units if u.kind is kind]
    return (same_kind or names)[0]
