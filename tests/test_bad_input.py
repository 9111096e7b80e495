"""Bad input (issue 6): hostile and clumsy inputs from tests/bad_inputs/cases.yaml, each one
typed, sent or tapped in the running bot over the fake Bot API.

Every case must get a clear answer (a message or a button answer) with the expected fragment,
no call of the bot may be refused with a 400 (so broken HTML never reaches people), the error
handler must not run (no "出错了", nothing logged at ERROR), and the ledger must be consistent
afterwards (see `inconsistencies`). Cases are grouped by their starting state: one running bot
(with a fresh ledger) per group, each case first brought to its step (`Stage.reset`).

Corpus format (YAML, a list of blocks; a block's `group`, `step` and `actor` apply to its
cases unless a case sets its own):

- `input`: one action or a list of them, done in order; the answer is what followed the last.
  An action is `text` (with optional `repeat`, `prefix`, `suffix`), `photo` (optional
  `size` = a crafted file_size, `caption`, `count`), `document` (`name`, `mime`, `size` =
  crafted file_size, or `real` = that many real bytes), `raw` (a crafted message: location,
  sticker, contact…), `click` (callback data, forged, on the actor's latest message),
  `group_text` / `group_photo` (the actor posts in a group), `submit` (a plain item with
  that title), `peek` (the answer is that person's latest message, e.g. a notice),
  `roundtrip` (a whole item with `title` and `body` through preview, both sign-offs, the
  editor's card, /item and /my, each must show them as typed), or `scenario` (a named
  scenario below: races and blocked users). `as` makes another person do the action.
  `${name}` in texts and callback data is an id or code the stage prepares (see `Stage.value`).
- `expect`: fragment(s) the answer must contain; `quiet: true`: the bot must say nothing.
- `finish: true`: after the answer, complete the /submit with plain values (so what was
  accepted reaches the ledger and is checked there).
- `clock_days`: the clock is moved this many days ahead for the case.
- `xfail`: a known bug (the reason says what happens); the case stays in the corpus.
"""

from __future__ import annotations

import asyncio
import logging
import re
import string
import time
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml

from bot.settings.schema import Settings
from channels.telegram.app import BotApp
from sandbox.telegram.images import make_png
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from storage import invites
from storage.db import Database
from tests.conftest import FakeClock
from tests.flow import (
    ADMIN,
    JSON,
    button_data,
    flow_settings,
    invite_code,
    load_units,
    running,
    settle,
)
from workflow.rules import CentreRules
from workflow.submission import check_title, clean_text

CORPUS = Path(__file__).resolve().parent / "bad_inputs" / "cases.yaml"
WINDOW = "市人社局窗口"
TOWNSHIP = "城关镇便民服务中心"
SECTION = "综合科"
OFFICE = "办公室"
GROUP_CHAT = -1001
ANSWER_TIMEOUT = 5.0
ERROR_TEXTS = ("出错了", "机器人出错", "系统正忙", "存储空间不足")
START = datetime(2026, 10, 15, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Thursday

#: Who is who in every stage: (Telegram id, name, unit, role); None: never joins.
PEOPLE: dict[str, tuple[int, str, str | None, str | None]] = {
    "admin": (ADMIN, "管理员", None, None),
    "informant": (101, "王芳", WINDOW, "informant"),
    "head": (102, "李明", WINDOW, "window_head"),
    "leader": (103, "张伟", WINDOW, "leader"),
    "editor": (104, "赵敏", SECTION, "editor"),
    "head2": (105, "钱二", WINDOW, "window_head"),
    "editor2": (106, "孙编", OFFICE, "editor"),
    "secinf": (107, "周科", SECTION, "informant"),
    "outsider": (110, "外单位", TOWNSHIP, "leader"),
    "bystander": (111, "旁人", TOWNSHIP, "informant"),
    "stranger": (5, "路人", None, None),
}

# ----------------------------------------------------------------------------- the corpus


@dataclass(frozen=True, slots=True)
class Case:
    """One hostile or clumsy input, where it is given, and what must follow."""

    id: str
    group: str
    step: str
    actor: str
    actions: tuple[dict[str, Any], ...]
    expect: tuple[str, ...] = ()
    quiet: bool = False
    finish: bool = False
    clock_days: int = 0
    xfail: str | None = None


def load_corpus(path: Path = CORPUS) -> list[Case]:
    """The cases of the corpus file, grouped by group in order of first appearance."""
    blocks = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(blocks, list), "the corpus is a list of blocks"
    cases: list[Case] = []
    for block in blocks:
        for raw in block["cases"]:
            spec = {k: v for k, v in block.items() if k != "cases"} | raw
            actions = spec["input"]
            expect = spec.get("expect", ())
            cases.append(
                Case(
                    id=str(spec["id"]),
                    group=str(spec["group"]),
                    step=str(spec.get("step", "none")),
                    actor=str(spec.get("actor", "informant")),
                    actions=tuple(actions if isinstance(actions, list) else [actions]),
                    expect=(expect,) if isinstance(expect, str) else tuple(map(str, expect)),
                    quiet=bool(spec.get("quiet", False)),
                    finish=bool(spec.get("finish", False)),
                    clock_days=int(spec.get("clock_days", 0)),
                    xfail=spec.get("xfail"),
                )
            )
    ids = [case.id for case in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate case ids: {duplicates}"
    order = list(dict.fromkeys(case.group for case in cases))
    return sorted(cases, key=lambda case: order.index(case.group))


CASES = load_corpus()


def _params() -> list[Any]:
    """The cases as pytest parameters, known bugs marked xfail with their reason."""
    return [
        pytest.param(
            case,
            id=case.id,
            marks=[pytest.mark.xfail(reason=case.xfail, strict=False)] if case.xfail else [],
        )
        for case in CASES
    ]


# ----------------------------------------------------------------------------- consistency

#: Characters nobody sees on their own: controls, format marks, spaces, combining marks, and
#: the blank-looking letters people use for "empty" names (Hangul fillers, Braille blank).
_UNSEEN_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def visible(text: str) -> str:
    """What is left of a text once everything invisible is taken out."""
    return "".join(
        ch
        for ch in text
        if unicodedata.category(ch) not in _UNSEEN_CATEGORIES and ch not in _BLANK_LOOKING
    )


async def inconsistencies(db: Database, rules: CentreRules) -> list[str]:
    """Everything in the ledger that a bad input must never leave behind."""
    found: list[str] = []
    async with db.reading() as tx:
        for (problem,) in await tx.fetchall("PRAGMA quick_check"):
            if problem != "ok":
                found.append(f"quick_check: {problem}")
        for row in await tx.fetchall("PRAGMA foreign_key_check"):
            found.append(f"foreign key: {tuple(row)}")
        audits: dict[tuple[str, int], int] = {}
        for action, entity_id, count in await tx.fetchall(
            "SELECT action, entity_id, count(*) FROM audit_log WHERE entity = 'item'"
            " GROUP BY action, entity_id"
        ):
            audits[(str(action), int(entity_id))] = int(count)

        def audited(action: str, item_id: int) -> int:
            return audits.get((action, item_id), 0)

        for item in await tx.fetchall("SELECT * FROM items ORDER BY id"):
            n, state, title, body = int(item["id"]), item["state"], item["title"], item["body"]
            where = f"item #{n}"
            if state == "draft":
                found.append(f"{where} left as a draft")
            if not visible(title):
                found.append(f"{where} has an invisible title {title!r}")
            if not visible(body):
                found.append(f"{where} has an invisible body {body!r}")
            if len(title) > rules.title_max or len(body) > rules.body_max:
                found.append(f"{where} is over the limits ({len(title)}, {len(body)})")
            fits = visible(title) and len(title) <= rules.title_max
            if fits and check_title(rules, title) != title:
                found.append(f"{where} has an uncleaned title {title!r}")
            if clean_text(body) != body:
                found.append(f"{where} has an uncleaned body {body[:40]!r}")
            if audited("item.submit", n) != 1:
                found.append(f"{where} has {audited('item.submit', n)} item.submit audit rows")
            chain = [role for role in str(item["chain"]).split(",") if role]
            if state == "pending" and not 0 <= int(item["chain_step"]) < len(chain):
                found.append(f"{where} is pending at step {item['chain_step']} of {chain}")
            if state in {"submitted", "registered", "archived"} and item["centre_at"] is None:
                found.append(f"{where} is at the centre without centre_at")
            if state == "registered" and item["registered_by"] is None:
                found.append(f"{where} is registered by nobody")
        signoffs = await tx.fetchall(
            "SELECT item_id, decision, count(*) AS n FROM signoffs GROUP BY item_id, decision"
        )
        for row in signoffs:
            action = f"signoff.{row['decision']}"
            if audited(action, int(row["item_id"])) != int(row["n"]):
                found.append(
                    f"item #{row['item_id']}: {row['n']} {row['decision']} sign-offs but "
                    f"{audited(action, int(row['item_id']))} {action} audit rows"
                )
        for row in await tx.fetchall("SELECT * FROM signoffs WHERE decision = 'return'"):
            if not visible(row["reason"] or ""):
                found.append(f"item #{row['item_id']} returned with an invisible reason")
        for row in await tx.fetchall(
            "SELECT i.id FROM items i"
            " WHERE i.state = 'returned' AND NOT EXISTS (SELECT 1 FROM signoffs s"
            "  WHERE s.item_id = i.id AND s.round = i.chain_round AND s.decision = 'return')"
        ):
            found.append(f"item #{row[0]} is returned without a return decision")
        for row in await tx.fetchall(
            "SELECT a.id, a.item_id, i.state, a.withdrawn_at, a.withdraw_reason"
            " FROM adoptions a JOIN items i ON i.id = a.item_id"
        ):
            if row["withdrawn_at"] is None and row["state"] not in {
                "submitted",
                "registered",
                "archived",
            }:
                found.append(f"adoption {row['id']} on item #{row['item_id']} ({row['state']})")
            if row["withdrawn_at"] is not None and not visible(row["withdraw_reason"] or ""):
                found.append(f"adoption {row['id']} withdrawn with an invisible reason")
        for row in await tx.fetchall(
            "SELECT item_id, count(*) AS n FROM adoptions GROUP BY item_id"
        ):
            if audited("adoption.record", int(row["item_id"])) != int(row["n"]):
                found.append(f"item #{row['item_id']}: an adoption without its audit row")
        for row in await tx.fetchall("SELECT item_id, count(*) AS n FROM edits GROUP BY item_id"):
            if audited("item.edit", int(row["item_id"])) != int(row["n"]):
                found.append(f"item #{row['item_id']}: an edit without its audit row")
        for row in await tx.fetchall(
            "SELECT item_id, count(*) AS n FROM item_files GROUP BY item_id"
        ):
            if audited("item.attach", int(row["item_id"])) != int(row["n"]):
                found.append(f"item #{row['item_id']}: a file without its audit row")
            if int(row["n"]) > 10:
                found.append(f"item #{row['item_id']} has {row['n']} files")
        for row in await tx.fetchall("SELECT id, title FROM writing_tasks"):
            if not visible(row["title"]):
                found.append(f"writing task {row['id']} has an invisible title")
        for row in await tx.fetchall("SELECT id, purpose FROM outbox WHERE state = 'sending'"):
            found.append(f"outbox {row['id']} ({row['purpose']}) left claimed")
        for row in await tx.fetchall(
            "SELECT code FROM invites WHERE (used_by IS NULL) != (used_at IS NULL)"
        ):
            found.append(f"invite {row['code'][:4]}… half used")
    return found


# ----------------------------------------------------------------------------- a running bot


class Stage:
    """One running bot with its own fake server and ledger, the people joined."""

    def __init__(self, group: str, server: FakeBotApi, db: Database, app: BotApp) -> None:
        self.group = group
        self.server = server
        self.db = db
        self.app = app
        self.clock: FakeClock = db.clock  # type: ignore[assignment]
        self.rules: CentreRules = app.bot_data.rules
        self.values: dict[str, str] = {}
        #: The values a case used, so every `${name}` of one case means the same thing.
        self.case_values: dict[str, str] = {}

    # -- people and chats

    def user(self, who: str) -> FakeUser:
        """A person of PEOPLE by role name."""
        user_id, name, _, _ = PEOPLE[who]
        return self.server.user(user_id, name)

    async def settle(self) -> None:
        """Until the bot fetched and handled everything sent so far."""
        await asyncio.wait_for(settle(self.server, self.app), ANSWER_TIMEOUT * 3)

    async def say(self, who: str, text: str) -> str:
        """A person writes; the bot's newest message to them."""
        user = self.user(who)
        await user.send_text(text)
        await self.settle()
        return self.latest_text(who)

    def latest(self, who: str) -> JSON:
        """The bot's newest message in a person's chat."""
        received = self.user(who).received()
        assert received, f"the bot has sent nothing to {who}"
        return received[-1]

    def latest_text(self, who: str) -> str:
        """Its text (or caption)."""
        message = self.latest(who)
        return str(message.get("text") or message.get("caption") or "")

    def carrying(self, who: str, data: str) -> JSON:
        """The person's newest message with this button, else their newest message."""
        for message in reversed(self.user(who).received()):
            if data in button_data_map(message).values():
                return message
        return self.latest(who)

    async def press(self, who: str, data: str, message: JSON | None = None) -> JSON:
        """A person presses a button (on the message that carries it, if any); the answer."""
        user = self.user(who)
        update = await user.click(message or self.carrying(who, data), data, forged=True)
        await self.settle()
        return await self.server.wait_for_answer(update["callback_query"]["id"], ANSWER_TIMEOUT)

    async def join(self, who: str) -> None:
        """The admin invites the person to their unit and role; they open it."""
        _, _, unit, role = PEOPLE[who]
        assert unit is not None and role is not None
        reply = await self.say("admin", f"/invite {unit} {role}")
        await self.say(who, f"/start {invite_code(reply)}")

    # -- the ledger

    async def scalar(self, sql: str, params: tuple[object, ...] = ()) -> Any:
        """The first column of the first row of a query (None if no row)."""
        async with self.db.reading() as tx:
            row = await tx.fetchone(sql, params)
        return None if row is None else row[0]

    async def last_item(self) -> int:
        """The newest item's number."""
        return int(await self.scalar("SELECT max(id) FROM items") or 0)

    # -- prepared ids and codes for `${name}` in the corpus

    async def value(self, name: str) -> str:
        """An id or code in the state the name promises, made (again) if need be."""
        makers: dict[str, Callable[[], Awaitable[str]]] = {
            "pending": self._pending,
            "decided": self._decided,
            "centre": self._centre,
            "adoption": self._adoption,
            "withdrawn": self._withdrawn,
            "returned": self._returned,
            "task": self._task,
            "closed_task": self._closed_task,
            "grant": self._grant,
            "revoked_grant": self._revoked_grant,
            "used_code": self._used_code,
            "fresh_code": self._fresh_code,
            "revoked_code": self._revoked_code,
        }
        return await makers[name]()

    async def expand(self, text: str) -> str:
        """`${name}` replaced by prepared values."""
        for name in sorted(set(re.findall(r"\$\{(\w+)\}", text))):
            if name not in self.case_values:
                self.case_values[name] = await self.value(name)
        return string.Template(text).safe_substitute(self.case_values)

    async def submit(self, who: str = "informant", title: str = "窗口推行“一窗通办”") -> int:
        """A plain item for yesterday (2026-10-14) through the whole /submit (a draft left
        open by an earlier case dropped first); its number."""
        await self.say(who, "/cancel")
        await self.say(who, "/submit")
        await self.press(who, "sub:cat:measures")
        await self.say(who, title)
        await self.say(who, "正文。")
        await self.press(who, "sub:body:done")
        await self.press(who, "sub:date:1")
        await self.press(who, "sub:files:done")
        await self.press(who, "sub:ok")
        return await self.last_item()

    async def _pending(self) -> str:
        """An item of the window waiting for its window head (round 0, step 0)."""
        known = self.values.get("pending")
        if known is not None:
            state = await self.scalar(
                "SELECT state || ':' || chain_round || ':' || chain_step FROM items WHERE id = ?",
                (int(known),),
            )
            if state == "pending:0:0":
                return known
        self.values["pending"] = str(await self.submit())
        return self.values["pending"]

    async def _decided(self) -> str:
        """An item whose first step the window head approved (now at the leader)."""
        if "decided" not in self.values:
            item = await self.submit()
            await self.press("head", f"so:{item}:0:0:a")
            self.values["decided"] = str(item)
        return self.values["decided"]

    async def _centre(self) -> str:
        """An item at the centre (the section informant's, which needs no sign-off)."""
        if "centre" not in self.values:
            self.values["centre"] = str(await self.submit("secinf", "科室自己的信息"))
        return self.values["centre"]

    async def _adoption(self) -> str:
        """A live adoption of the centre item (recorded again if it was withdrawn)."""
        item = int(await self._centre())
        live = await self.scalar(
            "SELECT max(id) FROM adoptions WHERE item_id = ? AND withdrawn_at IS NULL", (item,)
        )
        if live is None:
            await self.press("editor", f"ed:out:{item}:0")
            live = await self.scalar(
                "SELECT max(id) FROM adoptions WHERE item_id = ? AND withdrawn_at IS NULL",
                (item,),
            )
        return str(live)

    async def _withdrawn(self) -> str:
        """A withdrawn adoption."""
        if "withdrawn" not in self.values:
            adoption = await self._adoption()
            await self.press("editor", f"ed:wd:{adoption}")
            await self.say("editor", "录错了")
            await self.press("editor", f"ed:wdok:{adoption}")
            self.values["withdrawn"] = adoption
        return self.values["withdrawn"]

    async def _returned(self) -> str:
        """The informant's item returned by the window head."""
        known = self.values.get("returned")
        state = await self.scalar("SELECT state FROM items WHERE id = ?", (int(known or 0),))
        if state != "returned":
            item = await self.submit()
            await self.press("head", f"so:{item}:0:0:r")
            await self.say("head", "请补充数字")
            await self.press("head", f"so:{item}:0:0:c")
            self.values["returned"] = str(item)
        return self.values["returned"]

    async def _task(self) -> str:
        """An open writing task of the window."""
        known = self.values.get("task")
        if known is not None:
            state = await self.scalar("SELECT state FROM writing_tasks WHERE id = ?", (int(known),))
            if state == "open":
                return known
        await self.say("editor", f"/task {WINDOW} 市领导视察窗口")
        self.values["task"] = str(await self.scalar("SELECT max(id) FROM writing_tasks"))
        return self.values["task"]

    async def _closed_task(self) -> str:
        """A writing task already done."""
        if "closed_task" not in self.values:
            task = await self._task()
            await self.say("editor", "/tasks")
            await self.press("editor", f"tk:done:{task}")
            self.values["closed_task"] = task
        return self.values["closed_task"]

    async def _grant(self) -> str:
        """A live role of a bystander (for the admin's revoke buttons), granted anew if need be."""
        sql = (
            "SELECT r.id FROM roles r JOIN accounts a ON a.person_id = r.person_id"
            " WHERE a.channel = 'telegram' AND a.external_id = CAST(? AS TEXT)"
            " AND r.revoked_at IS NULL"
        )
        live = await self.scalar(sql, (PEOPLE["bystander"][0],))
        if live is None:
            await self.join("bystander")
            live = await self.scalar(sql, (PEOPLE["bystander"][0],))
        return str(live)

    async def _revoked_grant(self) -> str:
        """A role the admin already revoked."""
        if "revoked_grant" not in self.values:
            grant = await self._grant()
            await self.say("admin", "/revoke")
            await self.press("admin", f"ad:rv:{grant}")
            await self.press("admin", f"ad:rv:{grant}:ok")
            self.values["revoked_grant"] = grant
        return self.values["revoked_grant"]

    async def _new_code(self) -> str:
        """A fresh invite code for the township's informant."""
        return invite_code(await self.say("admin", f"/invite {TOWNSHIP} informant"))

    async def _used_code(self) -> str:
        """An invite code somebody already used."""
        if "used_code" not in self.values:
            code = await self._new_code()
            await self.say("bystander", f"/start {code}")
            self.values["used_code"] = code
        return self.values["used_code"]

    async def _fresh_code(self) -> str:
        """An unused invite code (made anew each time)."""
        return await self._new_code()

    async def _revoked_code(self) -> str:
        """An invite code revoked before use."""
        code = await self._new_code()
        async with self.db.transaction() as tx:
            await invites.revoke_invite(tx, code, None)
        return code

    # -- bringing a person to a step

    async def reset(self, step: str, who: str) -> None:
        """Brings the actor to the step the case starts from."""
        prefix = SUBMIT_STEPS.get(step)
        if prefix is not None:
            for kind, value in prefix:
                if kind == "say":
                    await self.say(who, value)
                else:
                    await self.press(who, value)
            return
        if step == "none":
            if self.user(who).sent_count() == 0:
                await self.say(who, "/start")
        elif step == "idle":
            await self.say(who, "/cancel")
        elif step == "return_reason":
            item = await self.value("pending")
            await self.press(who, f"so:{item}:0:0:r")
        elif step == "edit_text":
            await self.press(who, f"ed:edit:{await self.value('centre')}")
        elif step in {"adoption_day", "adoption_ref", "adoption_wd"}:
            adoption = await self.value("adoption")
            await self.press(who, f"ed:{step.rsplit('_', 1)[1]}:{adoption}")
        else:
            raise AssertionError(f"unknown step {step!r}")


#: /submit up to each step, from scratch (/cancel first: a second /submit asks about a draft).
SUBMIT_STEPS: dict[str, list[tuple[str, str]]] = {
    "category": [("say", "/cancel"), ("say", "/submit")],
}
SUBMIT_STEPS["title"] = [*SUBMIT_STEPS["category"], ("press", "sub:cat:measures")]
SUBMIT_STEPS["body"] = [*SUBMIT_STEPS["title"], ("say", "坏输入测试标题")]
SUBMIT_STEPS["body_more"] = [*SUBMIT_STEPS["body"], ("say", "正文第一段。")]
SUBMIT_STEPS["date"] = [*SUBMIT_STEPS["body_more"], ("press", "sub:body:done")]
SUBMIT_STEPS["files"] = [*SUBMIT_STEPS["date"], ("press", "sub:date:1")]
SUBMIT_STEPS["preview"] = [*SUBMIT_STEPS["files"], ("press", "sub:files:done")]

#: What completes a /submit whose case input was accepted, by the step the case began at.
_TAIL = [("press", "sub:files:done"), ("press", "sub:ok")]
FINISH: dict[str, list[tuple[str, str]]] = {
    "title": [("say", "正文。"), ("press", "sub:body:done"), ("press", "sub:date:1"), *_TAIL],
    "body": [("press", "sub:body:done"), ("press", "sub:date:1"), *_TAIL],
    "body_more": [("press", "sub:body:done"), ("press", "sub:date:1"), *_TAIL],
    "date": _TAIL,
    "files": _TAIL,
}


class World:
    """The stage of the current group; a new group stops the old stage and starts a fresh one."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.stage: Stage | None = None
        self.dirty = False
        self._stack: AsyncExitStack | None = None

    async def stage_for(self, group: str) -> Stage:
        """The running stage of a group (started with everybody joined on first use)."""
        if self.stage is not None and self.stage.group == group and not self.dirty:
            return self.stage
        await self.close()
        self.dirty = False
        stack = self._stack = AsyncExitStack()
        server = await stack.enter_async_context(FakeBotApi())
        path = self.root / f"{group}-{time.monotonic_ns()}.db"
        db = await Database.open(path, clock=FakeClock(START))
        stack.push_async_callback(db.close)
        await db.migrate()
        settings: Settings = flow_settings(server, path)
        await load_units(db, settings)
        app = await stack.enter_async_context(running(settings, db))
        stage = Stage(group, server, db, app)
        for who in (
            "informant",
            "head",
            "head2",
            "leader",
            "editor",
            "editor2",
            "secinf",
            "outsider",
        ):
            await stage.join(who)
        self.stage = stage
        return stage

    async def close(self) -> None:
        """Stops the current stage, if any."""
        if self._stack is not None:
            stack, self._stack, self.stage = self._stack, None, None
            await stack.aclose()


# ----------------------------------------------------------------------------- doing a case


@dataclass(slots=True)
class Outcome:
    """What the bot did in answer to a case: texts shown, and problems seen on the way."""

    answers: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    answered: bool = False
    #: Whether the checks for an answer and the expected fragment are done (scenarios, roundtrips).
    self_checked: bool = False


def _texts(messages: list[JSON]) -> list[str]:
    """The texts (or captions) of messages."""
    return [str(m.get("text") or m.get("caption") or "") for m in messages]


async def _raw_message(stage: Stage, who: str, content: JSON) -> None:
    """A crafted message from a person (a location, a sticker, a crafted file size…)."""
    user = stage.user(who)
    stage.server._user_message(user.id, user, content, None)


async def act(
    stage: Stage, actor: str, action: dict[str, Any], outcome: Outcome, clock_days: int = 0
) -> None:
    """Does one action of a case (as `as`, else the actor); collects the bot's answer."""
    server = stage.server
    who = str(action.get("as", actor))
    user = stage.user(who)
    if "peek" in action:  # what the bot last sent to somebody else (a notice) is the answer
        outcome.answers = [stage.latest_text(str(action["peek"]))]
        outcome.answered = True
        return
    if "submit" in action:  # a plain item with this title, for the answers that show it
        await stage.submit(who, str(action["submit"]))
        return
    if "roundtrip" in action:
        outcome.self_checked = True
        await roundtrip(stage, action["roundtrip"], outcome)
        return
    if "scenario" in action:
        outcome.self_checked = True
        await SCENARIOS[str(action["scenario"])](stage, outcome)
        return
    before = user.sent_count()
    group_before = server.sent_count(GROUP_CHAT)
    query_id: str | None = None
    text = ""
    if "text" in action:
        text = str(action.get("prefix", "")) + str(action["text"]) * int(action.get("repeat", 1))
        text = await stage.expand(text + str(action.get("suffix", "")))
    elif "click" in action or "group_text" in action:
        text = await stage.expand(str(action.get("click", action.get("group_text"))))
    stage.clock.now = START + timedelta(days=int(action.get("clock_days", clock_days)))
    if "text" in action:
        await user.send_text(text)
    elif "photo" in action:
        spec = action["photo"] or {}
        count = int(spec.get("count", 1))
        for _ in range(count):
            if "size" in spec:
                sizes = server.store_photo(make_png(64, 48))
                for size in sizes:
                    size["file_size"] = int(spec["size"])
                content: JSON = {"photo": sizes}
                if spec.get("caption"):
                    content["caption"] = str(spec["caption"])
                await _raw_message(stage, who, content)
            else:
                await user.send_photo(caption=spec.get("caption"))
            if count > 1:
                await stage.settle()
                before = user.sent_count() - 1
    elif "document" in action:
        spec = action["document"]
        name = spec.get("name")
        mime = str(spec.get("mime") or "application/octet-stream")
        if "real" in spec:
            await user.send_document(str(name), mime, b"\0" * int(spec["real"]))
        else:
            document = server.store_document(str(name or "x"), mime, b"%PDF-1.4 tiny")
            if name is None:
                del document["file_name"]
            if "size" in spec:
                document["file_size"] = int(spec["size"])
            await _raw_message(stage, who, {"document": document})
    elif "raw" in action:
        await _raw_message(stage, who, dict(action["raw"]))
    elif "click" in action:
        update = await user.click(stage.latest(who), text, forged=True)
        query_id = str(update["callback_query"]["id"])
    elif "group_text" in action:
        await server.group(GROUP_CHAT, "工作群").send_text(user, text)
    elif "group_photo" in action:
        await server.group(GROUP_CHAT, "工作群").send_photo(user)
    else:
        raise AssertionError(f"unknown action {action}")
    await stage.settle()
    outcome.answers = []
    outcome.answered = False
    if query_id is not None:
        try:
            answer = await server.wait_for_answer(query_id, ANSWER_TIMEOUT)
        except TimeoutError:
            outcome.problems.append(f"no answer to the button {text!r}")
        else:
            outcome.answered = True
            outcome.answers.append(str(answer.get("text") or ""))
    new = _texts(server.sent_to(user.id, include_deleted=True)[before:])
    in_group = _texts(server.sent_to(GROUP_CHAT, include_deleted=True)[group_before:])
    outcome.answers += new + in_group
    outcome.answered = outcome.answered or bool(new or in_group)


async def finish_submit(stage: Stage, case: Case, outcome: Outcome) -> None:
    """Completes the /submit after an accepted input, so the ledger gets what was accepted."""
    for kind, value in FINISH[case.step]:
        if kind == "say":
            await stage.say(case.actor, value)
        else:
            await stage.press(case.actor, value)
    if "已报送" not in "\n".join(_texts(stage.user(case.actor).received()[-3:])):
        outcome.problems.append(f"finishing the /submit failed: {stage.latest_text(case.actor)!r}")


# ----------------------------------------------------------------------------- roundtrips


async def roundtrip(stage: Stage, spec: dict[str, Any], outcome: Outcome) -> None:
    """An item with a hostile title and body goes the whole way; it must show as typed."""
    title_in = str(spec["title"]) * int(spec.get("title_repeat", 1))
    body_in = str(spec["body"]) * int(spec.get("body_repeat", 1))
    title, body = check_title(stage.rules, title_in), clean_text(body_in)
    shown_body = body if len(body) <= 1500 else body[:1500]
    problems = outcome.problems

    def shows(where: str, text: str, *wanted: str) -> None:
        for piece in wanted:
            if piece not in text:
                problems.append(f"{where} does not show {piece[:60]!r}: {text[:300]!r}")

    await stage.say("informant", "/submit")
    await stage.press("informant", "sub:cat:measures")
    shows("the title step", await stage.say("informant", title_in), "请输入正文")
    shows("the body step", await stage.say("informant", body_in), "已记录正文")
    await stage.press("informant", "sub:body:done")
    await stage.press("informant", "sub:date:1")
    await stage.press("informant", "sub:files:done")
    shows("the preview", stage.latest_text("informant"), "请核对", title, shown_body)
    await stage.press("informant", "sub:ok")
    shows("the confirmation", stage.latest_text("informant"), "审签")
    item = await stage.last_item()
    request = stage.latest("head")
    shows("the head's request", str(request.get("text")), title, shown_body)
    answer = await stage.press("head", button_data(request, f"so:{item}:0:0:a"), request)
    shows("the head's answer", str(answer.get("text")), "转交下一步")
    edited = stage.server.message(stage.user("head").id, int(request["message_id"]))
    shows("the head's request after approval", str(edited.get("text")), title, "已同意")
    request = stage.latest("leader")
    shows("the leader's request", str(request.get("text")), title)
    await stage.press("leader", button_data(request, f"so:{item}:0:1:a"), request)
    shows("the editor's card", stage.latest_text("editor"), "新信息报送到中心", title)
    editor = stage.user("editor")
    before = editor.sent_count()
    await stage.say("editor", f"/item {item}")
    shown = "".join(_texts(stage.server.sent_to(editor.id)[before:]))  # a long card comes in parts
    shows("/item", shown, title, body)
    shows("/my", await stage.say("informant", "/my"), title)
    outcome.answered = True


# ----------------------------------------------------------------------------- scenarios


async def _pending_item(stage: Stage) -> int:
    """A new item of the window waiting for its window heads."""
    return await stage.submit()


def _expect(outcome: Outcome, where: str, text: str, *wanted: str) -> None:
    """Records a problem for each fragment the text lacks."""
    for piece in wanted:
        if piece not in text:
            outcome.problems.append(f"{where}: expected {piece!r} in {text[:200]!r}")


async def _clicks_at_once(stage: Stage, clicks: list[tuple[str, JSON, str]]) -> list[str]:
    """Several buttons pressed before the bot polls again; their answers, in order."""
    updates = [
        await stage.user(who).click(message, data, forged=True) for who, message, data in clicks
    ]
    await stage.settle()
    answers = []
    for update in updates:
        answer = await stage.server.wait_for_answer(update["callback_query"]["id"], ANSWER_TIMEOUT)
        answers.append(str(answer.get("text") or ""))
    return answers


async def two_heads_approve_at_once(stage: Stage, outcome: Outcome) -> None:
    """Both window heads approve the same step at the same instant: exactly one wins."""
    item = await _pending_item(stage)
    data = f"so:{item}:0:0:a"
    answers = await _clicks_at_once(
        stage, [("head", stage.latest("head"), data), ("head2", stage.latest("head2"), data)]
    )
    won = [a for a in answers if "转交下一步" in a]
    lost = [a for a in answers if "已经审签过" in a]
    if (len(won), len(lost)) != (1, 1):
        outcome.problems.append(f"expected one win and one 'already decided': {answers}")
    count = await stage.scalar("SELECT count(*) FROM signoffs WHERE item_id = ?", (item,))
    if count != 1:
        outcome.problems.append(f"{count} sign-offs recorded for one step")
    outcome.answered = True


async def approve_and_return_at_once(stage: Stage, outcome: Outcome) -> None:
    """One head approves while the other returns: one decision; the other is told."""
    item = await _pending_item(stage)
    answers = await _clicks_at_once(
        stage,
        [
            ("head", stage.latest("head"), f"so:{item}:0:0:a"),
            ("head2", stage.latest("head2"), f"so:{item}:0:0:r"),
        ],
    )
    _expect(outcome, "the approval", answers[0], "转交下一步")
    if "已经审签过" not in answers[1]:  # the return was asked for its reason first
        reply = await stage.say("head2", "不同意")
        _expect(outcome, "the late return reason", reply, "已经审签过")
    count = await stage.scalar("SELECT count(*) FROM signoffs WHERE item_id = ?", (item,))
    state = await stage.scalar("SELECT state FROM items WHERE id = ?", (item,))
    if (count, state) != (1, "pending"):
        outcome.problems.append(f"after the race: {count} sign-offs, state {state}")
    outcome.answered = True


async def double_tap_approve(stage: Stage, outcome: Outcome) -> None:
    """The same head taps Approve twice before the bot answers."""
    item = await _pending_item(stage)
    message, data = stage.latest("head"), f"so:{item}:0:0:a"
    answers = await _clicks_at_once(stage, [("head", message, data), ("head", message, data)])
    _expect(outcome, "the first tap", answers[0], "转交下一步")
    _expect(outcome, "the second tap", answers[1], "已经审签过")
    outcome.answered = True


async def double_tap_confirm(stage: Stage, outcome: Outcome) -> None:
    """The informant taps 确认报送 twice before the bot answers: one item."""
    for kind, value in SUBMIT_STEPS["preview"]:
        if kind == "say":
            await stage.say("informant", value)
        else:
            await stage.press("informant", value)
    before = await stage.last_item()
    preview = stage.latest("informant")
    answers = await _clicks_at_once(
        stage, [("informant", preview, "sub:ok"), ("informant", preview, "sub:ok")]
    )
    texts = "\n".join(_texts(stage.user("informant").received()[-3:]))
    _expect(outcome, "the confirmation", texts, "已报送")
    if not answers[1]:
        outcome.problems.append("the second tap got an empty answer")
    if await stage.last_item() != before + 1:
        outcome.problems.append(f"{await stage.last_item() - before} items from one draft")
    outcome.answers = answers
    outcome.answered = True


async def two_editors_register_at_once(stage: Stage, outcome: Outcome) -> None:
    """Two editors press 登记 on the same new item at once."""
    item = await stage.submit("secinf", "两位编辑同时登记")
    data = f"ed:reg:{item}"
    answers = await _clicks_at_once(
        stage,
        [("editor", stage.latest("editor"), data), ("editor2", stage.latest("editor2"), data)],
    )
    if sorted("已经登记过了" in a for a in answers) != [False, True]:
        outcome.problems.append(f"expected one registration and one 'already': {answers}")
    _expect(outcome, "the winner", "\n".join(answers), "已登记")
    count = await stage.scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'item.register' AND entity_id = ?", (item,)
    )
    if count != 1:
        outcome.problems.append(f"{count} registrations audited")
    outcome.answered = True


async def two_editors_adopt_at_once(stage: Stage, outcome: Outcome) -> None:
    """Two editors record the same outlet's adoption of one item at once: one adoption."""
    item = await stage.submit("secinf", "两位编辑同时登记采用")
    data = f"ed:out:{item}:1"
    editor, editor2 = stage.user("editor"), stage.user("editor2")
    counts = (editor.sent_count(), editor2.sent_count())
    answers = await _clicks_at_once(
        stage,
        [("editor", stage.latest("editor"), data), ("editor2", stage.latest("editor2"), data)],
    )
    shown = (
        answers + _texts(editor.received()[counts[0] :]) + _texts(editor2.received()[counts[1] :])
    )
    joined = "\n".join(shown)
    _expect(outcome, "the answers", joined, "已登记：", "采用已经登记过了")
    count = await stage.scalar(
        "SELECT count(*) FROM adoptions WHERE item_id = ? AND withdrawn_at IS NULL", (item,)
    )
    if count != 1:
        outcome.problems.append(f"{count} live adoptions of one outlet")
    outcome.answered = True


async def two_editors_withdraw_at_once(stage: Stage, outcome: Outcome) -> None:
    """Two editors type their reasons for withdrawing the same adoption, then confirm at the
    same instant: one withdrawal, the other told it is done already."""
    adoption = await stage.value("adoption")
    for who in ("editor", "editor2"):
        await stage.press(who, f"ed:wd:{adoption}")
    await stage.user("editor").send_text("录错渠道")
    await stage.user("editor2").send_text("重复登记")
    await stage.settle()
    counts = {who: stage.user(who).sent_count() for who in ("editor", "editor2")}
    data = f"ed:wdok:{adoption}"
    answers = await _clicks_at_once(
        stage,
        [("editor", stage.latest("editor"), data), ("editor2", stage.latest("editor2"), data)],
    )
    replies = {
        who: "\n".join([answer, *_texts(stage.user(who).received()[counts[who] :])])
        for who, answer in zip(("editor", "editor2"), answers, strict=True)
    }
    if sorted("已撤销" in r and "已经撤销过" not in r for r in replies.values()) != [False, True]:
        outcome.problems.append(f"expected one withdrawal and one 'already': {replies}")
    _expect(outcome, "the loser", "\n".join(replies.values()), "已经撤销过了")
    outcome.answered = True


async def task_done_and_cancelled_at_once(stage: Stage, outcome: Outcome) -> None:
    """The informant links the item that answers a task while the editor cancels it."""
    task = await stage.value("task")
    item = await stage.submit(title="市领导视察窗口")
    await stage.say("informant", "/tasks")
    await stage.press("informant", f"tk:done:{task}", stage.latest("informant"))
    await stage.say("editor", "/tasks")
    answers = await _clicks_at_once(
        stage,
        [
            ("informant", stage.latest("informant"), f"tk:link:{task}:{item}"),
            ("editor", stage.latest("editor"), f"tk:cancelok:{task}"),
        ],
    )
    if sorted("已经关闭" in a for a in answers) != [False, True]:
        outcome.problems.append(f"expected one close and one 'already closed': {answers}")
    outcome.answered = True


async def admin_double_revoke(stage: Stage, outcome: Outcome) -> None:
    """The admin taps the same revoke confirmation twice at once."""
    grant = await stage.value("grant")
    await stage.say("admin", "/revoke")
    await stage.press("admin", f"ad:rv:{grant}", stage.latest("admin"))
    confirm = stage.latest("admin")
    answers = await _clicks_at_once(
        stage, [("admin", confirm, f"ad:rv:{grant}:ok"), ("admin", confirm, f"ad:rv:{grant}:ok")]
    )
    _expect(outcome, "the second tap", answers[1], "已经撤销过")
    _expect(outcome, "the first tap", stage.latest_text("admin"), "已撤销")
    outcome.answered = True


async def _outbox_state(stage: Stage, chat_id: int, purpose: str) -> list[str]:
    """States of the outbox rows to a chat whose purpose contains a word."""
    async with stage.db.reading() as tx:
        rows = await tx.fetchall(
            "SELECT state FROM outbox WHERE address = ? AND purpose LIKE ?",
            (str(chat_id), f"%{purpose}%"),
        )
    return [str(row[0]) for row in rows]


async def author_blocked_then_approved(stage: Stage, outcome: Outcome) -> None:
    """The author blocks the bot; the head approves: the head is answered, the notice fails."""
    item = await _pending_item(stage)
    stage.user("informant").block()
    answer = await stage.press("head", f"so:{item}:0:0:a", stage.latest("head"))
    _expect(outcome, "the head", str(answer.get("text")), "转交下一步")
    states = await _outbox_state(stage, 101, "")
    if "failed" not in states or "pending" in states:
        outcome.problems.append(f"outbox to the blocked author: {states}")
    outcome.answered = True


async def signers_blocked_then_submitted(stage: Stage, outcome: Outcome) -> None:
    """Both window heads block the bot; the informant submits: told, requests marked failed."""
    for who in ("head", "head2"):
        stage.user(who).block()
    await stage.submit()
    _expect(
        outcome,
        "the informant",
        "\n".join(_texts(stage.user("informant").received()[-2:])),
        "已报送",
    )
    item = await stage.last_item()
    for chat in (102, 105):
        states = await _outbox_state(stage, chat, f"signoff_request:{item}:")
        if not states or set(states) != {"failed"}:
            outcome.problems.append(f"outbox to blocked head {chat}: {states}")
    outcome.answered = True


async def editor_blocked_item_reaches_centre(stage: Stage, outcome: Outcome) -> None:
    """The editor blocked the bot; a section item reaches the centre: the other editor gets it."""
    stage.user("editor").block()
    await stage.submit("secinf", "编辑屏蔽后的信息")
    _expect(outcome, "the other editor", stage.latest_text("editor2"), "新信息报送到中心")
    states = await _outbox_state(stage, 104, "editor_new_item")
    if "failed" not in states:
        outcome.problems.append(f"outbox to the blocked editor: {states}")
    outcome.answered = True


async def author_blocked_then_adopted(stage: Stage, outcome: Outcome) -> None:
    """The section informant blocks the bot; the editor records an adoption of their item."""
    item = await stage.submit("secinf", "作者屏蔽后被采用")
    stage.user("secinf").block()
    await stage.press("editor", f"ed:out:{item}:0")
    _expect(outcome, "the editor", stage.latest_text("editor"), "已登记：")
    states = await _outbox_state(stage, 107, "adoption")
    if "failed" not in states:
        outcome.problems.append(f"outbox to the blocked author: {states}")
    outcome.answered = True


async def _blocked_right_after(
    stage: Stage, outcome: Outcome, who: str, send: Awaitable[JSON]
) -> None:
    """A person acts and blocks the bot before it answers: the bot's answer fails with 403."""
    mark = len(stage.server.calls)
    await send
    stage.user(who).block()
    await stage.settle()
    forbidden = [c for c in stage.server.calls[mark:] if c.status == 403]
    if not forbidden:
        outcome.problems.append("the bot did not try to answer")
    outcome.answered = True


async def blocked_after_typing_title(stage: Stage, outcome: Outcome) -> None:
    """The informant types a title and blocks the bot before the next question arrives."""
    await stage.reset("title", "informant")
    await _blocked_right_after(
        stage, outcome, "informant", stage.user("informant").send_text("屏蔽前的标题")
    )


async def blocked_after_tapping_approve(stage: Stage, outcome: Outcome) -> None:
    """The head taps Approve and blocks the bot at once."""
    item = await _pending_item(stage)
    await _blocked_right_after(
        stage,
        outcome,
        "head",
        stage.user("head").click(stage.latest("head"), f"so:{item}:0:0:a", forged=True),
    )
    count = await stage.scalar("SELECT count(*) FROM signoffs WHERE item_id = ?", (item,))
    if count != 1:
        outcome.problems.append(f"{count} sign-offs after the approval")
    waiting = await stage.scalar(
        "SELECT group_concat(purpose || ' → ' || address, '; ') FROM outbox WHERE state = 'pending'"
    )
    if waiting:
        outcome.problems.append(f"notices left for the 15 s retry job: {waiting}")


async def blocked_after_tapping_return(stage: Stage, outcome: Outcome) -> None:
    """The head taps Return and blocks the bot before the reason question arrives."""
    item = await _pending_item(stage)
    await _blocked_right_after(
        stage,
        outcome,
        "head",
        stage.user("head").click(stage.latest("head"), f"so:{item}:0:0:r", forged=True),
    )


async def html_named_person(stage: Stage, outcome: Outcome) -> None:
    """Somebody whose Telegram name is HTML joins, is listed and is revoked: shown as named."""
    name = "<b>坏</b>&名</i>"
    person = stage.server.user(130, name)
    reply = await stage.say("admin", f"/invite {TOWNSHIP} informant")
    await person.send_text(f"/start {invite_code(reply)}")
    await stage.settle()
    welcome = str(person.received()[-1].get("text"))
    _expect(outcome, "the welcome", welcome, name, TOWNSHIP)
    _expect(outcome, "/units", await stage.say("admin", "/units"), name)
    await stage.say("admin", "/revoke")
    menu = stage.latest("admin")
    grant = next(data for label, data in button_data_map(menu).items() if name[:10] in label)
    await stage.press("admin", grant, menu)
    _expect(outcome, "the question", stage.latest_text("admin"), f"请确认撤销 {name}")
    await stage.press("admin", f"{grant}:ok", stage.latest("admin"))
    _expect(outcome, "the revocation", stage.latest_text("admin"), f"已撤销：{name}")
    outcome.answered = True


def button_data_map(message: JSON) -> dict[str, str]:
    """A message's buttons, label → callback data."""
    markup = message.get("reply_markup") or {}
    return {
        str(button["text"]): str(button.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for button in row
    }


SCENARIOS: dict[str, Callable[[Stage, Outcome], Awaitable[None]]] = {
    fn.__name__: fn
    for fn in (
        two_heads_approve_at_once,
        approve_and_return_at_once,
        double_tap_approve,
        double_tap_confirm,
        two_editors_register_at_once,
        two_editors_adopt_at_once,
        two_editors_withdraw_at_once,
        task_done_and_cancelled_at_once,
        admin_double_revoke,
        author_blocked_then_approved,
        signers_blocked_then_submitted,
        editor_blocked_item_reaches_centre,
        author_blocked_then_adopted,
        blocked_after_typing_title,
        blocked_after_tapping_approve,
        blocked_after_tapping_return,
        html_named_person,
    )
}


# ----------------------------------------------------------------------------- the test


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    """The stages of this module; one is running at a time."""
    world = World(tmp_path_factory.mktemp("bad_inputs"))
    try:
        yield world
    finally:
        await world.close()


def test_corpus_is_large_and_well_formed() -> None:
    assert len(CASES) >= 150
    for case in CASES:
        for action in case.actions:
            assert "scenario" not in action or action["scenario"] in SCENARIOS, case.id
            assert str(action.get("as", case.actor)) in PEOPLE, case.id
        assert case.actor in PEOPLE, case.id
        assert case.xfail is None or case.xfail.strip(), case.id


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("case", _params())
async def test_bad_input(case: Case, world: World, caplog: pytest.LogCaptureFixture) -> None:
    stage = await world.stage_for(case.group)
    stage.case_values = {}
    world.dirty = True  # until the case went through (a failure restarts the group's stage)
    await stage.reset(case.step, case.actor)
    calls, records = len(stage.server.calls), len(caplog.records)
    outcome = Outcome()
    try:
        for action in case.actions:
            await act(stage, case.actor, action, outcome, case.clock_days)
    finally:
        stage.clock.now = START
    problems = list(outcome.problems)
    said = "\n".join(outcome.answers)
    if case.quiet:
        if said:
            problems.append(f"expected silence, the bot said {said[:300]!r}")
    elif not outcome.self_checked:
        if not outcome.answered:
            problems.append("no answer at all")
        problems += [
            f"expected {piece!r} in the answer {said[:400]!r}"
            for piece in case.expect
            if piece not in said
        ]
    if case.finish and not problems:
        await finish_submit(stage, case, outcome)
        problems += outcome.problems
    for call in stage.server.calls[calls:]:
        if call.status == 400:
            problems.append(f"{call.method} refused: {call.response} for {call.params}")
        text = str(call.params.get("text") or "")
        if call.method in {"sendMessage", "editMessageText"} and any(
            e in text for e in ERROR_TEXTS
        ):
            problems.append(f"error text sent to {call.params.get('chat_id')}: {text[:200]!r}")
    for record in caplog.records[records:]:
        if record.levelno >= logging.ERROR:
            trace = caplog.text if record.exc_info else ""
            problems.append(f"logged at ERROR: {record.getMessage()} {trace[-1500:]}")
    problems += await inconsistencies(stage.db, stage.rules)
    assert not problems, "\n".join(problems)
    world.dirty = False
