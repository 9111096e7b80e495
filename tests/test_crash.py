"""Crash safety (issue 6): the bot is SIGKILLed at random while people use it, and restarted.

The harness is `tests/crash_driver.py`. A random run checks that nothing confirmed is lost,
nothing is doubled, every sign-off and adoption is wholly recorded or wholly not, the audit
log agrees with the tables, drafts survive (or the user is told), and every outbox message
reached its chat at most once — the `uncertain` rows, printed, being the documented
at-most-once case. The reduced run always runs; the full one is marked slow.

Three tests place one kill exactly (the fake Bot API holds the request the bot waits on) to
pin the bugs the random runs found (a draft confirmed twice, a drained batch orphaned by a
crash, a press redelivered after a restart), all fixed. A newly found bug that cannot be
fixed at once goes in `KNOWN` (the random runs then xfail on it) with a strict-xfail test.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.crash_driver import (
    JSON,
    Flow,
    Hold,
    Plan,
    Report,
    buttons,
    confirm,
    fill_draft,
    ledger_problems,
    poll,
    rig,
    run_crash,
    settle_outbox,
    text_of,
)

#: aiohttp's own multipart reader (the fake Bot API reading the bot's file uploads) calls its
#: deprecated `unread_data`; with warnings as errors that would fail the upload with a 500.
pytestmark = pytest.mark.filterwarnings(r"ignore:unread_data\(\) is deprecated:DeprecationWarning")

REDUCED = Plan(
    seed=6,
    windows=6,
    one_step_units=4,
    sections=2,
    informants_per_unit=1,
    heads_per_window=1,
    leaders_per_unit=1,
    editors=2,
    items_per_informant=2,
    min_kills=5,
    max_kills=8,
    uptime=(0.3, 1.5),
    startup_kill_share=0.25,
    stagger=2.0,
    budget=45.0,
    reply_timeout=30.0,
)

FULL = Plan(
    seed=66,
    windows=6,
    one_step_units=6,
    sections=4,
    informants_per_unit=12,
    heads_per_window=2,
    leaders_per_unit=2,
    editors=2,
    items_per_informant=1,
    min_kills=20,
    max_kills=30,
    uptime=(1.0, 6.0),
    startup_kill_share=0.15,
    stagger=90.0,
    budget=480.0,
    reply_timeout=90.0,
)

#: No kills, but 7% of Bot API calls hit by 429s, 500s, slow answers and dropped connections.
FAULTS = Plan(
    seed=7,
    windows=4,
    one_step_units=3,
    sections=2,
    informants_per_unit=1,
    heads_per_window=1,
    leaders_per_unit=1,
    editors=2,
    items_per_informant=2,
    min_kills=0,
    max_kills=0,
    uptime=(1.0, 1.0),
    startup_kill_share=0.0,
    stagger=2.0,
    budget=60.0,
    reply_timeout=30.0,
    fault_rate=0.07,
)

#: One window (an informant, window heads, a leader) and an editor, for the placed kills.
SMALL = Plan(
    seed=1,
    windows=1,
    one_step_units=0,
    sections=0,
    informants_per_unit=1,
    heads_per_window=3,
    leaders_per_unit=1,
    editors=1,
    items_per_informant=1,
    min_kills=0,
    max_kills=0,
    uptime=(1.0, 1.0),
    startup_kill_share=0.0,
    stagger=0.0,
    budget=60.0,
    reply_timeout=20.0,
)

DOUBLE_SUBMIT = (
    "✅ 确认报送 tapped again after a crash between the item's commit and the conversation's"
    " write-through submits it twice (test_confirm_tapped_again_after_a_crash_submits_once)"
)
ORPHANED_BATCH = (
    "a crash while the outbox drains marks every claimed row of the batch uncertain, so"
    " messages never attempted are never sent (test_crash_mid_drain_loses_only_the_send_in_flight)"
)
REDELIVERED = (
    "a button press handled but not yet confirmed to Telegram when the bot died comes again"
    " after the restart; answering it again fails ('query is too old') and the user gets the"
    " error message (test_press_handled_before_a_crash_is_answered_calmly_when_it_comes_again)"
)
#: Problems of a known, reproduced bug: the random runs xfail on these and fail on any other.
KNOWN: dict[str, str] = {}  # all three bugs found by these runs are fixed

BODY = (
    "10月14日，市人社局窗口推行“一窗通办”改革，当天办件 3000 余件，群众满意率明显提升。"
    "窗口工作人员延时服务，做到事事有回音、件件有着落。"
)


def _verdict(report: Report) -> None:
    """Prints what the run did; fails on any problem but the known bugs' (those xfail)."""
    print(report.summary())
    assert len(report.kills) >= report.plan.min_kills, report.summary()
    assert report.stats.get("confirmed", 0) > 0, report.summary()
    unknown = [text for kind, text in report.problems if kind not in KNOWN]
    assert not unknown, report.summary() + "\n--- bot log (tail) ---\n" + report.log_tail
    if report.problems:
        pytest.xfail("known bugs: " + " | ".join(KNOWN[kind] for kind in sorted(report.kinds())))


async def test_random_kills_lose_and_double_nothing(tmp_path: Path) -> None:
    assert REDUCED.users == 30
    _verdict(await run_crash(REDUCED, tmp_path))


async def test_network_faults_lose_and_double_nothing(tmp_path: Path) -> None:
    _verdict(await run_crash(FAULTS, tmp_path))


@pytest.mark.slow
async def test_random_kills_at_scale(tmp_path: Path) -> None:
    assert FULL.users >= 200
    _verdict(await run_crash(FULL, tmp_path))


def _items_titled(db: Path, title: str) -> list[int]:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return [int(r[0]) for r in conn.execute("SELECT id FROM items WHERE title = ?", (title,))]


async def test_confirm_tapped_again_after_a_crash_submits_once(tmp_path: Path) -> None:
    async with rig(SMALL, tmp_path) as h:
        author = next(m for m in h.members if m.role == "informant")
        flow = Flow(author.tg, "一窗通办改革成效显著", time.monotonic())
        stop, preview = await fill_draft(h, author, flow, BODY, "measures", photo=False)
        assert stop is None and preview is not None, flow.told
        # The bot commits the item, answers the tap, then asks Telegram to remove the
        # buttons: the kill lands while it waits for that answer (the request never arrived).
        hold = Hold(h.server, "editMessageReplyMarkup", lambda p: True)
        await author.user.click(preview, "sub:ok")
        await asyncio.wait_for(hold.hit.wait(), 30)  # the bot removing the buttons
        assert len(_items_titled(h.db_path, flow.title)) == 1
        await h.proc.kill()
        hold.release(execute=False)
        await h.proc.start()
        await h.wait_ready()
        # No confirmation came and the button is still there: the user taps it again.
        result = await confirm(h, author, flow, preview)
        await h.proc.stop()
    items = _items_titled(h.db_path, flow.title)
    assert len(items) == 1, f"one draft became items {items}; the second tap said {result.text!r}"


async def test_crash_mid_drain_loses_only_the_send_in_flight(tmp_path: Path) -> None:
    async with rig(SMALL, tmp_path) as h:
        await settle_outbox(h)  # whatever the sweep found due at start (a bulletin) is out
        author = next(m for m in h.members if m.role == "informant")
        heads = [m for m in h.members if m.role == "window_head"]
        flow = Flow(author.tg, "一窗通办改革成效显著", time.monotonic())
        stop, preview = await fill_draft(h, author, flow, BODY, "measures", photo=False)
        assert stop is None and preview is not None, flow.told
        # The submission queues one sign-off request per window head, drained in one pass;
        # the kill lands while the sender waits for Telegram's answer to the first.
        hold = Hold(h.server, "sendMessage", lambda p: str(p.get("text", "")).startswith("📝"))
        result = await confirm(h, author, flow, preview)
        assert result.kind == "ok", result
        await asyncio.wait_for(hold.hit.wait(), 30)  # the first sign-off request
        # The other heads' requests go at the same time (other chats) and are answered.
        await poll(
            lambda: (
                sum(any("请审签" in text_of(m) for m in h.server.sent_to(x.tg)) for x in heads) == 2
            ),
            30,
        )
        await poll(lambda: _signoff_rows_sent(h.db_path) == 2, 30)
        await h.proc.kill()
        hold.release(execute=True)  # that one request had reached Telegram
        await h.proc.start()
        await h.wait_ready()
        await settle_outbox(h)
        asked = [any("请审签" in text_of(m) for m in h.server.sent_to(m.tg)) for m in heads]
        await h.proc.stop()
    with closing(sqlite3.connect(f"file:{h.db_path}?mode=ro", uri=True)) as conn:
        states = [
            (str(r[0]), str(r[1]))
            for r in conn.execute(
                "SELECT state, ifnull(last_error, '') FROM outbox"
                " WHERE purpose LIKE 'notice:signoff_request:%' ORDER BY id"
            )
        ]
    uncertain = [s for s in states if s[0] == "uncertain"]
    assert len(uncertain) <= 1, f"one send was in flight, yet the rows are {states}"
    assert asked == [True, True, True], f"window heads asked: {asked}; outbox rows: {states}"


async def test_kill_while_a_signoff_request_is_sent_leaves_the_item_signable(
    tmp_path: Path,
) -> None:
    async with rig(SMALL, tmp_path) as h:
        await settle_outbox(h)
        author = next(m for m in h.members if m.role == "informant")
        flow = Flow(author.tg, "一窗通办改革成效显著", time.monotonic())
        stop, preview = await fill_draft(h, author, flow, BODY, "measures", photo=False)
        assert stop is None and preview is not None, flow.told
        # The kill lands while the bot waits for Telegram's answer to the first sign-off
        # request, which never arrived: after the restart that row is uncertain, never resent.
        held: list[int] = []

        def first_request(params: JSON) -> bool:
            if not str(params.get("text", "")).startswith("📝 请审签"):
                return False
            held.append(int(str(params["chat_id"])))
            return True

        hold = Hold(h.server, "sendMessage", first_request)
        result = await confirm(h, author, flow, preview)
        assert result.kind == "ok", result
        await asyncio.wait_for(hold.hit.wait(), 30)
        await h.proc.kill()
        hold.release(execute=False)
        await h.proc.start()
        await h.wait_ready()
        await settle_outbox(h)
        head = next(m for m in h.members if m.tg == held[0])
        asked = [text_of(m) for m in h.server.sent_to(head.tg)]
        assert not any(text.startswith("📝 请审签") for text in asked), asked
        assert "uncertain" in _request_states(h.db_path, head.tg)
        # The head writes to the bot (unless the sweep at start offered it already): the step
        # comes again with its buttons, and the press works.
        await head.user.send_text("你好")

        def offered() -> JSON | None:
            return next((m for m in h.server.sent_to(head.tg) if "so:1:0:0:a" in buttons(m)), None)

        await poll(lambda: offered() is not None, 30)
        offer = offered()
        assert offer is not None
        assert "之前的审签请求可能没有送达您" in text_of(offer)
        update = await head.user.click(offer, "so:1:0:0:a")
        answer = await h.server.wait_for_answer(update["callback_query"]["id"], 30)
        await h.proc.stop()
    assert "转交下一步" in str(answer.get("text")), answer
    with closing(sqlite3.connect(f"file:{h.db_path}?mode=ro", uri=True)) as conn:
        decided = conn.execute(
            "SELECT s.decision, CAST(a.external_id AS INTEGER) FROM signoffs s"
            " JOIN accounts a ON a.person_id = s.signer_id AND a.channel = 'telegram'"
            " WHERE s.item_id = 1 AND s.round = 0 AND s.step = 0"
        ).fetchall()
    assert decided == [("approve", head.tg)]
    # The offer announces no change of its own: the ledger's checks take it as it is.
    assert ledger_problems(h, h.db_path) == []
    # A copy of it queued without its audit row, a day later, to a step never waiting for
    # that head (the leader's) is an orphan, and the checks say so.
    forged = tmp_path / "forged.db"
    with closing(sqlite3.connect(h.db_path)) as source, closing(sqlite3.connect(forged)) as copy:
        source.backup(copy)
        columns = [str(r[1]) for r in copy.execute("PRAGMA table_info(outbox)") if r[1] != "id"]
        listed = ", ".join(columns)
        picked = listed.replace("purpose", "'notice:signoff_again:1:0:1:2099-01-01:0'")
        with copy:
            copy.execute(
                f"INSERT INTO outbox ({listed}) SELECT {picked} FROM outbox"
                " WHERE purpose LIKE 'notice:signoff_again:1:0:0:%' LIMIT 1"
            )
    found = ledger_problems(h, forged)
    assert any("signoff_again:1:0:1:" in p and "never waited" in p for p in found), found
    assert any("step 1:0:1 offered" in p and "0 in the audit log" in p for p in found), found


def _request_states(db: Path, chat_id: int) -> list[str]:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return [
            str(r[0])
            for r in conn.execute(
                "SELECT state FROM outbox WHERE purpose LIKE 'notice:signoff_request:%'"
                " AND address = ?",
                (str(chat_id),),
            )
        ]


def _signoff_rows_sent(db: Path) -> int:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM outbox WHERE purpose LIKE 'notice:signoff_request:%'"
            " AND state = 'sent'"
        ).fetchone()
    return int(row[0])


def _submit_sessions(db: Path) -> int:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        row = conn.execute("SELECT count(*) FROM sessions WHERE flow = 'submit'").fetchone()
    return int(row[0])


async def test_press_handled_before_a_crash_is_answered_calmly_when_it_comes_again(
    tmp_path: Path,
) -> None:
    async with rig(SMALL, tmp_path) as h:
        author = next(m for m in h.members if m.role == "informant")
        flow = Flow(author.tg, "一窗通办改革成效显著", time.monotonic())
        stop, preview = await fill_draft(h, author, flow, BODY, "measures", photo=False)
        assert stop is None and preview is not None, flow.told
        # The bot takes the press and handles it to the end, but dies before its next
        # getUpdates (which confirms the press) reaches Telegram.
        update = await author.user.click(preview, "sub:ok")
        update_id = int(update["update_id"])
        hold = Hold(h.server, "getUpdates", lambda p: int(p.get("offset") or 0) > update_id)
        await asyncio.wait_for(hold.hit.wait(), 30)
        # Until the finished dialogue's session is gone (with the item, in its transaction).
        await poll(lambda: not _submit_sessions(h.db_path), 30)
        await poll(lambda: any("已报送" in text_of(m) for m in author.user.received()), 30)
        seen = author.user.sent_count()
        assert h.server.pending_updates() == 1  # the press is not confirmed
        await h.proc.kill()
        hold.release(execute=False)
        await h.proc.start()
        await h.wait_ready()
        await h.server.wait_until(lambda: h.server.pending_updates() == 0, 30)
        await asyncio.sleep(2)  # the press, delivered again, is handled
        again = [text_of(m) for m in h.server.sent_to(author.tg, include_deleted=True)[seen:]]
        await h.proc.stop()
    assert _items_titled(h.db_path, flow.title) == [1]
    assert not any("出错" in text for text in again), again


async def test_step_pressed_again_after_a_crash_still_gets_its_question(tmp_path: Path) -> None:
    async with rig(SMALL, tmp_path) as h:
        author = next(m for m in h.members if m.role == "informant")
        flow = Flow(author.tg, "一窗通办改革成效显著", time.monotonic())
        stop, offer = await fill_draft(h, author, flow, BODY, "measures", False, until="body")
        assert stop is None and offer is not None, flow.told
        # The bot takes the Done press and answers it; the kill lands while it asks for
        # the date, before its next getUpdates confirms the press.
        update = await author.user.click(offer, "sub:body:done")
        update_id = int(update["update_id"])
        confirm_press = Hold(
            h.server, "getUpdates", lambda p: int(p.get("offset") or 0) > update_id
        )
        question = Hold(h.server, "sendMessage", lambda p: "哪天发生" in str(p.get("text", "")))
        await asyncio.wait_for(question.hit.wait(), 30)
        await asyncio.wait_for(confirm_press.hit.wait(), 30)
        seen = author.user.sent_count()
        await h.proc.kill()
        question.release(execute=False)
        confirm_press.release(execute=False)
        await h.proc.start()
        await h.wait_ready()

        # The press comes again; Telegram refuses a second answer, yet the question comes.
        def after() -> list[str]:
            return [text_of(m) for m in h.server.sent_to(author.tg, include_deleted=True)[seen:]]

        await poll(lambda: any("哪天发生" in text for text in after()), 30)
        again = after()
        await poll(lambda: "sub:body:done" not in buttons(h.current(author, offer) or {}), 30)
        await h.proc.stop()
    assert not any("出错" in text for text in again), again
