"""A 《工作简报》 read in full before 签发: the 清样 (.docx) and every entry's full text arrive with
the review and sign requests, the entries' photos are printed in the proof and the issue, and
an issue dated ahead records its adoptions on its issue date (or, as set, on its signing day)."""

from __future__ import annotations

import dataclasses
from datetime import date
from io import BytesIO

import docx
import pytest
from docx.shared import Emu

from bot.documents import briefdoc
from bot.documents.gongwen import TEXT_WIDTH
from channels.telegram.app import BotApp
from sandbox.telegram.images import make_png
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from storage import adoptions, items
from storage.briefs import Brief
from storage.db import Database
from tests.flow import JSON, texts_of
from tests.test_briefs import (  # noqa: F401 (settings: this module's bot is configured as there)
    OFFICE,
    SECTION,
    documents,
    join,
    last_with_buttons,
    say,
    settings,
    tap,
)
from workflow import briefs as flow
from workflow.briefs import BriefContent
from workflow.figures import month_report
from workflow.outcomes import Refused

TODAY = date(2026, 10, 15)  # the tests' clock
LONG = "\n".join(
    f"第{n}段：综合科推行帮办代办服务，群众办事更省心。" + "细" * 80 for n in range(40)
)


async def submit_with_photo(
    server: FakeBotApi, app: BotApp, user: FakeUser, title: str, body: str, photo: bool
) -> None:
    """A section informant submits an item (a long body in parts), with a photo or without."""
    await say(server, app, user, "/submit")
    await tap(server, app, user, user.received()[-1], "sub:cat:measures")
    await say(server, app, user, title)
    for part in body.split("\n\n"):
        await say(server, app, user, part)
    await tap(server, app, user, user.received()[-1], "sub:body:done")
    await say(server, app, user, "2026-10-14")
    if photo:
        await user.send_photo(make_png(1200, 800))
        await say(server, app, user, "继续")  # nothing: the step waits for files or its button
    await tap(server, app, user, last_with_buttons(user, "sub:files:done"), "sub:files:done")
    await tap(server, app, user, user.received()[-1], "sub:ok")


def docx_of(server: FakeBotApi, message: JSON) -> docx.document.Document:
    """A delivered .docx, opened."""
    return docx.Document(BytesIO(server.file_bytes(message["document"]["file_id"])))


def lines_of(document: docx.document.Document) -> list[str]:
    """A document's non-empty paragraphs."""
    return [p.text for p in document.paragraphs if p.text.strip()]


def read_before(user: FakeUser, request: JSON) -> tuple[list[JSON], str]:
    """What reached the user for one request before it: the proof documents and the text of
    the full-text messages (each checked to fit one Telegram message)."""
    received = user.received()
    before = received[: received.index(request)]
    proofs = [m for m in documents(before) if "清样" in m["document"]["file_name"]]
    parts = [str(m["text"]) for m in before if "全文（" in str(m.get("text", ""))]
    assert all(len(part) <= 4096 for part in parts)
    return proofs, "\n".join(parts)


async def test_review_and_signing_read_the_whole_issue_with_its_photos(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    editor = server.user(104, "赵敏")
    leader = server.user(105, "周中心")
    chief = server.user(106, "吴主任")
    group = server.group(-1001234, "中心简报群")
    await join(server, bot, informant, SECTION, "informant")
    for user, role in ((editor, "editor"), (leader, "centre_leader"), (chief, "main_leader")):
        await join(server, bot, user, OFFICE, role)
    await submit_with_photo(server, bot, informant, "综合科推行帮办代办", LONG, photo=True)
    await submit_with_photo(server, bot, informant, "综合科周末不打烊", "周末照常办件。", False)
    async with ledger.reading() as tx:
        first = await items.get_item(tx, 1)
        attached = await items.files_of(tx, 1)
    assert first is not None and len(first.body) > 4096
    assert [f.kind for f in attached] == ["photo"]

    await say(server, bot, editor, "/brief")
    await tap(server, bot, editor, editor.received()[-1], "bf:d:1:add")
    await say(server, bot, editor, "1 2")
    await tap(server, bot, editor, editor.received()[-1], "bf:d:1:date")
    assert "日期：2026-11-02" in await say(server, bot, editor, "11月2日")  # dated ahead
    await tap(server, bot, editor, editor.received()[-1], "bf:d:1:send")
    assert "已送审" in texts_of(editor)[-1]

    # The reviewer gets the proof, then every entry in full, then the request with its buttons.
    request = last_with_buttons(leader, "bf:a:1:1:rv")
    proofs, full = read_before(leader, request)
    assert [m["document"]["file_name"] for m in proofs] == ["工作简报2026年第1期清样（第1轮）.docx"]
    for line in [*first.body.splitlines(), "周末照常办件。", "（综合科供稿）"]:
        assert line in full
    assert full.index("综合科推行帮办代办") < full.index("综合科周末不打烊")
    proof = docx_of(server, proofs[0])
    lines = lines_of(proof)
    assert lines[:2] == ["清样（第1轮）", "工作简报"]
    assert "市政务服务中心\t2026年11月2日" in lines
    assert all(line in lines for line in first.body.splitlines())
    assert lines.count("（综合科供稿）") == 2
    assert len(proof.inline_shapes) == 1  # the photo, under its entry
    assert proof.inline_shapes[0].width == TEXT_WIDTH
    assert lines.index(first.body.splitlines()[-1]) < lines.index("综合科周末不打烊")

    await tap(server, bot, leader, request, "bf:a:1:1:rv")
    signing = last_with_buttons(chief, "bf:a:1:1:sg")
    proofs, full = read_before(chief, signing)
    assert [m["document"]["file_name"] for m in proofs] == ["工作简报2026年第1期清样（第1轮）.docx"]
    assert first.body.splitlines()[-1] in full and "周末照常办件。" in full
    assert len(docx_of(server, proofs[0]).inline_shapes) == 1

    await tap(server, bot, chief, signing, "bf:a:1:1:sg")
    (issued,) = documents(group.received())
    assert issued["document"]["file_name"] == "工作简报2026年第1期.docx"
    document = docx_of(server, issued)
    assert lines_of(document)[0] == "工作简报"  # no 清样 line on the issued document
    assert not any("清样" in line for line in lines_of(document))
    assert len(document.inline_shapes) == 1

    # Its adoptions carry the issue date, so they count in November, not October.
    async with ledger.reading() as tx:
        taken = [a for item_id in (1, 2) for a in await adoptions.adoptions_of(tx, item_id)]
    assert [a.adopted_on for a in taken] == [date(2026, 11, 2)] * 2
    rules = bot.bot_data.rules
    october = await month_report(ledger, rules.policy, rules.zone, 2026, 10)
    november = await month_report(ledger, rules.policy, rules.zone, 2026, 11)
    assert sum(line.counts.adoptions for line in october.lines) == 0
    assert sum(line.counts.adoptions for line in november.lines) == 2


def test_an_issue_day_typed_without_its_year_is_the_nearest_up_to_a_month_ahead() -> None:
    assert flow.issue_day("11月2日", TODAY) == date(2026, 11, 2)
    assert flow.issue_day("10-20", TODAY) == date(2026, 10, 20)
    assert flow.issue_day("10月1日", TODAY) == date(2026, 10, 1)
    assert flow.issue_day("3月1日", TODAY) == date(2026, 3, 1)  # far ahead: the past one
    assert flow.issue_day("今天", TODAY) == TODAY
    assert flow.issue_day("前天", TODAY) == date(2026, 10, 13)
    assert flow.issue_day("上周五", TODAY) == date(2026, 10, 9)
    assert flow.issue_day("2027-03-01", TODAY) == date(2027, 3, 1)  # refused later: too far


def test_the_adoption_day_is_the_issue_date_or_as_set_the_signing_day() -> None:
    from bot.settings.loader import load_settings
    from bot.wiring import centre_rules
    from tests.flow import REPO

    rules = centre_rules(load_settings(REPO / "config.yaml", {}))
    brief = _a_brief(date(2026, 11, 2))
    assert flow.adoption_day(rules, brief, TODAY) == date(2026, 11, 2)
    signing = dataclasses.replace(
        rules, publishing=dataclasses.replace(rules.publishing, brief_adopted_on="signing_day")
    )
    assert flow.adoption_day(signing, brief, TODAY) == TODAY


def _a_brief(issue_date: date) -> Brief:
    """An issue as the ledger holds it, for the rules above."""
    from datetime import UTC, datetime

    return Brief(
        id=1,
        year=2026,
        number=1,
        issue_date=issue_date,
        state="signing",
        round=1,
        created_by=1,
        created_at=datetime(2026, 10, 15, tzinfo=UTC),
        return_reason=None,
        issued_by=None,
        issued_at=None,
        file_key=None,
    )


async def test_a_date_too_far_ahead_is_refused(ledger: Database) -> None:
    from bot.settings.loader import load_settings
    from bot.wiring import centre_rules
    from scoring.vocab import Role
    from tests.conftest import tg_account
    from tests.flow import REPO, load_units
    from workflow import joining

    config = load_settings(REPO / "config.yaml", {})
    rules = centre_rules(config)
    await load_units(ledger, config)
    invite, _ = await joining.create_invite(ledger, rules, unit_name=OFFICE, role=Role.EDITOR)
    editor = (
        await joining.redeem(ledger, invite.code, account=tg_account(1), name="编", username=None)
    ).person
    view = await flow.open_draft(ledger, rules, editor)
    ahead = await flow.set_date(ledger, rules, editor, view.brief.id, date(2026, 11, 15))
    assert ahead.issue_date == date(2026, 11, 15)  # 31 days ahead: taken
    with pytest.raises(Refused) as refused:
        await flow.set_date(ledger, rules, editor, view.brief.id, date(2026, 11, 16))
    assert refused.value.key == "brief_date_too_far"
    assert refused.value.params["days"] == 31

    publishing = config.publishing.model_copy(update={"brief_ahead_days": 7})
    week = centre_rules(config.model_copy(update={"publishing": publishing}))
    with pytest.raises(Refused) as refused:
        await flow.set_date(ledger, week, editor, view.brief.id, date(2026, 10, 23))
    assert refused.value.params["days"] == 7
    dated = await flow.set_date(ledger, week, editor, view.brief.id, date(2026, 10, 22))
    assert dated.issue_date == date(2026, 10, 22)


def test_photos_fit_the_text_width_a_tall_one_two_thirds_of_the_page() -> None:
    content = BriefContent(
        title="工作简报",
        issuing_body="市政务服务中心",
        year=2026,
        number=3,
        issue_date=TODAY,
        entries=(("第一条", "正文。"), ("第二条", "正文。")),
        units=("综合科", "办证窗口"),
        photos=((make_png(1600, 1200), b"not a picture"), (make_png(300, 900),)),
        proof_round=2,
    )
    document = docx.Document(BytesIO(briefdoc.render(content)))
    wide, tall = document.inline_shapes
    assert wide.width == TEXT_WIDTH and wide.height == Emu(TEXT_WIDTH * 1200 // 1600)
    assert tall.height <= briefdoc.PHOTO_HEIGHT < TEXT_WIDTH * 3
    assert lines_of(document)[:2] == ["清样（第2轮）", "工作简报"]
