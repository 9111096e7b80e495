"""The WeCom API client against the WeCom emulator over real HTTP: the token, sends, media, card
updates, and every error as the outbox is to treat it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from channels.wecom import errors
from channels.wecom.api import WeComClient
from channels.wecom.payloads import (
    ButtonCard,
    ButtonText,
    CardButton,
    CardField,
    DuplicateCheck,
    File,
    Image,
    Markdown,
    Text,
)
from chat.channel import Fail, Retry, Uncertain
from sandbox.wecom.server import FakeWeComApi


class Clock:
    """Seconds the test moves by hand, shared by the emulator and the client."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A clock at a fixed moment."""
    return Clock()


@pytest.fixture
async def wecom(clock: Clock) -> AsyncIterator[FakeWeComApi]:
    """The emulator on 127.0.0.1."""
    async with FakeWeComApi(clock=clock) as api:
        yield api


@pytest.fixture
async def client(wecom: FakeWeComApi, clock: Clock) -> AsyncIterator[WeComClient]:
    """The client pointed at the emulator, with a short read timeout."""
    async with WeComClient(
        wecom.corp_id,
        wecom.secret,
        wecom.agent_id,
        base_url=wecom.base_url,
        read_timeout=0.5,
        clock=clock,
    ) as api:
        yield api


def card(task_id: str) -> ButtonCard:
    """A sign-off card with two buttons."""
    return ButtonCard(
        task_id=task_id,
        title="#27 社区服务新举措",
        description="待审签",
        fields=(CardField("单位", "城东街道"),),
        buttons=(CardButton("同意", "so:27:0:0:a"), CardButton("退回", "so:27:0:0:r", 2)),
    )


async def test_the_token_is_fetched_once_and_cached(
    wecom: FakeWeComApi, client: WeComClient, clock: Clock
) -> None:
    """Many sends, one gettoken; near its expiry the token is fetched again before use."""
    for n in range(5):
        await client.send(["ZhangWei"], Text(f"第{n}条"))
    assert wecom.gettoken_calls == 1
    clock.now += 7200 - 200  # inside the margin before expiry
    await client.send(["zhangwei"], Text("again"))
    assert wecom.gettoken_calls == 2
    assert [d.text for d in wecom.inbox("zhangwei")][-1] == "again"


async def test_concurrent_callers_share_one_token_fetch(
    wecom: FakeWeComApi, client: WeComClient
) -> None:
    """Twenty concurrent first sends make one gettoken between them."""
    await asyncio.gather(*(client.send([f"u{n}"], Text("hi")) for n in range(20)))
    assert wecom.gettoken_calls == 1
    assert all(len(wecom.inbox(f"u{n}")) == 1 for n in range(20))


@pytest.mark.parametrize("end", ["expire", "revoke"])
async def test_a_refused_token_is_refreshed_once_for_everyone(
    wecom: FakeWeComApi, client: WeComClient, end: str
) -> None:
    """42001 or 40014 under concurrency: one fresh token for all, each call tried again once."""
    await client.send(["a"], Text("first"))
    assert wecom.gettoken_calls == 1
    wecom.expire_tokens() if end == "expire" else wecom.revoke_tokens()
    await asyncio.gather(*(client.send([f"p{n}"], Text("after")) for n in range(10)))
    assert wecom.gettoken_calls == 2
    refused = [c for c in wecom.calls if c.errcode in errors.TOKEN_ERRORS]
    assert len(refused) == 10
    assert all(wecom.inbox(f"p{n}")[0].text == "after" for n in range(10))


async def test_a_token_refused_twice_is_retried_later(
    wecom: FakeWeComApi, client: WeComClient
) -> None:
    """If the fresh token is refused too, the call fails as TokenRejected: the outbox retries."""
    await client.send(["a"], Text("first"))
    wecom.fail_next(42001, "message/send", times=2)
    with pytest.raises(errors.TokenRejected) as raised:
        await client.send(["a"], Text("second"))
    assert errors.classify(raised.value) == Retry()
    assert wecom.gettoken_calls == 2


async def test_text_markdown_and_its_text_form(wecom: FakeWeComApi, client: WeComClient) -> None:
    """A markdown message goes as markdown; its text form, where the caller chooses it, as text."""
    note = Markdown("**本月通报**已发布", "本月通报已发布")
    await client.send(["Li"], note)
    await client.send(["li"], note.as_text())
    shown = wecom.inbox("li")
    assert [(d.msgtype, d.text) for d in shown] == [
        ("markdown", "**本月通报**已发布"),
        ("text", "本月通报已发布"),
    ]


@pytest.mark.parametrize(
    ("errcode", "kind", "verdict"),
    [
        (-1, errors.Busy, Retry()),
        (45033, errors.Busy, Retry()),
        (45009, errors.RateLimited, Retry(errors.RATE_LIMIT_BACKOFF)),
        (81013, errors.NoRecipient, Fail),
        (60020, errors.UntrustedIp, Fail),
        (48002, errors.WeComError, Fail),
    ],
)
async def test_each_error_is_classified(
    wecom: FakeWeComApi,
    client: WeComClient,
    errcode: int,
    kind: type[errors.WeComError],
    verdict: Retry | type[Fail],
) -> None:
    """WeCom's errcodes become their types, and the outbox's verdicts."""
    await client.token()
    wecom.fail_next(errcode, "message/send")
    with pytest.raises(kind) as raised:
        await client.send(["a"], Text("x"))
    assert raised.value.errcode == errcode
    got = errors.classify(raised.value)
    if isinstance(verdict, Retry):
        assert got == verdict
    else:
        assert isinstance(got, Fail)
    assert wecom.inbox("a") == []


async def test_an_untrusted_ip_is_its_own_loud_error(
    wecom: FakeWeComApi, client: WeComClient
) -> None:
    """60020 already at gettoken: a distinct type, failed for good, nothing sent."""
    wecom.distrust_ip()
    with pytest.raises(errors.UntrustedIp) as raised:
        await client.send(["a"], Text("x"))
    verdict = errors.classify(raised.value)
    assert isinstance(verdict, Fail) and verdict.reason.startswith("ip_not_trusted")
    wecom.trust_ip()
    await client.send(["a"], Text("x"))
    assert len(wecom.inbox("a")) == 1


async def test_no_such_user_fails_the_row(wecom: FakeWeComApi, client: WeComClient) -> None:
    """81013 with the userid WeCom names: failed for good."""
    wecom.members = {"here"}
    with pytest.raises(errors.NoRecipient) as raised:
        await client.send(["nobody"], Text("x"))
    assert (raised.value.errcode, raised.value.users) == (81013, ("nobody",))
    assert isinstance(errors.classify(raised.value), Fail)


async def test_an_invalid_user_fails_the_row(wecom: FakeWeComApi, client: WeComClient) -> None:
    """A lone addressee listed in `invaliduser` (errcode 0) fails; among others it is only
    reported."""
    wecom.make_invalid("Gone")
    with pytest.raises(errors.NoRecipient) as raised:
        await client.send(["gone", "GONE"], Text("x"))
    assert raised.value.users == ("gone",)
    assert isinstance(errors.classify(raised.value), Fail)
    sent = await client.send(["gone", "here"], Text("y"))
    assert sent.invalid_users == ("gone",)
    assert [d.text for d in wecom.inbox("here")] == ["y"]


async def test_a_timeout_after_sending_is_uncertain(
    wecom: FakeWeComApi, client: WeComClient
) -> None:
    """The emulator carries the send out but holds its answer: the client's read times out,
    the verdict is Uncertain, and indeed the message arrived."""
    await client.token()
    wecom.stall_next("message/send", 2.0)
    with pytest.raises(errors.Lost) as raised:
        await client.send(["a"], Text("maybe"))
    assert isinstance(errors.classify(raised.value), Uncertain)
    assert [d.text for d in wecom.inbox("a")] == ["maybe"]


async def test_a_lost_token_fetch_is_retried(wecom: FakeWeComApi, client: WeComClient) -> None:
    """A timeout while fetching the token is not the message's: it never left, so Retry."""
    wecom.stall_next("gettoken", 2.0)
    with pytest.raises(errors.Lost) as raised:
        await client.send(["a"], Text("x"))
    assert errors.classify(raised.value) == Retry()
    assert wecom.inbox("a") == []


async def test_a_refused_connection_is_retried() -> None:
    """Nothing listening: the request never left, so Retry."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with WeComClient("corp", "secret", 1, base_url=f"http://127.0.0.1:{port}") as client:
        with pytest.raises(errors.NotSent) as raised:
            await client.send(["a"], Text("x"))
    assert errors.classify(raised.value) == Retry()


async def test_not_wecom_errors_are_not_classified() -> None:
    """An error that is not WeCom's is raised on (None)."""
    assert errors.classify(ValueError("x")) is None


async def test_media_round_trip(wecom: FakeWeComApi, client: WeComClient) -> None:
    """An image and a file with a Chinese name go up and come back byte for byte, and can be
    sent by their media ids."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    image = await client.upload("image", "chart.png", png, "image/png")
    doc = await client.upload("file", "工作简报（第3期）.docx", b"PK\x03\x04docx")
    assert image.kind == "image" and doc.kind == "file"
    assert image.media_id != doc.media_id and image.created_at.year >= 2024
    got = await client.download(image.media_id)
    assert (got.data, got.filename, got.content_type) == (png, "chart.png", "image/png")
    got_doc = await client.download(doc.media_id)
    assert (got_doc.data, got_doc.filename) == (b"PK\x03\x04docx", "工作简报（第3期）.docx")
    await client.send(["a"], Image(image.media_id))
    await client.send(["a"], File(doc.media_id))
    assert [d.msgtype for d in wecom.inbox("a")] == ["image", "file"]


async def test_unknown_media_is_refused(wecom: FakeWeComApi, client: WeComClient) -> None:
    """media/get of an unknown id answers 40007, a failure for good."""
    with pytest.raises(errors.WeComError) as raised:
        await client.download("nope")
    assert raised.value.errcode == 40007
    assert isinstance(errors.classify(raised.value), Fail)


async def test_a_card_is_settled_once_with_its_click_code(
    wecom: FakeWeComApi, client: WeComClient
) -> None:
    """A click's ResponseCode settles the card for everyone once; the second use is refused."""
    sent = await client.send(["leader", "deputy"], card("item27-r0-s0-1"))
    assert sent.response_code
    event = await wecom.press("leader", "item27-r0-s0-1", "so:27:0:0:a")
    code = event.get("ResponseCode")
    assert code is not None and event.get("EventKey") == "so:27:0:0:a"
    updated = await client.update_card(code, ButtonText("已由张伟审签"), everyone=True)
    assert updated.invalid_users == ()
    shown = wecom.cards["item27-r0-s0-1"]
    assert shown.clicked_name == {"leader": "已由张伟审签", "deputy": "已由张伟审签"}
    with pytest.raises(errors.WeComError) as raised:
        await client.update_card(code, ButtonText("again"), everyone=True)
    assert isinstance(errors.classify(raised.value), Fail)


async def test_a_card_is_replaced_for_named_members(
    wecom: FakeWeComApi, client: WeComClient
) -> None:
    """The send's own ResponseCode replaces the card for one member; a stranger is reported."""
    sent = await client.send(["leader", "deputy"], card("item28"))
    assert sent.response_code is not None
    new = ButtonCard("item28", "#28 已审签", buttons=(CardButton("查看", "it:28:v"),))
    updated = await client.update_card(sent.response_code, new, userids=["Leader", "stranger"])
    assert updated.invalid_users == ("stranger",)
    assert wecom.cards["item28"].shown["leader"]["main_title"] == {"title": "#28 已审签"}
    assert "deputy" not in wecom.cards["item28"].shown


async def test_a_resend_within_the_window_is_not_doubled(
    wecom: FakeWeComApi, client: WeComClient, clock: Clock
) -> None:
    """With the duplicate check a resend of the same text within the window shows once; after
    the window, or without the check, it shows again."""
    check = DuplicateCheck(timedelta(minutes=10))
    first = await client.send(["a"], Text("提醒：本月报送截止"), duplicate_check=check)
    again = await client.send(["a"], Text("提醒：本月报送截止"), duplicate_check=check)
    assert again.msgid == first.msgid
    assert len(wecom.inbox("a")) == 1 and len(wecom.duplicates("a")) == 1
    clock.now += 601
    await client.send(["a"], Text("提醒：本月报送截止"), duplicate_check=check)
    await client.send(["a"], Text("提醒：本月报送截止"))
    assert len(wecom.inbox("a")) == 3


def test_the_duplicate_window_is_bounded() -> None:
    """WeCom takes at most four hours."""
    with pytest.raises(ValueError, match="out of range"):
        DuplicateCheck(timedelta(hours=5))


async def test_silent_drops_are_answered_ok_and_counted(
    wecom: FakeWeComApi, client: WeComClient, clock: Clock
) -> None:
    """Past 30 a minute to one member, WeCom answers ok and shows nothing: the client cannot
    tell, which is why sends must be paced; a minute later messages show again."""
    for n in range(35):
        await client.send(["busy"], Text(f"#{n}"))
    assert len(wecom.inbox("busy")) == 30
    assert [d.text for d in wecom.dropped("busy")] == [f"#{n}" for n in range(30, 35)]
    clock.now += 61
    await client.send(["busy"], Text("later"))
    assert wecom.inbox("busy")[-1].text == "later"


async def test_a_rate_limited_token_fetch_backs_off(
    wecom: FakeWeComApi, client: WeComClient
) -> None:
    """45009 at gettoken (it is rate-limited too) waits the longer backoff; then all is well."""
    wecom.fail_next(45009, "gettoken")
    with pytest.raises(errors.RateLimited) as raised:
        await client.send(["a"], Text("x"))
    assert errors.classify(raised.value) == Retry(errors.RATE_LIMIT_BACKOFF)
    await client.send(["a"], Text("x"))
    assert wecom.gettoken_calls == 2 and len(wecom.inbox("a")) == 1
