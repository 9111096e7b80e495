"""备案 in chat, over the fake Bot API: the office names, while the campaign runs, the upper
office it files to and its people; closing and the sweep file the results once; the people
named open them (grades, the results 通报) and nothing more; others cannot."""

from __future__ import annotations

from bot.jobs import campaign_results
from channels.telegram.app import BotApp
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import Role
from storage import audit, campaign_reports, people
from storage.db import Database
from tests.campaign_cast import refused
from tests.conftest import FakeClock, tg_account
from tests.flow import buttons, settle, texts_of
from tests.test_campaign_grades import closed
from tests.test_campaign_plan import approved
from tests.test_campaign_scoring import scored
from tests.test_campaign_selfcheck import self_checked
from tests.test_campaigns_chat import forged, press
from tests.test_flows import say
from workflow import campaign_filing

UPPER = "县政务公开领导小组办公室"


async def test_results_are_filed_upward_once(
    server: FakeBotApi, bot: BotApp, ledger: Database, clock: FakeClock
) -> None:
    life = await approved(ledger, clock, "county")
    cid, cast = life.campaign_id, life.cast
    async with ledger.transaction() as tx:
        upper_person = await people.ensure_person(tx, tg_account(5020), "县考核办")
        await people.grant_role(tx, upper_person.id, cast.section, Role.LEADER, None)
    office = server.user(5001, "办公室")
    upper = server.user(5020, "县考核办")
    town_staff = server.user(5009, "镇信息员")
    bot.bot_data.courier.wake()
    await settle(server, bot)

    # While it runs, the office names the upper office and whom there it tells.
    await say(server, bot, office, "/campaigns")
    assert f"ca:fu:{cid}" in buttons(office.received()[-1]).values()
    assert "没有权限" in await forged(server, bot, town_staff, f"ca:fu:{cid}")
    await press(server, bot, office, f"ca:fu:{cid}")
    assert "上级机关" in texts_of(office)[-1]
    await say(server, bot, office, UPPER)
    assert UPPER in texts_of(office)[-1]
    await press(server, bot, office, "ca:ok")
    assert "请至少选择一人" in texts_of(office)[-1]
    await press(server, bot, office, f"ca:p:{upper_person.id}")
    assert "✅ 县考核办" in buttons(office.received()[-1])
    await press(server, bot, office, "ca:ok")
    assert f"考核结束时，结果报{UPPER}备案（1 人接收）" in texts_of(office)[-1]
    await say(server, bot, upper, "/start")
    assert "还没有公布" in await forged(server, bot, upper, f"ca:rv:{cid}")

    # Closing and the sweep file the results once; the upper office opens them.
    await self_checked(life)
    await scored(life)
    await closed(life)
    bot.bot_data.courier.wake()
    await settle(server, bot)
    assert not any("备案" in text for text in texts_of(upper))  # not before the sweep
    assert await campaign_results(bot.bot_data) >= 1
    assert await campaign_results(bot.bot_data) == 0
    bot.bot_data.courier.wake()
    await settle(server, bot)
    filed = [m for m in upper.received() if "考核结果备案" in str(m.get("text"))]
    assert len(filed) == 1 and f"报{UPPER}备案" in str(filed[0]["text"])
    assert buttons(filed[0]) == {"📊 考核结果": f"ca:rv:{cid}"}
    before = len(upper.received())
    await press(server, bot, upper, f"ca:rv:{cid}")
    opened = upper.received()[before:]
    view = next(str(m["text"]) for m in opened if m.get("text"))
    assert "考核结果（第 1 版）" in view and f"报备上级：{UPPER}" in view
    assert "城关镇便民服务中心" in view and "不合格" in view
    assert [m["document"]["file_name"] for m in opened if m.get("document")] == [
        "2026年度政务公开工作考核考核结果通报.docx"
    ]
    assert all(not buttons(m) for m in opened)  # they read; they record nothing
    assert "没有权限" in await forged(server, bot, upper, f"ca:tk:{cid}:{cast.township}")
    assert "没有权限" in await forged(server, bot, town_staff, f"ca:rv:{cid}")

    # Once filed, it is not named again; the ledger keeps when and the audit says so.
    await refused(
        "campaign_already_filed",
        campaign_filing.name_upper(ledger, cast.office, cid, "别的机关", [upper_person.id]),
    )
    async with ledger.reading() as tx:
        filing = await campaign_reports.filing(tx, cid)
        trail = [e.action for e in await audit.audit_trail(tx, "campaign", cid)]
    assert filing is not None and filing.told and filing.person_ids == (upper_person.id,)
    assert filing.upper_office == UPPER
    assert trail.count("campaign.filing_named") == 1 and trail.count("campaign.filed") == 1


async def test_a_closed_campaign_files_at_once_and_nobody_is_refused_quietly(
    ledger: Database, clock: FakeClock
) -> None:
    life = await approved(ledger, clock, "bureau")
    cid, cast = life.campaign_id, life.cast
    await refused(
        "not_allowed",
        campaign_filing.name_upper(ledger, cast.window_staff, cid, UPPER, [cast.office.id]),
    )
    await refused(
        "campaign_upper_nobody", campaign_filing.name_upper(ledger, cast.office, cid, UPPER, [])
    )
    await refused(
        "campaign_upper_missing",
        campaign_filing.name_upper(ledger, cast.office, cid, "  ", [cast.office.id]),
    )
    await self_checked(life)
    await scored(life)
    await closed(life)
    tells = await campaign_filing.name_upper(
        ledger, cast.office, cid, UPPER, [cast.window_leader.id]
    )
    assert [(t.person_id, t.key) for t in tells] == [(cast.window_leader.id, "campaign_filed")]
    assert await campaign_filing.file_pending(ledger) == 0
    view = await campaign_filing.results(ledger, cast.window_leader, cid)
    assert view.upper_office == UPPER and not view.office
    await refused("not_allowed", campaign_filing.results(ledger, cast.township_staff, cid))
