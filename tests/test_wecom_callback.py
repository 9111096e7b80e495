"""WeCom's callback server through HTTP (channels/wecom/callback.py): the URL check, callbacks
stored once before they are answered, every refusal answered safely with nothing recorded;
the inbox a dispatcher replays (storage/wecom_inbox.py).

Long because it is the callback's authorization matrix through HTTP: each refusal (forged,
replayed, old, oversized, malformed) is its own case, beside the messages WeCom sends.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from channels.wecom.callback import ACKNOWLEDGED, CallbackConfig, callback_app, serving
from channels.wecom.crypto import MsgCrypt
from storage import figures, wecom_inbox
from storage.db import Database
from tests.conftest import FakeClock
from tests.test_wecom_crypto import (
    AES_KEY as SAMPLE_AES_KEY,
)
from tests.test_wecom_crypto import (
    CORP_ID as SAMPLE_CORP_ID,
)
from tests.test_wecom_crypto import (
    POST_BODY,
    POST_NONCE,
    POST_PLAINTEXT,
    POST_SIGNATURE,
    POST_TIMESTAMP,
    VERIFY_ECHOSTR,
    VERIFY_NONCE,
    VERIFY_SIGNATURE,
    VERIFY_TIMESTAMP,
)
from tests.test_wecom_crypto import (
    TOKEN as SAMPLE_TOKEN,
)

Client = TestClient[web.Request, web.Application]

CORP = "ww1436e0e65a779aee"
TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
CONFIG = CallbackConfig(corp_id=CORP, token=TOKEN, encoding_aes_key=AES_KEY)
CRYPT = MsgCrypt(TOKEN, AES_KEY, CORP)
PATH = "/wecom/callback"


def text_message(msg_id: str, content: str = "报送", user: str = "ZhangWei") -> bytes:
    """A text message as WeCom sends it to the application."""
    return (
        f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName>"
        f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>1792000000</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
    ).encode()


def card_click(response_code: str, key: str = "so:27:1:2:approve") -> bytes:
    """A template card's button pressed (an event: no MsgId, a one-use ResponseCode)."""
    return (
        f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName>"
        "<FromUserName><![CDATA[LiNa]]></FromUserName><CreateTime>1792000001</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>"
        f"<EventKey><![CDATA[{key}]]></EventKey><TaskId><![CDATA[so-27-1-2-a]]></TaskId>"
        "<CardType><![CDATA[button_interaction]]></CardType>"
        f"<ResponseCode><![CDATA[{response_code}]]></ResponseCode>"
        "<AgentID>1000002</AgentID></xml>"
    ).encode()


def enter_agent(created: int) -> bytes:
    """Someone opened the application: an event with neither MsgId nor ResponseCode."""
    return (
        f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName>"
        f"<FromUserName><![CDATA[wangfang]]></FromUserName><CreateTime>{created}</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event>"
        "<EventKey><![CDATA[]]></EventKey><AgentID>1000002</AgentID></xml>"
    ).encode()


def image_message() -> bytes:
    """A photo sent to the application (fetched later by its MediaId)."""
    return (
        f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName>"
        "<FromUserName><![CDATA[zhangwei]]></FromUserName><CreateTime>1792000002</CreateTime>"
        "<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://p.example/1]]></PicUrl>"
        "<MediaId><![CDATA[media-123]]></MediaId><MsgId>900</MsgId>"
        "<AgentID>1000002</AgentID></xml>"
    ).encode()


def envelope(encrypt: str) -> bytes:
    """The POST body around a ciphertext."""
    return (
        f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName>"
        f"<AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    ).encode()


def now_stamp(clock: FakeClock, shift: int = 0) -> str:
    """The clock's time as WeCom's timestamp, moved by `shift` seconds."""
    return str(int(clock.now.timestamp()) + shift)


async def post(
    client: Client,
    clock: FakeClock,
    plaintext: bytes,
    *,
    shift: int = 0,
    nonce: str = "1372623149",
    crypt: MsgCrypt = CRYPT,
) -> tuple[int, str]:
    """Seals a message as WeCom would, posts it, and returns the status and the answer."""
    timestamp = now_stamp(clock, shift)
    encrypt, signed = crypt.seal(plaintext, timestamp, nonce)
    query = {"msg_signature": signed, "timestamp": timestamp, "nonce": nonce}
    async with client.post(PATH, params=query, data=envelope(encrypt)) as response:
        return response.status, await response.text()


async def recorded(db: Database) -> tuple[int, int]:
    """How many callbacks and audit rows the ledger holds."""
    async with db.reading() as tx:
        inbox = await tx.fetchone("SELECT count(*) FROM wecom_inbox")
        audit = await tx.fetchone("SELECT count(*) FROM audit_log")
    assert inbox is not None and audit is not None
    return int(inbox[0]), int(audit[0])


async def stored(db: Database) -> list[wecom_inbox.Entry]:
    """Every stored callback, in order."""
    async with db.reading() as tx:
        rows = await tx.fetchall("SELECT id FROM wecom_inbox ORDER BY id")
        entries = [await wecom_inbox.get(tx, int(row["id"])) for row in rows]
    return [entry for entry in entries if entry is not None]


@pytest.fixture
async def client(db: Database) -> AsyncIterator[Client]:
    """The callback application on a test server, over the migrated ledger."""
    async with TestClient(TestServer(callback_app(db, CONFIG))) as test_client:
        yield test_client


@pytest.fixture
async def sample_client(db: Database, clock: FakeClock) -> AsyncIterator[Client]:
    """The application configured as Tencent's sample, its clock at the sample's time."""
    config = CallbackConfig(SAMPLE_CORP_ID, SAMPLE_TOKEN, SAMPLE_AES_KEY)
    async with TestClient(TestServer(callback_app(db, config))) as test_client:
        yield test_client


# --- the official samples through HTTP ---------------------------------------------------------


async def test_url_check_answers_the_official_echostr(
    sample_client: Client, clock: FakeClock, db: Database
) -> None:
    """WeCom's sample GET (URL-encoded as sent) is answered with the echostr's plaintext only."""
    clock.now = datetime.fromtimestamp(int(VERIFY_TIMESTAMP), UTC)
    url = (
        f"{PATH}?msg_signature={VERIFY_SIGNATURE}&timestamp={VERIFY_TIMESTAMP}"
        f"&nonce={VERIFY_NONCE}&echostr="
        + VERIFY_ECHOSTR.replace("/", "%2F").replace("+", "%2B").replace("=", "%3D")
    )
    async with sample_client.get(url) as response:
        assert response.status == 200
        assert await response.text() == "1616140317555161061"
    assert await recorded(db) == (0, 0)


async def test_url_check_with_a_forged_signature_is_refused(
    sample_client: Client, clock: FakeClock, db: Database
) -> None:
    """A GET whose signature does not match reveals nothing and records nothing."""
    clock.now = datetime.fromtimestamp(int(VERIFY_TIMESTAMP), UTC)
    query = {
        "msg_signature": "0" * 40,
        "timestamp": VERIFY_TIMESTAMP,
        "nonce": VERIFY_NONCE,
        "echostr": VERIFY_ECHOSTR,
    }
    async with sample_client.get(PATH, params=query) as response:
        assert response.status == 403
        assert "1616140317555161061" not in await response.text()
    assert await recorded(db) == (0, 0)


async def test_official_post_is_stored_with_its_fields(
    sample_client: Client, clock: FakeClock, db: Database
) -> None:
    """WeCom's sample POST is acknowledged and kept: sender, type, text, MsgId, the plaintext."""
    clock.now = datetime.fromtimestamp(int(POST_TIMESTAMP), UTC)
    query = {"msg_signature": POST_SIGNATURE, "timestamp": POST_TIMESTAMP, "nonce": POST_NONCE}
    async with sample_client.post(PATH, params=query, data=POST_BODY.encode()) as response:
        assert response.status == 200
        assert await response.text() == ACKNOWLEDGED
    [entry] = await stored(db)
    got = entry.received
    assert got.dedupe_key == "msg:4561255354251345929"
    assert (got.from_user, got.msg_type, got.content) == ("mycreate", "text", "hello")
    assert (got.msg_id, got.agent_id, got.create_time) == ("4561255354251345929", "218", 1409659813)
    assert got.plaintext == POST_PLAINTEXT.decode()
    assert entry.handled_at is None and entry.attempts == 0
    assert entry.received_at == clock.now.isoformat(timespec="microseconds")


# --- stored once, before the answer ------------------------------------------------------------


async def test_a_retry_is_answered_the_same_and_stored_once(
    client: Client, clock: FakeClock, db: Database
) -> None:
    """WeCom retries with the same message (encrypted afresh): one row, the same answer."""
    for _ in range(3):
        assert await post(client, clock, text_message("7001")) == (200, ACKNOWLEDGED)
    inbox, audit = await recorded(db)
    assert (inbox, audit) == (1, 1)
    [entry] = await stored(db)
    assert entry.received.from_user == "zhangwei"  # userids are kept lower-cased
    assert entry.received.content == "报送"


async def test_a_replayed_request_is_stored_once(
    client: Client, clock: FakeClock, db: Database
) -> None:
    """The very same request sent again (a replay within the window) changes nothing."""
    timestamp = now_stamp(clock)
    encrypt, signed = CRYPT.seal(text_message("7002"), timestamp, "55")
    query = {"msg_signature": signed, "timestamp": timestamp, "nonce": "55"}
    for _ in range(2):
        async with client.post(PATH, params=query, data=envelope(encrypt)) as response:
            assert response.status == 200
    assert await recorded(db) == (1, 1)


async def test_card_clicks_are_deduplicated_by_response_code(
    client: Client, clock: FakeClock, db: Database
) -> None:
    """A click has no MsgId: its ResponseCode is the key; another click is another row."""
    assert (await post(client, clock, card_click("RC-1")))[0] == 200
    assert (await post(client, clock, card_click("RC-1")))[0] == 200
    assert (await post(client, clock, card_click("RC-2")))[0] == 200
    first, second = await stored(db)
    assert first.received.dedupe_key == "rc:RC-1"
    assert second.received.dedupe_key == "rc:RC-2"
    got = first.received
    assert (got.msg_type, got.event, got.event_key) == (
        "event",
        "template_card_event",
        "so:27:1:2:approve",
    )
    assert (got.task_id, got.response_code, got.from_user) == ("so-27-1-2-a", "RC-1", "lina")


async def test_other_events_are_deduplicated_by_their_plaintext(
    client: Client, clock: FakeClock, db: Database
) -> None:
    """An event with neither key is kept once per plaintext (its CreateTime tells two apart)."""
    for created in (1792000005, 1792000005, 1792000006):
        assert (await post(client, clock, enter_agent(created)))[0] == 200
    entries = await stored(db)
    assert [e.received.dedupe_key for e in entries] == [
        "sha256:" + hashlib.sha256(enter_agent(created)).hexdigest()
        for created in (1792000005, 1792000006)
    ]
    assert entries[0].received.event == "enter_agent"
    assert entries[0].received.event_key is None


async def test_a_photo_keeps_its_media_id(client: Client, clock: FakeClock, db: Database) -> None:
    """An image message is stored with the MediaId to fetch it by."""
    assert (await post(client, clock, image_message()))[0] == 200
    [entry] = await stored(db)
    assert (entry.received.msg_type, entry.received.media_id) == ("image", "media-123")


async def test_a_callback_that_cannot_be_stored_is_not_acknowledged(
    client: Client, clock: FakeClock, db: Database
) -> None:
    """If the ledger refuses the row, WeCom gets an error (and retries), never the ack; the
    retry once the ledger takes it again is stored."""
    async with db.transaction() as tx:
        await tx.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON wecom_inbox"
            " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    status, _ = await post(client, clock, text_message("7003"))
    assert status == 500
    assert (await recorded(db))[0] == 0
    async with db.transaction() as tx:
        await tx.execute("DROP TRIGGER refuse")
    assert await post(client, clock, text_message("7003")) == (200, ACKNOWLEDGED)
    assert (await recorded(db))[0] == 1


async def test_the_row_is_committed_when_the_answer_arrives(
    client: Client, clock: FakeClock, db: Database
) -> None:
    """By the time WeCom reads the acknowledgement, a fresh connection sees the callback."""
    assert (await post(client, clock, text_message("7004")))[0] == 200
    other = await Database.open(db.path)
    try:
        async with other.reading() as tx:
            row = await tx.fetchone("SELECT dedupe_key FROM wecom_inbox")
        assert row is not None and row["dedupe_key"] == "msg:7004"
    finally:
        await other.close()


class TickingClock:
    """A clock one microsecond later at each reading: each transaction gets its own stamp."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now


async def test_concurrent_callbacks_share_commits_and_each_is_acknowledged_once_stored(
    client: Client, clock: FakeClock, db: Database
) -> None:
    """Callbacks arriving together are stored in fewer transactions than callbacks, and every
    one answered 200 is in the ledger."""
    ticking = TickingClock(clock.now)
    db.clock = ticking
    answers = await asyncio.gather(
        *(post(client, clock, text_message(str(10_000 + n))) for n in range(30))
    )
    assert answers == [(200, ACKNOWLEDGED)] * 30
    async with db.reading() as tx:
        rows = await tx.fetchall("SELECT received_at FROM wecom_inbox")
    assert len(rows) == 30
    assert len({str(row["received_at"]) for row in rows}) < 30


async def test_a_failed_group_commit_acknowledges_none_of_its_callbacks(
    client: Client, clock: FakeClock, db: Database
) -> None:
    """One row the ledger refuses fails its whole group: no callback is answered 200 unless it
    was stored, and none is stored that was answered with an error."""
    async with db.transaction() as tx:
        await tx.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON wecom_inbox WHEN NEW.msg_id = '20007'"
            " BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    ids = [str(20_000 + n) for n in range(15)]
    answers = await asyncio.gather(*(post(client, clock, text_message(i)) for i in ids))
    async with db.reading() as tx:
        kept = {str(r["msg_id"]) for r in await tx.fetchall("SELECT msg_id FROM wecom_inbox")}
    assert answers[7][0] == 500
    for msg_id, (status, _) in zip(ids, answers, strict=True):
        assert status in (200, 500)
        assert (status == 200) == (msg_id in kept), msg_id


# --- refused: answered safely, nothing recorded ------------------------------------------------


async def test_forged_signature_is_refused(client: Client, clock: FakeClock, db: Database) -> None:
    """A callback sealed with another token (an attacker's) is refused with 403."""
    forger = MsgCrypt("attackertoken", AES_KEY, CORP)
    status, text = await post(client, clock, text_message("8001"), crypt=forger)
    assert (status, text) == (403, "")
    assert await recorded(db) == (0, 0)


async def test_signature_over_another_ciphertext_is_refused(
    client: Client, clock: FakeClock, db: Database
) -> None:
    """A valid signature moved onto another body does not verify that body."""
    timestamp = now_stamp(clock)
    _, signed = CRYPT.seal(text_message("8002"), timestamp, "1")
    other, _ = CRYPT.seal(text_message("8003"), timestamp, "1")
    query = {"msg_signature": signed, "timestamp": timestamp, "nonce": "1"}
    async with client.post(PATH, params=query, data=envelope(other)) as response:
        assert response.status == 403
    assert await recorded(db) == (0, 0)


@pytest.mark.parametrize("shift", [-301, -3600, 301])
async def test_timestamps_outside_the_window_are_refused_as_replays(
    client: Client, clock: FakeClock, db: Database, shift: int
) -> None:
    """A correctly signed callback whose timestamp is over 300 s from now is refused."""
    status, _ = await post(client, clock, text_message("8004"), shift=shift)
    assert status == 403
    assert await recorded(db) == (0, 0)


async def test_a_timestamp_inside_the_window_is_taken(
    client: Client, clock: FakeClock, db: Database
) -> None:
    """Five minutes of difference is tolerated (clocks and queues drift)."""
    assert (await post(client, clock, text_message("8005"), shift=-299))[0] == 200
    assert (await recorded(db))[0] == 1


async def test_an_old_url_check_is_refused(
    sample_client: Client, clock: FakeClock, db: Database
) -> None:
    """The official GET replayed a day later is refused like any old callback."""
    clock.now = datetime.fromtimestamp(int(VERIFY_TIMESTAMP), UTC) + timedelta(days=1)
    query = {
        "msg_signature": VERIFY_SIGNATURE,
        "timestamp": VERIFY_TIMESTAMP,
        "nonce": VERIFY_NONCE,
        "echostr": VERIFY_ECHOSTR,
    }
    async with sample_client.get(PATH, params=query) as response:
        assert response.status == 403


async def test_another_corps_message_is_refused(
    client: Client, clock: FakeClock, db: Database
) -> None:
    """Sealed with our token and key but for another receive id: 403."""
    other = MsgCrypt(TOKEN, AES_KEY, "ww0000000000000000")
    assert (await post(client, clock, text_message("8006"), crypt=other))[0] == 403
    assert await recorded(db) == (0, 0)


async def test_oversized_body_is_refused(client: Client, clock: FakeClock, db: Database) -> None:
    """A body over 64 KiB is answered 413 before it is read or decrypted."""
    status, _ = await post(client, clock, text_message("8007", content="长" * 30_000))
    assert status == 413
    assert await recorded(db) == (0, 0)


async def test_oversized_chunked_body_is_refused(
    client: Client, clock: FakeClock, db: Database
) -> None:
    """Without a Content-Length (chunked), the cap still holds while reading."""
    timestamp = now_stamp(clock)
    encrypt, signed = CRYPT.seal(text_message("8008", content="长" * 30_000), timestamp, "2")
    body = envelope(encrypt)

    async def chunks() -> AsyncIterator[bytes]:
        """The body in pieces, so no length is sent."""
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    query = {"msg_signature": signed, "timestamp": timestamp, "nonce": "2"}
    async with client.post(PATH, params=query, data=chunks()) as response:
        assert response.status == 413
    assert await recorded(db) == (0, 0)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b"<xml><Encrypt>&lol3;</Encrypt></xml>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b"<xml><Encrypt>&e;</Encrypt></xml>"
)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<xml><Encrypt>unclosed",
        b"<html><Encrypt>abc</Encrypt></html>",
        b"<xml><ToUserName>x</ToUserName></xml>",
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
    ],
    ids=["empty", "text", "unclosed", "other-root", "no-encrypt", "entities", "external"],
)
async def test_malformed_outer_xml_is_refused(
    client: Client, clock: FakeClock, db: Database, body: bytes
) -> None:
    """A body that is not WeCom's envelope (or carries DTDs and entities) is answered 400."""
    timestamp = now_stamp(clock)
    query = {"msg_signature": "0" * 40, "timestamp": timestamp, "nonce": "3"}
    async with client.post(PATH, params=query, data=body) as response:
        assert response.status == 400
    assert await recorded(db) == (0, 0)


@pytest.mark.parametrize(
    "plaintext",
    [
        b"not xml",
        b"<xml><FromUserName>a</FromUserName></xml>",  # no MsgType
        b"<xml><MsgType>text</MsgType></xml>",  # no sender
        b"<xml><MsgType>text</MsgType><FromUserName>a</FromUserName>"
        b"<CreateTime>soon</CreateTime></xml>",
        b"<xml><MsgType>text</MsgType><FromUserName>a</FromUserName><Content>\xff</Content></xml>",
        BILLION_LAUGHS.replace(b"<Encrypt>&lol3;</Encrypt>", b"<MsgType>&lol3;</MsgType>"),
        b"<xml><MsgType>event</MsgType><FromUserName>a</FromUserName><EventKey>"
        + b"k" * 5000
        + b"</EventKey></xml>",
    ],
    ids=["text", "no-type", "no-sender", "bad-time", "not-utf8", "entities", "long-field"],
)
async def test_malformed_message_is_refused(
    client: Client, clock: FakeClock, db: Database, plaintext: bytes
) -> None:
    """Correctly signed and encrypted, but the message inside is not one: 400, not stored."""
    assert (await post(client, clock, plaintext))[0] == 400
    assert await recorded(db) == (0, 0)


async def test_an_undecryptable_ciphertext_is_refused(
    client: Client, clock: FakeClock, db: Database
) -> None:
    """Signed, but the ciphertext is not whole blocks: 400."""
    timestamp = now_stamp(clock)
    encrypt = "QUJD"  # base64 of three bytes
    query = {"msg_signature": CRYPT.sign(timestamp, "4", encrypt), "timestamp": timestamp}
    query["nonce"] = "4"
    async with client.post(PATH, params=query, data=envelope(encrypt)) as response:
        assert response.status == 400
    assert await recorded(db) == (0, 0)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"timestamp": "1", "nonce": "1"},
        {"msg_signature": "a" * 40, "timestamp": "yesterday", "nonce": "1"},
    ],
    ids=["none", "no-signature", "timestamp-not-a-number"],
)
async def test_missing_or_bad_query_is_refused(
    client: Client, db: Database, query: dict[str, str]
) -> None:
    """The signature, timestamp and nonce are required, the timestamp a number: 400."""
    async with client.post(PATH, params=query, data=envelope("QUJD")) as response:
        assert response.status == 400
    async with client.get(PATH, params={**query, "echostr": "QUJD"}) as response:
        assert response.status == 400
    assert await recorded(db) == (0, 0)


async def test_only_the_callback_path_is_served(client: Client, db: Database) -> None:
    """Other paths and methods are not the callback."""
    async with client.post("/wecom/other", data=b"<xml/>") as response:
        assert response.status == 404
    async with client.put(PATH, data=b"<xml/>") as response:
        assert response.status == 405
    assert await recorded(db) == (0, 0)


async def test_a_real_server_on_localhost(db: Database, clock: FakeClock) -> None:
    """Served on 127.0.0.1 (as `baosong run` will): a callback over TCP is stored."""
    async with (
        serving(callback_app(db, CONFIG), "127.0.0.1", 0) as port,
        aiohttp.ClientSession() as session,
    ):
        timestamp = now_stamp(clock)
        encrypt, signed = CRYPT.seal(text_message("9001"), timestamp, "9")
        query = {"msg_signature": signed, "timestamp": timestamp, "nonce": "9"}
        url = f"http://127.0.0.1:{port}{PATH}"
        async with session.post(url, params=query, data=envelope(encrypt)) as response:
            assert (response.status, await response.text()) == (200, ACKNOWLEDGED)
    assert (await recorded(db))[0] == 1


# --- the inbox a dispatcher replays ------------------------------------------------------------


async def test_claim_in_order_and_mark_handled_once(db: Database) -> None:
    """Unhandled rows come in arrival order, each claim counted; a row is settled once."""
    async with db.transaction() as tx:
        ids = [
            await wecom_inbox.store(
                tx, wecom_inbox.Received(f"msg:{n}", "zhangwei", "text", f"<xml>{n}</xml>")
            )
            for n in range(3)
        ]
        again = await wecom_inbox.store(
            tx, wecom_inbox.Received("msg:0", "zhangwei", "text", "<xml>0</xml>")
        )
    assert again is None
    async with db.transaction() as tx:
        claimed = await wecom_inbox.claim(tx, limit=2)
    assert [entry.id for entry in claimed] == ids[:2]
    assert [entry.attempts for entry in claimed] == [1, 1]
    async with db.transaction() as tx:
        assert await wecom_inbox.mark_handled(tx, claimed[0].id) is True
        assert await wecom_inbox.mark_handled(tx, claimed[0].id) is False
    async with db.transaction() as tx:  # after a crash: what was not handled comes again
        replayed = await wecom_inbox.claim(tx)
        assert await wecom_inbox.unhandled_count(tx) == 2
    assert [(entry.id, entry.attempts) for entry in replayed] == [(ids[1], 2), (ids[2], 1)]
    async with db.reading() as tx:
        handled = await wecom_inbox.get(tx, claimed[0].id)
        actions = [
            str(row["action"])
            for row in await tx.fetchall("SELECT action FROM audit_log ORDER BY id")
        ]
    assert handled is not None and handled.outcome == "handled" and handled.handled_at
    assert actions == [
        *["wecom.callback_stored"] * 3,
        "wecom.callbacks_claimed",
        "wecom.callback_handled",
        "wecom.callbacks_claimed",
    ]


async def test_a_rolled_back_handling_leaves_the_row_to_replay(db: Database) -> None:
    """A handler that fails inside its transaction leaves the callback unhandled."""
    async with db.transaction() as tx:
        entry_id = await wecom_inbox.store(
            tx, wecom_inbox.Received("msg:1", "lina", "text", "<xml/>")
        )
    assert entry_id is not None

    class HandlerFailed(Exception):
        """The handler's own failure."""

    with pytest.raises(HandlerFailed):
        async with db.transaction() as tx:
            await wecom_inbox.mark_handled(tx, entry_id)
            raise HandlerFailed
    async with db.reading() as tx:
        assert await wecom_inbox.unhandled_count(tx) == 1


async def test_callbacks_leave_the_open_months_figures_alone(
    client: Client, clock: FakeClock, db: Database
) -> None:
    """Their audit rows touch no unit, so the kept figures are not all counted again."""
    async with db.reading() as tx:
        before = await tx.fetchone("SELECT coalesce(max(id), 0) FROM audit_log")
    assert (await post(client, clock, text_message("9100")))[0] == 200
    async with db.transaction() as tx:
        await wecom_inbox.claim(tx)
        after = await tx.fetchone("SELECT max(id) FROM audit_log")
        assert before is not None and after is not None
        assert await figures.touched_units(tx, int(before[0]), int(after[0])) == frozenset()
