"""The satisfaction survey (民主测评) in chat, end to end over the fake Bot API: the office gets
each unit's link and QR code when the campaign starts and on request; a stranger answers by
the link (question, answer, comment, thanks); a second answer, a closed campaign, a forged
link and a flood are refused; the ledger keeps a keyed hash of the account and nothing else
of them; the office's progress list and the campaign workbook show the counts and rates."""

from __future__ import annotations

import io
from datetime import timedelta

import zxingcpp
from openpyxl import load_workbook
from PIL import Image

from channels.telegram.app import BotApp
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.assessment import Scope
from scoring.vocab import Role
from storage import campaign_survey, campaigns, people, units
from storage.db import Database
from tests.campaign_cast import TEMPLATES, TODAY, ZONE
from tests.conftest import tg_account
from tests.flow import buttons, settle, texts_of
from tests.test_flows import say, tap
from workflow import campaign_grades as cg
from workflow import campaigns as cs
from workflow.campaign_scoring import account_hash

WINDOW = "市人社局窗口"
TOWNSHIP = "城关镇便民服务中心"
LINK = "https://t.me/baosong_test_bot?start=sv-"
FORGED = "按钮数据无效"


async def _people(db: Database) -> dict[str, int]:
    """The office, the leading group, an assessor and the window's informant, by role held."""
    grants = {
        104: ("办公室", "综合科", Role.EDITOR),
        120: ("分管领导", "办公室", Role.CENTRE_LEADER),
        121: ("主要领导", "办公室", Role.MAIN_LEADER),
        122: ("考核员", "审批服务科", Role.LEADER),
        101: ("王芳", WINDOW, Role.INFORMANT),
    }
    made = {}
    async with db.transaction() as tx:
        for tg, (name, unit_name, role) in grants.items():
            person = await people.ensure_person(tx, tg_account(tg), name)
            unit = await units.unit_by_name(tx, unit_name)
            assert unit is not None
            await people.grant_role(tx, person.id, unit.id, role, None)
            made[name] = person.id
        for name in (WINDOW, TOWNSHIP):
            unit = await units.unit_by_name(tx, name)
            assert unit is not None
            made[name] = unit.id
    return made


async def _deliver(server: FakeBotApi, bot: BotApp) -> None:
    """The outbox sent now (what a service queued outside any handler)."""
    bot.bot_data.courier.wake()
    await settle(server, bot)
    await bot.bot_data.courier.idle()
    await settle(server, bot)


async def press(server: FakeBotApi, bot: BotApp, user: FakeUser, data: str) -> str:
    """The user presses a button of their newest message carrying it; the answer's text."""
    message = next(m for m in reversed(user.received()) if data in buttons(m).values())
    return str((await tap(server, bot, user, message, data)).get("text") or "")


async def forged(server: FakeBotApi, bot: BotApp, user: FakeUser, data: str) -> str:
    """The user sends a press no message of theirs carries; the alert they get."""
    update = await user.click(user.received()[-1], data, forged=True)
    await settle(server, bot)
    return str((await server.wait_for_answer(update["callback_query"]["id"])).get("text") or "")


def _decoded(server: FakeBotApi, message: dict[str, object]) -> str:
    """The link a photo's QR code holds, read back from the PNG by a QR decoder."""
    sizes = message["photo"]
    assert isinstance(sizes, list)
    data = server.file_bytes(str(sizes[-1]["file_id"]))
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.width >= 400
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1
    return str(found[0].text)


async def test_a_stranger_answers_the_survey_by_its_link(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    office, leader, chief = (
        server.user(104, "办公室"),
        server.user(120, "分管领导"),
        server.user(121, "主要领导"),
    )
    server.user(122, "考核员")
    informant = server.user(101, "王芳")
    ids = await _people(ledger)
    async with ledger.reading() as tx:
        office_person = await people.get_person(tx, ids["办公室"])
        leader_person = await people.get_person(tx, ids["分管领导"])
    assert office_person is not None and leader_person is not None
    onsite = TODAY + timedelta(days=12)
    planned = await cs.plan(
        ledger,
        office_person,
        TEMPLATES,
        ZONE,
        template_key="county",
        title="2026年度政务公开工作考核",
        year=2026,
        scope=Scope.FOCUS,
        onsite={ids[WINDOW]: onsite, ids[TOWNSHIP]: onsite},
        leading=[ids["分管领导"], ids["主要领导"]],
        assessors=[ids["考核员"]],
    )
    cid = planned.id
    await cs.submit_plan(ledger, office_person, ZONE, cid)
    await cs.decide_plan(ledger, leader_person, ZONE, cid, round_=1, step=1, approve=True)
    await _deliver(server, bot)
    del leader

    # The last approval starts the campaign: the office gets each unit's QR code and link.
    await press(server, bot, chief, f"ca:d:p:{cid}:1:2:a")
    await _deliver(server, bot)
    photos = [m for m in office.received() if m.get("photo")]
    assert len(photos) == 2
    links = {}
    for photo in photos:
        caption = str(photo.get("caption"))
        unit, _, rest = caption.partition(" · 民主测评\n")
        link, _, word = rest.partition("\n")  # the link, then what a WeCom member sends
        assert link.startswith(LINK) and _decoded(server, photo) == link
        assert word == f"企业微信成员发送：「测评 {link.removeprefix(LINK)}」", word
        links[unit] = link
    assert set(links) == {WINDOW, TOWNSHIP}
    async with ledger.reading() as tx:
        tokens = await campaign_survey.links(tx, cid)
    assert {links[WINDOW], links[TOWNSHIP]} == {LINK + t for t in tokens.values()}
    token = tokens[ids[WINDOW]]
    assert len(token) == 22 and len(set(tokens.values())) == 2  # random, one per unit
    started = next(m for m in office.received() if "考核通知已下发" in str(m.get("text")))
    assert buttons(started) == {"📊 自查进度": f"ca:pg:{cid}", "📊 测评二维码": f"ca:qr:{cid}"}

    # A stranger opens the window's link: the question, then an answer, a comment, thanks.
    stranger = server.user(9001, "路人甲")
    asked = await say(server, bot, stranger, f"/start sv-{token}")
    assert "民主测评" in asked and WINDOW in asked and "是否满意" in asked
    assert buttons(stranger.received()[-1]) == {
        "满意": f"ca:qa:{token}:s",
        "基本满意": f"ca:qa:{token}:b",
        "不满意": f"ca:qa:{token}:d",
    }
    assert "已记录：满意" in await press(server, bot, stranger, f"ca:qa:{token}:s")
    assert "跳过" in buttons(stranger.received()[-1])
    assert "200 字以内" in texts_of(stranger)[-1]
    long = await say(server, bot, stranger, "很" * 201)
    assert "最多 200 字" in long
    assert "感谢您参加民主测评" in await say(server, bot, stranger, "  办事很方便，材料一次讲清。 ")

    # The same account again: refused politely, by the link and by a press; nothing counted.
    assert "已经参加过" in await say(server, bot, stranger, f"/start sv-{token}")
    assert "已经参加过" in await forged(server, bot, stranger, f"ca:qa:{token}:d")
    # A later text is no comment: it goes where any stranger's text goes.
    assert "感谢" not in await say(server, bot, stranger, "再补充一句")

    # Another stranger is dissatisfied and skips the comment; a member answers too.
    other = server.user(9002, "路人乙")
    await say(server, bot, other, f"/start sv-{token}")
    await press(server, bot, other, f"ca:qa:{token}:d")
    assert "已跳过" in await press(server, bot, other, f"ca:qx:{token}")
    await say(server, bot, informant, f"/start sv-{token}")
    await press(server, bot, informant, f"ca:qa:{token}:b")
    assert "感谢" in await say(server, bot, informant, "无")

    # The ledger: one row per account, its keyed hash only; no account id anywhere.
    async with ledger.reading() as tx:
        secret = await campaign_survey.key(tx)
        rows = await tx.fetchall(
            "SELECT account_hash, answer, comment, comment_until FROM campaign_survey"
            " WHERE campaign_id = ? AND unit_id = ? ORDER BY answer",
            (cid, ids[WINDOW]),
        )
        audit = await tx.fetchall(
            "SELECT detail FROM audit_log WHERE action LIKE 'campaign.survey%'"
        )
    assert [tuple(r) for r in rows] == [
        (account_hash(secret, cid, "telegram:101"), "basic", "无", None),
        (account_hash(secret, cid, "telegram:9002"), "dissatisfied", "", None),
        (
            account_hash(secret, cid, "telegram:9001"),
            "satisfied",
            "办事很方便，材料一次讲清。",
            None,
        ),
    ]
    assert not any("9001" in str(r[0]) or "9002" in str(r[0]) for r in audit)

    # A forged or garbled link or press.
    assert "链接无效" in await say(server, bot, stranger, "/start sv-AAAAAAAAAAAAAAAAAAAAAA")
    assert FORGED in await forged(server, bot, stranger, "ca:qa:short:s")
    # A flood of starts: ten a minute, the eleventh refused once, the rest unanswered.
    flooder = server.user(9003, "刷票者")
    for _ in range(10):
        assert "是否满意" in await say(server, bot, flooder, f"/start sv-{token}")
    assert "太频繁" in await say(server, bot, flooder, f"/start sv-{token}")
    before = len(flooder.received())
    await say(server, bot, flooder, f"/start sv-{token}")
    assert len(flooder.received()) == before

    # The office's progress list and the QR codes on request.
    progress = await press(server, bot, office, f"ca:pg:{cid}")
    assert progress == ""  # the list comes as a message of its own
    shown = texts_of(office)[-1]
    assert f"{WINDOW}：" in shown
    assert "民主测评 3 人：满意 1（33.3%）、基本满意 1（33.3%）、不满意 1（33.3%）" in shown
    assert f"{TOWNSHIP}：⏳ 未提交，已答 0/" in shown and "民主测评 0 人" in shown
    await say(server, bot, office, "/campaigns")
    assert "📊 测评二维码" in buttons(office.received()[-1])
    count = len([m for m in office.received() if m.get("photo")])
    await press(server, bot, office, f"ca:qr:{cid}")
    again = [m for m in office.received() if m.get("photo")][count:]
    assert sorted(_decoded(server, m) for m in again) == sorted(links.values())
    assert any(f"{WINDOW}：{links[WINDOW]}" in t for t in texts_of(office)[-3:])
    assert "没有权限" in await forged(server, bot, informant, f"ca:qr:{cid}")

    # The campaign workbook carries the rates.
    book = load_workbook(io.BytesIO(await cg.workbook(ledger, office_person, cid)))["结果"]
    rows_ = [[cell.value for cell in row] for row in book.iter_rows()]
    header = next(r for r in rows_ if "满意率%" in r)
    line = next(r for r in rows_ if WINDOW in r)
    at = header.index("满意率%")
    assert [float(str(v)) for v in line[at : at + 3]] == [33.3, 33.3, 33.3]

    # Once the campaign is closed the link says the survey is over.
    async with ledger.transaction() as tx:
        await campaigns.move(tx, cid, "running", "closed", ids["办公室"])
    late = server.user(9004, "路人丁")
    assert "民主测评已经结束" in await say(server, bot, late, f"/start sv-{token}")
    assert "民主测评已经结束" in await forged(server, bot, late, f"ca:qa:{token}:s")
