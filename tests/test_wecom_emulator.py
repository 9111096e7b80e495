"""The WeCom emulator on its own, over raw HTTP: tokens, sends and their checks, per-member
limits, cards and their one-use codes, media, injected failures and the callback hook."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sandbox.wecom.server import FakeWeComApi
from sandbox.wecom.store import ApiError, CallbackEvent

JSON = dict[str, Any]


class Clock:
    """Seconds the test moves by hand."""

    def __init__(self) -> None:
        self.now = 50_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A clock at a fixed moment."""
    return Clock()


@pytest.fixture
async def wecom(clock: Clock) -> AsyncIterator[FakeWeComApi]:
    """The emulator on 127.0.0.1."""
    async with FakeWeComApi(clock=clock, token_lifetime=7200) as api:
        yield api


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client."""
    async with aiohttp.ClientSession() as session:
        yield session


async def get(http: aiohttp.ClientSession, wecom: FakeWeComApi, api: str, **query: str) -> JSON:
    """A GET answered with JSON."""
    async with http.get(f"{wecom.base_url}/cgi-bin/{api}", params=query) as response:
        assert response.status == 200
        body: JSON = await response.json(content_type=None)
        return body


async def post(wecom: FakeWeComApi, http: aiohttp.ClientSession, api: str, body: Any) -> JSON:
    """A JSON POST with a fresh token."""
    token = await token_of(http, wecom)
    async with http.post(
        f"{wecom.base_url}/cgi-bin/{api}", params={"access_token": token}, json=body
    ) as response:
        answer: JSON = await response.json(content_type=None)
        return answer


async def token_of(http: aiohttp.ClientSession, wecom: FakeWeComApi) -> str:
    """The app's token."""
    body = await get(http, wecom, "gettoken", corpid=wecom.corp_id, corpsecret=wecom.secret)
    return str(body["access_token"])


def text(to: str, content: str, **extra: Any) -> JSON:
    """A text message body."""
    return {"touser": to, "msgtype": "text", "agentid": 1000002, "text": {"content": content}} | (
        extra
    )


def card(to: str, task_id: str, buttons: int = 2) -> JSON:
    """A button_interaction card body."""
    return {
        "touser": to,
        "msgtype": "template_card",
        "agentid": 1000002,
        "template_card": {
            "card_type": "button_interaction",
            "main_title": {"title": "审签"},
            "task_id": task_id,
            "button_list": [{"text": f"b{n}", "key": f"k{n}"} for n in range(buttons)],
        },
    }


async def test_tokens(wecom: FakeWeComApi, http: aiohttp.ClientSession, clock: Clock) -> None:
    """Wrong credentials are refused; a token is the same while valid, then expires (42001);
    an unknown one is 40014, a missing one 41001."""
    bad_corp = await get(http, wecom, "gettoken", corpid="x", corpsecret=wecom.secret)
    assert bad_corp["errcode"] == 40013
    bad_secret = await get(http, wecom, "gettoken", corpid=wecom.corp_id, corpsecret="x")
    assert bad_secret["errcode"] == 40001
    first = await get(http, wecom, "gettoken", corpid=wecom.corp_id, corpsecret=wecom.secret)
    assert (first["errcode"], first["expires_in"]) == (0, 7200)
    clock.now += 100
    again = await get(http, wecom, "gettoken", corpid=wecom.corp_id, corpsecret=wecom.secret)
    assert (again["access_token"], again["expires_in"]) == (first["access_token"], 7100)
    send = f"{wecom.base_url}/cgi-bin/message/send"
    async with http.post(send, json=text("a", "x")) as response:
        assert (await response.json())["errcode"] == 41001
    async with http.post(send, params={"access_token": "forged"}, json=text("a", "x")) as r:
        assert (await r.json())["errcode"] == 40014
    clock.now += 7100
    async with http.post(send, params={"access_token": first["access_token"]}, json={}) as r:
        assert (await r.json())["errcode"] == 42001
    fresh = await get(http, wecom, "gettoken", corpid=wecom.corp_id, corpsecret=wecom.secret)
    assert fresh["access_token"] != first["access_token"]
    assert wecom.gettoken_calls == 5


async def test_sends_are_checked(wecom: FakeWeComApi, http: aiohttp.ClientSession) -> None:
    """Another app, an unknown type, empty text, an unknown media id, bad JSON are refused; an
    over-long text is cut to 2,048 bytes, as WeCom does."""
    assert (await post(wecom, http, "message/send", text("a", "x", agentid=9)))["errcode"] == 40056
    wrong_type = text("a", "x", msgtype="voice")
    assert (await post(wecom, http, "message/send", wrong_type))["errcode"] == 40008
    assert (await post(wecom, http, "message/send", text("a", "")))["errcode"] == 44004
    image = {"touser": "a", "msgtype": "image", "agentid": 1000002, "image": {"media_id": "no"}}
    assert (await post(wecom, http, "message/send", image))["errcode"] == 40007
    assert (await post(wecom, http, "message/send", [1]))["errcode"] == 47001
    long = "报" * 1000  # 3,000 bytes
    assert (await post(wecom, http, "message/send", text("a", long)))["errcode"] == 0
    assert wecom.inbox("a")[0].text == "报" * 682  # 2,046 bytes: no character cut in half


async def test_the_minute_and_hour_limits_drop_silently(wecom: FakeWeComApi, clock: Clock) -> None:
    """30 a minute and 1,000 an hour per member, every accepted message counted; the rest is
    answered ok and dropped; another member is not affected."""
    for n in range(31):
        assert wecom.send_message(text("Busy", f"{n}"))["errcode"] == 0
    assert [d.text for d in wecom.dropped("busy")] == ["30"]
    for _round in range(34):
        clock.now += 61
        for n in range(30):
            assert wecom.send_message(text("Busy", f"{n}"))["errcode"] == 0
    # 31 + 34 × 30 = 1,051 accepted within the hour: past 1,000 they are dropped
    assert len(wecom.inbox("busy")) == 999
    assert len(wecom.dropped("busy")) == 1 + 51
    assert wecom.send_message(text("calm", "x"))["errcode"] == 0
    assert len(wecom.inbox("calm")) == 1


async def test_duplicate_check(wecom: FakeWeComApi, clock: Clock) -> None:
    """A resend with the check inside its interval shows nothing and answers the first msgid;
    a different text, another member or a resend after the interval shows."""
    first = wecom.send_message(text("a", "x", enable_duplicate_check=1))
    second = wecom.send_message(
        text("a", "x", enable_duplicate_check=1, duplicate_check_interval=60)
    )
    assert second["msgid"] == first["msgid"]
    wecom.send_message(text("a", "y", enable_duplicate_check=1))
    wecom.send_message(text("b", "x", enable_duplicate_check=1))
    clock.now += 61
    wecom.send_message(text("a", "x", enable_duplicate_check=1, duplicate_check_interval=60))
    assert [d.text for d in wecom.inbox("a")] == ["x", "y", "x"]
    assert len(wecom.duplicates("a")) == 1


async def test_cards_and_their_codes(wecom: FakeWeComApi, clock: Clock) -> None:
    """A task id is used once; six buttons at most; a ResponseCode updates once, within 72 h."""
    sent = wecom.send_message(card("a|b", "t1"))
    assert sent["response_code"]
    with pytest.raises(ApiError, match="task_id exists"):
        wecom.send_message(card("a", "t1"))
    with pytest.raises(ApiError, match="1 to 6 buttons") as raised:
        wecom.send_message(card("a", "t2", buttons=7))
    assert raised.value.errcode == 40035
    update = {"agentid": 1000002, "atall": 1, "response_code": sent["response_code"]}
    done = wecom.update_card(update | {"button": {"replace_name": "已处理"}})
    assert done == {"errcode": 0, "errmsg": "ok", "invaliduser": []}
    with pytest.raises(ApiError, match="invalid response_code"):
        wecom.update_card(update | {"button": {"replace_name": "again"}})
    event = await wecom.press("b", "t1", "k1")
    code = event.get("ResponseCode")
    clock.now += 72 * 3600 + 1
    with pytest.raises(ApiError, match="invalid response_code"):
        wecom.update_card(update | {"response_code": code, "button": {"replace_name": "late"}})
    with pytest.raises(ValueError, match="no button"):
        await wecom.press("b", "t1", "k9")
    with pytest.raises(ValueError, match="has no card"):
        await wecom.press("c", "t1", "k1")


async def test_clicks_go_to_the_callback_sink(wecom: FakeWeComApi) -> None:
    """Without a sink a click's event is kept; with one it is handed over, with WeCom's fields."""
    wecom.send_message(card("Leader", "t9"))
    kept = await wecom.press("leader", "t9", "k0")
    assert wecom.events == [kept]
    pushed: list[CallbackEvent] = []

    async def sink(event: CallbackEvent) -> None:
        pushed.append(event)

    wecom.on_callback(sink)
    event = await wecom.press("leader", "t9", "k1")
    assert pushed == [event] and wecom.events == [kept]
    assert event.get("Event") == "template_card_event"
    assert event.get("FromUserName") == "leader" and event.get("TaskId") == "t9"
    assert event.get("ToUserName") == wecom.corp_id and event.get("AgentID") == "1000002"


async def test_media(wecom: FakeWeComApi, http: aiohttp.ClientSession, clock: Clock) -> None:
    """A bad type, an empty or oversized image are refused; media ids last three days."""
    token = await token_of(http, wecom)
    url = f"{wecom.base_url}/cgi-bin/media/upload"

    async def upload(kind: str, data: bytes) -> JSON:
        form = aiohttp.FormData()
        form.add_field("media", io.BytesIO(data), filename="a.png", content_type="image/png")
        async with http.post(url, params={"access_token": token, "type": kind}, data=form) as r:
            answer: JSON = await r.json(content_type=None)
            return answer

    assert (await upload("sticker", b"x"))["errcode"] == 40005
    assert (await upload("image", b""))["errcode"] == 40009
    assert (await upload("image", b"x" * (10 * 1024 * 1024 + 1)))["errcode"] == 40009
    kept = await upload("image", b"png")
    assert kept["errcode"] == 0 and kept["type"] == "image"
    clock.now += 3 * 24 * 3600 + 1
    token = await token_of(http, wecom)
    gone = await get(http, wecom, "media/get", access_token=token, media_id=kept["media_id"])
    assert gone["errcode"] == 40007


async def test_injected_failures(wecom: FakeWeComApi, http: aiohttp.ClientSession) -> None:
    """An injected errcode answers the next calls it names (not gettoken unless named); 60020
    answers everything until trusted again."""
    wecom.fail_next(-1, times=2)
    assert (await post(wecom, http, "message/send", text("a", "1")))["errcode"] == -1
    assert (await post(wecom, http, "message/send", text("a", "2")))["errcode"] == -1
    assert (await post(wecom, http, "message/send", text("a", "3")))["errcode"] == 0
    wecom.fail_next(45009, "gettoken")
    refused = await get(http, wecom, "gettoken", corpid=wecom.corp_id, corpsecret=wecom.secret)
    assert refused["errcode"] == 45009
    wecom.distrust_ip()
    refused = await get(http, wecom, "gettoken", corpid=wecom.corp_id, corpsecret=wecom.secret)
    assert refused["errcode"] == 60020
    wecom.trust_ip()
    assert [d.text for d in wecom.inbox("a")] == ["3"]
    assert [c.errcode for c in wecom.calls if c.api == "message/send"] == [-1, -1, 0]
