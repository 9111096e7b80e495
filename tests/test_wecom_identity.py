"""A WeCom member's name: WeCom gives an app no member's name, so an admin names the person on
the invite (`baosong invite --name`) or binds their userid with a name (`baosong bind`); the
member is then called by it, and a bound member is told in the app. Over HTTP: sealed
callbacks to the callback server, replies and notices through the outbox to the emulator."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from bot.binding import bind_member
from bot.settings.loader import load_settings
from scoring.vocab import Role
from storage import people
from storage.db import Database
from storage.models import Account
from tests.flow import REPO
from tests.test_wecom_commands import rig  # noqa: F401 (the fixture)
from tests.test_wecom_dispatch import WINDOW, Rig
from workflow import joining
from workflow.outcomes import Refused

WECOM = "wecom"


async def test_a_named_invite_gives_the_member_that_name(rig: Rig) -> None:  # noqa: F811
    made, _ = await joining.create_invite(
        rig.db, rig.rules, unit_name=WINDOW, role=Role.INFORMANT, name=" 张伟\n"
    )
    assert made.name == "张伟"
    await rig.say("zhangwei", f"绑定 {made.code}")
    await rig.settle()
    async with rig.db.reading() as tx:
        person = await people.person_by_account(tx, Account(WECOM, "zhangwei"))
    assert person is not None and person.name == "张伟"
    assert "张伟" in "\n".join(rig.shown("zhangwei"))


async def test_an_unnamed_invite_leaves_the_userid_as_the_name(rig: Rig) -> None:  # noqa: F811
    """Joined by "开始 CODE" too: an invite a WeCom admin makes says 「开始」 CODE."""
    made, _ = await joining.create_invite(rig.db, rig.rules, unit_name=WINDOW, role=Role.LEADER)
    await rig.say("lisi", f"开始 {made.code}")
    await rig.settle()
    async with rig.db.reading() as tx:
        person = await people.person_by_account(tx, Account(WECOM, "lisi"))
    assert person is not None and person.name == "lisi"


async def test_a_bound_member_is_told_in_the_app(rig: Rig) -> None:  # noqa: F811
    joined = await joining.bind(
        rig.db, rig.rules, Account(WECOM, "wangfang"), unit_name=WINDOW,
        role=Role.INFORMANT, name="王芳",
    )  # fmt: skip
    assert joined.person.name == "王芳"
    await rig.settle()
    told = "\n".join(rig.shown("wangfang"))
    assert "管理员已将您登记为市人社局窗口 信息员" in told
    assert "「帮助」" in told
    async with rig.db.reading() as tx:
        grants = await people.active_roles(tx, joined.person.id)
    assert [g.role for g in grants] == [Role.INFORMANT]
    await rig.say("wangfang", "帮助")
    await rig.settle()
    assert "报送" in rig.shown("wangfang")[-1]


async def test_a_name_is_one_line_and_not_too_long(rig: Rig) -> None:  # noqa: F811
    for name, key in (("  \n", "name_empty"), ("张" * 33, "name_too_long")):
        with pytest.raises(Refused) as refused:
            await joining.create_invite(
                rig.db, rig.rules, unit_name=WINDOW, role=Role.INFORMANT, name=name
            )
        assert refused.value.key == key


@pytest.fixture
def ledger_dir(tmp_path: Path) -> Path:
    """A folder with the shipped config and an initialised ledger."""
    from baosong.cli import main

    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    assert main(["--config", str(tmp_path / "config.yaml"), "init"], env={}, out=io.StringIO()) == 0
    return tmp_path


async def test_bind_from_the_command_line(ledger_dir: Path) -> None:
    settings = load_settings(ledger_dir / "config.yaml", {})
    out = io.StringIO()
    status = await bind_member(settings, "ZhaoMin", "赵敏", WINDOW, Role.WINDOW_HEAD, out)
    assert status == 0, out.getvalue()
    assert "已绑定: 赵敏（企业微信 zhaomin）/ 市人社局窗口 / window_head" in out.getvalue()
    for userid, unit, said in (
        ("zhao min", WINDOW, "不是企业微信的账号"),
        ("qianwu", "不存在的单位", "没有名为“不存在的单位”的单位"),
    ):
        out = io.StringIO()
        assert await bind_member(settings, userid, "钱五", unit, Role.INFORMANT, out) == 1
        assert said in out.getvalue()
    async with await Database.open(settings.storage.path) as db, db.reading() as tx:
        person = await people.person_by_account(tx, Account(WECOM, "zhaomin"))
        nobody = await people.person_by_account(tx, Account(WECOM, "qianwu"))
        queued = await tx.fetchall("SELECT channel, address, payload FROM outbox")
    assert person is not None and person.name == "赵敏" and nobody is None
    assert [(r["channel"], r["address"]) for r in queued] == [("wecom", "zhaomin")]
    assert "bound_by_admin" in str(queued[0]["payload"])
