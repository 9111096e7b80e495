"""The WeCom adapter against the WeCom emulator over HTTP: notices with sign-off buttons as
template cards, cards settled for everyone, numbered replies read back, files uploaded per send,
and texts cut to WeCom's 2,048 bytes by the channel's capabilities."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from channels.wecom import render
from channels.wecom.adapter import Paced, WeComChannel, press_ref
from channels.wecom.api import WeComClient
from channels.wecom.errors import NoRecipient, UntrustedIp
from channels.wecom.render import wecom_texts
from chat import actions
from chat.actions import Button
from chat.actions import signoff as so
from chat.capabilities import WECOM
from chat.cards import Card, Phrase, item_card
from chat.channel import Fail, File, Prepared, Retry, Text, keys_of
from chat.texts import Texts
from delivery import outbox as delivery
from delivery.cards import signoff_buttons
from sandbox.wecom.server import FakeWeComApi
from sandbox.wecom.store import Delivery
from scoring.vocab import Role
from storage import files, outbox, people, wecom_cards
from storage.db import Database
from storage.models import Account
from tests.conftest import FakeClock
from tests.flow import REPO
from tests.ledger import SPECS, seed
from workflow import signoff, submission
from workflow.rules import CentreRules


@pytest.fixture
def rules() -> CentreRules:
    """The sample configuration's rules."""
    return centre_rules(load_settings(REPO / "config.yaml", {}))


@pytest.fixture
async def wecom(clock: FakeClock) -> AsyncIterator[FakeWeComApi]:
    """The emulator on 127.0.0.1, on the ledger's clock."""
    async with FakeWeComApi(clock=lambda: clock.now.timestamp()) as api:
        yield api


@pytest.fixture
async def channel(wecom: FakeWeComApi, db: Database) -> AsyncIterator[WeComChannel]:
    """The adapter on a client pointed at the emulator."""
    client = WeComClient(wecom.corp_id, wecom.secret, wecom.agent_id, base_url=wecom.base_url)
    adapter = WeComChannel(client, db, wecom_texts("zh"))
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


def cards_of(wecom: FakeWeComApi, userid: str) -> list[Delivery]:
    """The template cards a member was shown, in order."""
    return [d for d in wecom.inbox(userid) if d.msgtype == "template_card"]


async def signoff_request(db: Database, rules: CentreRules) -> tuple[int, int]:
    """An informant on WeCom submits; the window head, on WeCom, is asked to sign: the item's
    id and the head's person id (the request queued for `lisi`)."""
    ids = await seed(db)
    async with db.transaction() as tx:
        head = await people.ensure_person(tx, Account("wecom", "lisi"), "李四")
        author = await people.ensure_person(tx, Account("wecom", "wangwu"), "王五")
        await people.grant_role(tx, head.id, ids[SPECS[0].name], Role.WINDOW_HEAD, None)
        await people.grant_role(tx, author.id, ids[SPECS[0].name], Role.INFORMANT, None)
        await tx.execute("DELETE FROM roles WHERE person_id = ?", (ids["head"],))
    draft = submission.Draft(
        unit_id=ids[SPECS[0].name],
        category="measures",
        title="市人社局窗口推行“一窗通办”",
        body="窗口推行一窗通办，办事群众只进一扇门。",
        event_date=date(2026, 10, 14),
    )
    submitted = await submission.submit(db, rules, author, draft)
    return submitted.item.id, head.id


async def test_a_queued_signoff_request_arrives_as_a_card_with_its_buttons(
    db: Database, rules: CentreRules, wecom: FakeWeComApi, channel: WeComChannel
) -> None:
    """The request's full text first, then a button_interaction card with 同意 and 退回 whose
    keys are the sign-off presses, under a task_id of its own, kept to settle it later."""
    item_id, _ = await signoff_request(db, rules)
    report = await delivery.drain({"wecom": channel}, db, rules)
    assert (report.sent, report.failed, report.uncertain) == (1, 0, 0)
    shown = wecom.inbox("lisi")
    assert [d.msgtype for d in shown] == ["text", "template_card"]
    assert shown[0].text.startswith("📝 请审签（第 1 步，窗口负责人）")
    assert "市人社局窗口推行“一窗通办”" in shown[0].text and "<b>" not in shown[0].text
    card = shown[1].content
    assert card["card_type"] == "button_interaction"
    assert card["main_title"]["title"] == "📝 请审签（第 1 步，窗口负责人）："
    assert [(b["text"], b["key"]) for b in card["button_list"]] == [
        ("✅ 同意", actions.encode(so.Signoff(item_id, 0, 0, "a"))),
        ("↩️ 退回", actions.encode(so.Signoff(item_id, 0, 0, "r"))),
    ]
    async with db.reading() as tx:
        kept = await wecom_cards.by_task(tx, card["task_id"])
        row = (await outbox.by_purpose(tx, "", "notice:signoff_request:"))[0]
    assert kept is not None and kept.userid == "lisi" and kept.response_code
    assert row.message_id == kept.id  # the outbox keeps the card's id, to settle it


async def test_each_card_has_its_own_task_id(
    db: Database, rules: CentreRules, wecom: FakeWeComApi, channel: WeComChannel
) -> None:
    """Two cards with the same buttons to the same member: two task ids (WeCom refuses one
    used before), both shown."""
    content = Text(Prepared("请审签"), keys_of(signoff_buttons(7, 0, 0)))
    first = await channel.send("LiSi", content)
    second = await channel.send("lisi", content)
    tasks = [d.content["task_id"] for d in cards_of(wecom, "lisi")]
    assert len(tasks) == 2 and tasks[0] != tasks[1]
    assert first.message_id != second.message_id
    # a short text with buttons is the card alone, its text the card's title
    assert [d.msgtype for d in wecom.inbox("lisi")] == ["template_card"] * 2


async def test_a_click_then_a_settle_greys_the_card_for_everyone(
    db: Database, rules: CentreRules, wecom: FakeWeComApi, channel: WeComChannel
) -> None:
    """A click's ResponseCode, kept by `answer`, settles the card for all who got it: the
    buttons give way to the decision ("✅ 已同意（李四）"), once (the code is used up)."""
    item_id, head_id = await signoff_request(db, rules)
    await delivery.drain({"wecom": channel}, db, rules)
    task_id = cards_of(wecom, "lisi")[0].content["task_id"]
    press = await wecom.press("lisi", task_id, actions.encode(so.Signoff(item_id, 0, 0, "a")))
    await channel.answer(press_ref("lisi", task_id, str(press.get("ResponseCode"))))
    sent = await channel.sent_of(task_id)
    assert sent is not None
    async with db.reading() as tx:
        head = await people.get_person(tx, head_id)
    assert head is not None
    await signoff.decide(db, rules, head, item_id=item_id, round_=0, step=0, approve=True)
    decided = Card(
        title="市人社局窗口推行“一窗通办”",
        fields={},
        body="",
        notes=(Phrase("signoff.approved", {"by": head.name}),),
    )
    await channel.settle(sent, decided)
    card = wecom.cards[task_id]
    assert set(card.shown) == set(card.recipients) == {"lisi"}
    shown = card.shown["lisi"]
    assert shown["replace_text"] == "✅ 已同意（李四）"
    assert shown["task_id"] == task_id
    assert wecom.codes[str(press.get("ResponseCode"))].used
    await channel.settle(sent, decided)  # settled already: nothing more to spend
    assert sum(1 for c in wecom.calls if c.api == "message/update_template_card") == 1


async def test_a_card_is_settled_with_the_sends_own_code_when_nobody_clicked(
    db: Database, wecom: FakeWeComApi, channel: WeComChannel
) -> None:
    """Someone else decided on another channel: the card is settled with the code its send
    got, so its buttons go for everyone all the same."""
    sent = await channel.send("lisi", Text(Prepared("请审签"), keys_of(signoff_buttons(3, 0, 1))))
    await channel.settle(
        sent, Card("t", {}, "", notes=(Phrase("signoff.approved", {"by": "张伟"}),))
    )
    (card,) = wecom.cards.values()
    assert card.shown["lisi"]["replace_text"] == "✅ 已同意（张伟）"


def item(title: str, rows: tuple[tuple[Button, ...], ...] = ()) -> Card:
    """An item's card with these buttons."""
    return item_card(
        number=5,
        title=title,
        unit="综合科",
        category="政务动态",
        event_date=date(2026, 10, 14),
        state="submitted",
        body="正文",
        rows=rows,
    )


def many_buttons(count: int) -> tuple[tuple[Button, ...], ...]:
    """`count` sign-off buttons, one a row."""
    return tuple((Button("btn.approve", so.Signoff(n, 0, 0, "a")),) for n in range(1, count + 1))


async def test_more_choices_than_a_card_holds_go_as_numbered_replies(
    db: Database, wecom: FakeWeComApi, channel: WeComChannel, clock: FakeClock
) -> None:
    """Seven choices: a text listing them 1–7 with "回复 1–7", no card; a reply "3" reads back
    as the third press, once; a newer menu replaces the older; a day later none is read."""
    card = item("选择类别", many_buttons(7))
    await channel.send("lisi", card)
    (text,) = wecom.inbox("lisi")
    assert text.msgtype == "text"
    assert "1. ✅ 同意" in text.text and "7. ✅ 同意" in text.text
    assert text.text.rstrip().endswith("请回复数字 1–7 选择。")
    assert await channel.choice("lisi", "8") is None
    assert await channel.choice("lisi", "三") is None
    assert await channel.choice("LISI", " 3 ") == actions.encode(so.Signoff(3, 0, 0, "a"))
    assert await channel.choice("lisi", "3") is None  # used up
    await channel.send("lisi", card)
    await channel.send("lisi", item("另一个", many_buttons(9)))
    assert await channel.choice("lisi", "9") == actions.encode(so.Signoff(9, 0, 0, "a"))
    await channel.send("lisi", card)
    clock.now += timedelta(hours=25)
    assert await channel.choice("lisi", "1") is None


async def test_long_texts_are_cut_to_wecom_bytes_in_order(
    db: Database, wecom: FakeWeComApi, channel: WeComChannel
) -> None:
    """A text over 2,048 bytes arrives whole in several messages, none cut by WeCom."""
    lines = [f"第{n}行：各窗口本月报送信息情况良好，采用率稳步提升。" for n in range(200)]
    text = "\n".join(lines)
    await channel.send("lisi", Text(Prepared(text)))
    shown = wecom.inbox("lisi")
    assert len(shown) > 1
    assert all(len(d.text.encode()) <= 2048 for d in shown)
    assert "\n".join(d.text for d in shown) == text


async def test_a_question_asked_again_is_shown_again_and_a_retry_not_twice(
    db: Database, wecom: FakeWeComApi, channel: WeComChannel
) -> None:
    """WeCom's duplicate check would swallow a text the member saw in the last half hour: a
    first try goes without it (the same prompt twice shows twice); a row tried again goes
    with it, so the parts that arrived on the first try are not shown twice."""
    await channel.send("lisi", Text(Prepared("请输入正文。")))
    await channel.send("lisi", Text(Prepared("请输入正文。")))
    assert [d.text for d in wecom.inbox("lisi")] == ["请输入正文。", "请输入正文。"]
    long = "\n".join(f"第{n}行：本月报送信息情况良好，采用率稳步提升。" for n in range(120))
    await channel.send("wangwu", Text(Prepared(long)))
    parts = len(wecom.inbox("wangwu"))
    assert parts > 1
    await channel.send("wangwu", Text(Prepared(long)), again=True)
    assert len(wecom.inbox("wangwu")) == parts
    assert len(wecom.duplicates("wangwu")) == parts


async def test_a_stored_file_is_uploaded_and_sent_after_its_caption(
    db: Database, wecom: FakeWeComApi, channel: WeComChannel
) -> None:
    """A bulletin's PNG: its caption (Telegram HTML made plain) as text, then the image under
    its stored name; the same file to another member reuses the upload."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    async with db.transaction() as tx:
        await files.put(tx, "bulletin:2026-10:png", "2026年10月通报.png", "image/png", png)
    content = File("bulletin:2026-10:png", photo=True, caption="<b>2026年10月</b> 通报 &amp; 图")
    await channel.send("lisi", content)
    await channel.send("wangwu", content)
    shown = wecom.inbox("lisi")
    assert [d.msgtype for d in shown] == ["text", "image"]
    assert shown[0].text == "2026年10月 通报 & 图"
    medium = wecom.media[shown[1].content["media_id"]]
    assert (medium.filename, medium.data) == ("2026年10月通报.png", png)
    assert sum(1 for c in wecom.calls if c.api == "media/upload") == 1
    assert [d.msgtype for d in wecom.inbox("wangwu")] == ["text", "image"]


async def test_a_docx_goes_as_a_file_and_a_missing_one_is_refused(
    db: Database, rules: CentreRules, wecom: FakeWeComApi, channel: WeComChannel
) -> None:
    """A stored .docx as a file message; a file with no bytes here fails its row."""
    async with db.transaction() as tx:
        await files.put(tx, "brief:3:docx", "工作简报第3期.docx", "application/msword", b"PK\x03")
        await people.ensure_person(tx, Account("wecom", "lisi"), "李四")
        await outbox.enqueue(tx, "doc", 1, {"file": "brief:3:docx"}, kind="document")
        await outbox.enqueue(tx, "gone", 1, {"file": "nothing:here"}, kind="document")
    report = await delivery.drain({"wecom": channel}, db, rules)
    assert (report.sent, report.failed) == (1, 1)
    (shown,) = wecom.inbox("lisi")
    assert shown.msgtype == "file"
    assert wecom.media[shown.content["media_id"]].filename == "工作简报第3期.docx"


async def test_download_fetches_a_members_photo(wecom: FakeWeComApi, channel: WeComChannel) -> None:
    """An informant's photo by its media id, as bytes."""
    uploaded = await channel.client.upload("image", "现场.jpg", b"\xff\xd8photo", "image/jpeg")
    assert await channel.download(uploaded.media_id) == b"\xff\xd8photo"


async def test_answer_with_text_tells_the_clicker(
    db: Database, wecom: FakeWeComApi, channel: WeComChannel
) -> None:
    """WeCom shows no toast: what Telegram would toast comes as a message to the clicker."""
    await channel.send("lisi", Text(Prepared("请审签"), keys_of(signoff_buttons(3, 0, 1))))
    (card,) = wecom.cards.values()
    await channel.answer(press_ref("lisi", card.task_id, "rc-x"), "这一步已经审签过了。")
    assert [d.text for d in wecom.inbox("lisi") if d.msgtype == "text"] == ["这一步已经审签过了。"]
    async with db.reading() as tx:
        kept = await wecom_cards.by_task(tx, card.task_id)
    assert kept is not None and kept.response_code == "rc-x"


async def test_errors_are_classified_for_the_outbox(db: Database, channel: WeComChannel) -> None:
    """Over the pacer's limits waits until it fits; 60020 fails and alerts; 81013 fails."""
    at = db.clock() + timedelta(seconds=42)
    assert channel.classify(Paced("lisi", at)) == Retry(timedelta(seconds=42))
    ip = channel.classify(UntrustedIp(60020, "not allow", "message/send"))
    assert isinstance(ip, Fail) and ip.alert == "wecom_ip_not_trusted"
    gone = channel.classify(NoRecipient(81013, "invalid", "message/send"))
    assert isinstance(gone, Fail) and gone.alert is None
    assert channel.classify(ValueError("not WeCom's")) is None


def test_render_keeps_a_short_text_with_buttons_in_the_card() -> None:
    """A title within 36 characters and a rest within 112: the card alone; longer: text, then
    a card with the first line (cut) as its title; no buttons: text only."""
    texts = wecom_texts("zh")
    buttons = keys_of(signoff_buttons(1, 0, 0))
    short = render.render(texts, Text(Prepared("标题\n一行说明"), buttons), "t1")
    assert short.texts == () and short.card is not None
    assert (short.card.title, short.card.body) == ("标题", "一行说明")
    long = render.render(texts, Text(Prepared("标" * 50 + "\n正文"), buttons), "t2")
    assert long.texts == ("标" * 50 + "\n正文",)
    assert long.card is not None and long.card.title == "标" * 35 + "…"
    plain = render.render(texts, Text(Prepared("只有文字")), "t3")
    assert (plain.texts, plain.card, plain.count) == (("只有文字",), None, 1)
    prompt = "这项工作是哪天发生的？点击按钮，或输入日期（如 11月20日、11.20、前天、上周五）。"
    asked = render.render(texts, Text(Prepared(prompt), buttons), "t4")  # a question first
    assert asked.texts == () and asked.card is not None
    assert asked.card.title == "这项工作是哪天发生的？"
    assert asked.card.body == "点击按钮，或输入日期（如 11月20日、11.20、前天、上周五）。"


def test_render_words_commands_and_drops_markup() -> None:
    """Catalogue phrases come out as WeCom's plain text: commands as words, no HTML."""
    texts = wecom_texts("zh")
    out = render.render(texts, Text(Phrase("pending.none")), "t")
    assert out.texts == (texts("pending.none"),)
    help_line = render.render(texts, Text(Phrase("help.submit")), "t").texts[0]
    assert help_line.startswith("「报送」") and "<" not in help_line


def test_the_adapter_refuses_telegrams_catalogue(db: Database) -> None:
    """Telegram's HTML would show as tags on WeCom."""
    client = WeComClient("corp", "secret", 1)
    with pytest.raises(ValueError, match="rendered for WeCom"):
        WeComChannel(client, db, Texts("zh"))


def test_capabilities_split_by_bytes() -> None:
    """The one splitter cuts by WeCom's byte limit, not characters."""
    text = "汉" * 1000  # 3,000 bytes in 1,000 characters
    parts = WECOM.split(text)
    assert len(parts) == 2 and all(len(p.encode()) <= 2048 for p in parts)
    assert "".join(parts) == text


def test_settled_card_with_new_buttons_keeps_them() -> None:
    """A card settled with buttons still to press shows those, with no replace text."""
    texts = wecom_texts("zh")
    card = Card("t", {}, "", rows=((Button("btn.approve", so.Signoff(1, 0, 1, "a")),),))
    update = render.settled_card(texts, card, "task", "标题", (("旧", "x"),))
    assert update.replace_text is None
    assert [(b.text, b.key) for b in update.buttons] == [
        ("✅ 同意", actions.encode(so.Signoff(1, 0, 1, "a")))
    ]
    assert json.loads(json.dumps(update.wire()))["task_id"] == "task"
    assert dataclasses.replace(update, task_id="x").task_id == "x"
