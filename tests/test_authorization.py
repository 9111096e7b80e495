"""Authorization matrix (issue 6): every command and button × every role and a stranger.

Each cell is one person doing one thing in the chat of the running bot (over the fake Bot API).
It counts as allowed when the action took effect, checked in the ledger through the storage
repositories, or — for a read-only command or button — when the answer carries the content.
It counts as refused when the person was told so (a reply or an alert) and the ledger did not
change at all: items, sign-offs, edits, adoptions, people, roles, invites, writing tasks,
《工作简报》 issues, entries and decisions, website news, routes, visits, announcements, and
the number of audit and outbox rows are compared before and after. Buttons are pressed with
forged callback data on the message that carries them (someone else's, if need be).

Each button cell gets its own fresh target (an item at the right step, an adoption, a task, a
role grant, an issue or website news in the right state, an announcement), so one cell's
effect never decides another's. The observed matrix must equal
EXPECTED, the policy README.md describes; docs/authorization.md is generated from EXPECTED
(run with BAOSONG_WRITE_DOCS=1 to rewrite it).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from bot.documents import briefdoc
from channels.telegram.adapter import drain
from channels.telegram.app import BotApp
from channels.telegram.handlers.briefs import caption_for
from chat.capabilities import TELEGRAM
from sandbox.telegram.people import FakeUser
from sandbox.telegram.server import FakeBotApi
from scoring.assessment import AssessmentTemplate, Scope, Verdict
from scoring.vocab import ItemState, Role
from storage import (
    adoptions,
    announcements,
    audit,
    briefs,
    campaign_scores,
    campaigns,
    invites,
    items,
    outbox,
    people,
    periods,
    routes,
    units,
)
from storage import tasks as task_repo
from storage import visits as visit_repo
from storage import webnews as news_repo
from storage.db import Database
from storage.models import Item, Person
from tests.conftest import FakeClock, tg_account
from tests.flow import ADMIN, JSON, REPO, buttons, flow_settings, load_units, running, settle
from workflow import announce, centre, joining, signoff, submission, webnews
from workflow import briefs as brief_flow
from workflow import campaign_units as campaign_flow
from workflow import campaigns as campaign_plans
from workflow import tasks as task_flow
from workflow.briefs import BriefContent
from workflow.campaign_templates import SHIPPED_DIR, load_templates

WINDOW = "市人社局窗口"
TOWNSHIP = "城关镇便民服务中心"
SECTION = "综合科"
OFFICE = "办公室"
SPARE = "审批服务科"  # the unit of throwaway grants and of the bystander's draft
FIRST_TITLE = "市人社局窗口推行“一窗通办”"
STANDING_TASK = "市领导视察市人社局窗口"
DOC = REPO / "docs" / "authorization.md"
WRITE_DOCS = "BAOSONG_WRITE_DOCS"

ALLOWED = "✓"  # took effect / showed the content
REFUSED = "✗"  # told so, nothing changed
SILENT = "∅"  # no answer at all, nothing changed
CHANGED = "!"  # no intended effect, yet the ledger changed: always a bug
LEGEND = (
    f"{ALLOWED} allowed, {REFUSED} refused with a message and no change, "
    f"{SILENT} no answer and no change, {CHANGED} the ledger changed without the intended effect"
)


@dataclass(frozen=True, slots=True)
class Who:
    """A column of the matrix: a person in a role (or the configured admin, or a stranger)."""

    key: str
    heading: str
    tg: int
    name: str
    unit: str | None = None  # joined by an invite to this unit …
    role: str | None = None  # … in this role


WHO = (
    Who("informant", "informant", 101, "王芳", WINDOW, "informant"),
    Who("window_head", "window head", 102, "李明", WINDOW, "window_head"),
    Who("leader", "leader", 103, "张伟", WINDOW, "leader"),
    Who("other_informant", "other unit's informant", 110, "刘洋", TOWNSHIP, "informant"),
    Who("section_staff", "section staff", 120, "陈静", SECTION, "section_staff"),
    Who("editor", "editor", 104, "赵敏", SECTION, "editor"),
    Who("centre_leader", "centre leader", 105, "孙强", OFFICE, "centre_leader"),
    Who("main_leader", "main leader", 106, "钱进", OFFICE, "main_leader"),
    Who("network_admin", "network admin", 107, "吴涛", OFFICE, "network_admin"),
    Who("admin", "admin", ADMIN, "管理员"),
    Who("stranger", "stranger", 5, "路人"),
)
BYSTANDER = Who("bystander", "bystander", 130, "周敏", SPARE, "informant")


async def render_here(content: BriefContent) -> bytes:
    """The issue's .docx made in this process (the bot makes it in a child; slow per cell)."""
    return briefdoc.render(content)


@dataclass(slots=True)
class Said:
    """What the person saw during a cell: whether they were answered, and the new messages."""

    told: bool
    messages: list[JSON] = field(default_factory=list)


class Harness:
    """The running bot, its ledger, the people, and ways to set up targets and act."""

    def __init__(self, server: FakeBotApi, app: BotApp, db: Database) -> None:
        self.server, self.app, self.db = server, app, db
        self.users = {who.key: server.user(who.tg, who.name) for who in (*WHO, BYSTANDER)}
        self.crew: dict[str, Person] = {}  # the window's people, editor and leaders: set-ups
        self.serial = 0
        self.bystander_preview: JSON = {}
        self.spare_items: dict[int, int] = {}  # a draft issue → an item at the centre not in it

    @property
    def today(self) -> date:
        """The centre's local date (the clock is fixed)."""
        return self.app.bot_data.rules.local_now(self.db.clock()).date()

    def next(self) -> int:
        """A fresh number for titles and throwaway people."""
        self.serial += 1
        return self.serial

    async def person(self, who: Who) -> Person | None:
        """The ledger's person behind a column (None: never joined)."""
        found, _ = await joining.whoami(self.db, tg_account(who.tg))
        return found

    async def drain(self) -> None:
        """Sends what set-ups queued, so the signers' and editors' buttons exist."""
        services = self.app.bot_data
        await drain(self.app.bot, self.db, services.texts, services.rules)

    # -- acting in the chat

    async def say(self, who: Who, text: str) -> Said:
        """The person writes; the bot's new messages in their chat."""
        user = self.users[who.key]
        before = user.sent_count()
        await user.send_text(text)
        await settle(self.server, self.app)
        new = self.server.sent_to(who.tg, include_deleted=True)[before:]
        return Said(bool(new), new)

    async def press(self, who: Who, data: str, carrier: JSON | None = None) -> Said:
        """The person presses a button with this data (forged) on the message that carries it."""
        user = self.users[who.key]
        before = user.sent_count()
        message = carrier if carrier is not None else self.carrier(user, data)
        update = await user.click(message, data, forged=True)
        await settle(self.server, self.app)
        answer = self.server.callback_answers.get(update["callback_query"]["id"]) or {}
        new = self.server.sent_to(who.tg, include_deleted=True)[before:]
        return Said(bool(answer.get("show_alert") and answer.get("text")), new)

    def carrier(self, user: FakeUser, data: str) -> JSON:
        """The newest message with this button (the presser's own first), else their last one."""
        for holder in [user, *self.users.values()]:
            for message in reversed(holder.received()):
                if data in buttons(message).values():
                    return message
        return user.received()[-1]

    async def tap(self, who: Who, data: str) -> None:
        """A genuine press of a button the person has on their newest message carrying it."""
        user = self.users[who.key]
        message = next(m for m in reversed(user.received()) if data in buttons(m).values())
        await user.click(message, data)
        await settle(self.server, self.app)

    async def submit_to_preview(self, who: Who, title: str) -> JSON:
        """The person goes through /submit up to the preview; returns the preview message."""
        await self.say(who, "/submit")
        await self.tap(who, "sub:cat:measures")
        await self.say(who, title)
        await self.say(who, "正文。")
        await self.tap(who, "sub:body:done")
        await self.say(who, "2026-10-14")
        await self.tap(who, "sub:files:done")
        return self.users[who.key].received()[-1]

    # -- targets, set up through the services

    async def unit_id(self, name: str) -> int:
        """A unit's id."""
        async with self.db.reading() as tx:
            unit = await units.unit_by_name(tx, name)
        assert unit is not None
        return unit.id

    async def item_at(self, step: int, title: str | None = None) -> int:
        """A fresh window item by the informant: pending at step 0 or 1, or (2) at the centre."""
        rules = self.app.bot_data.rules
        draft = submission.Draft(
            unit_id=await self.unit_id(WINDOW),
            category="measures",
            title=title or f"授权测试 {self.next()}",
            body="正文。",
            event_date=self.today,
        )
        item = (await submission.submit(self.db, rules, self.crew["informant"], draft)).item
        for done, signer in enumerate(("window_head", "leader")[:step]):
            await signoff.decide(
                self.db,
                rules,
                self.crew[signer],
                item_id=item.id,
                round_=0,
                step=done,
                approve=True,
            )
        await self.drain()
        return item.id

    async def item_in_closed_month(self) -> int:
        """A fresh window item that reached the centre last month, which is closed."""
        item_id = await self.item_at(2)
        last_month = self.today.replace(day=1) - timedelta(days=1)
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE items SET centre_on = ? WHERE id = ?", (last_month.isoformat(), item_id)
            )
            period = last_month.strftime("%Y-%m")
            if not await periods.is_closed(tx, period):
                await periods.close(tx, period, "{}", None)
        return item_id

    async def lost_request(self) -> int:
        """A fresh window item whose request to the window head was being sent at a kill:
        found at the restart, it is uncertain (the head may write to get it again)."""
        item_id = await self.item_at(0)
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET state = 'sending' WHERE purpose = ?",
                (f"notice:signoff_request:{item_id}:0:0",),
            )
            await outbox.orphaned_claims(tx)
        return item_id

    async def returned_item(self) -> int:
        """A fresh window item the window head returned to the informant."""
        item_id = await self.item_at(0)
        await signoff.decide(
            self.db,
            self.app.bot_data.rules,
            self.crew["window_head"],
            item_id=item_id,
            round_=0,
            step=0,
            approve=False,
            reason="请补充办件数量",
        )
        await self.drain()
        return item_id

    async def adoption(self) -> int:
        """A fresh adoption, recorded by the editor, of a fresh item at the centre."""
        rules = self.app.bot_data.rules
        item_id = await self.item_at(2)
        adopted = await centre.adopt(
            self.db,
            rules,
            self.crew["editor"],
            item_id,
            outlet_name=next(iter(rules.outlets)),
            adopted_on=self.today,
        )
        await self.drain()
        return adopted.adoption.id

    async def task(self, title: str | None = None) -> int:
        """A fresh writing task for the window, opened by the editor."""
        task, _, _ = await task_flow.open_task(
            self.db,
            self.app.bot_data.rules,
            self.crew["editor"],
            unit_name=WINDOW,
            title=title or f"写作任务 {self.next()}",
        )
        await self.drain()
        return task.id

    async def invite(self) -> str:
        """A fresh invite code (section staff of the spare unit)."""
        made, _ = await joining.create_invite(
            self.db, self.app.bot_data.rules, unit_name=SPARE, role=Role.SECTION_STAFF
        )
        return made.code

    async def spare_grant(self) -> int:
        """A fresh role grant of a throwaway person (who is never told anything)."""
        number = self.next()
        joined = await joining.redeem(
            self.db,
            await self.invite(),
            account=tg_account(7000 + number),
            name=f"临时{number}",
            username=None,
        )
        return joined.grant.id

    async def registered_item(self) -> int:
        """A fresh window item at the centre, registered by the editor."""
        item_id = await self.item_at(2)
        await centre.register(self.db, self.crew["editor"], item_id)
        await self.drain()
        return item_id

    async def news_at(self, state: str) -> int:
        """Fresh website news (round 1) of a fresh registered item: signing, approved or
        returned by the centre leader."""
        editor = self.crew["editor"]
        sent = await webnews.send(
            self.db, self.app.bot_data.rules, editor, await self.registered_item()
        )
        if state != "signing":
            await webnews.decide(
                self.db,
                self.crew["centre_leader"],
                sent.news.id,
                sent.news.round,
                approve=state == "approved",
                reason=None if state == "approved" else "请压缩篇幅",
            )
        await self.drain()
        return sent.news.id

    async def brief_draft(self) -> int:
        """A fresh draft issue by the editor with two entries, and a spare item at the centre
        (the editor's issue in progress, if any, is cancelled first)."""
        rules, editor = self.app.bot_data.rules, self.crew["editor"]
        view = await brief_flow.open_draft(self.db, rules, editor)
        while view.entries or view.brief.state != "draft":
            await brief_flow.discard(self.db, editor, view.brief.id)
            view = await brief_flow.open_draft(self.db, rules, editor)
        first, second = await self.item_at(2), await self.item_at(2)
        await brief_flow.add_items(self.db, rules, editor, view.brief.id, [first, second])
        self.spare_items[view.brief.id] = await self.item_at(2)
        return view.brief.id

    async def brief_at(self, state: str) -> int:
        """A fresh issue at review, at signing, issued, or returned at review."""
        db, rules = self.db, self.app.bot_data.rules
        brief_id = await self.brief_draft()
        await brief_flow.send_for_review(
            db, rules, self.crew["editor"], brief_id, render=render_here
        )
        leader = self.crew["centre_leader"]
        if state == "returned":
            await brief_flow.return_issue(
                db, leader, brief_id=brief_id, round_=1, step=brief_flow.REVIEW, reason="请补充"
            )
        elif state in ("signing", "issued"):
            await brief_flow.approve_review(
                db, rules, leader, brief_id=brief_id, round_=1, render=render_here
            )
        if state == "issued":
            await brief_flow.issue(
                db,
                rules,
                self.crew["main_leader"],
                brief_id=brief_id,
                round_=1,
                render=render_here,
                caption=caption_for(self.app.bot_data.texts),
            )
        await self.drain()
        return brief_id

    async def announcement(self) -> int:
        """A fresh announcement by the editor to every informant, sent."""
        editor = self.crew["editor"]
        editor_tg = next(who.tg for who in WHO if who.key == "editor")
        published = await announce.publish(
            self.db,
            self.app.bot_data.rules,
            account=tg_account(editor_tg),
            name=editor.name,
            username=None,
            draft=announce.Draft(
                token=secrets.token_hex(12),
                text=f"通知 {self.next()}",
                audience=announce.Audience(),
            ),
            caption_head="📢",
            channel=TELEGRAM,
        )
        await self.drain()
        return published.announcement.id

    async def window(self) -> int:
        """The window's unit id."""
        async with self.db.reading() as tx:
            unit = await units.unit_by_name(tx, WINDOW)
        assert unit is not None
        return unit.id

    async def campaign(self) -> int:
        """A fresh focus campaign over the window, planned by the editor (the office) and
        waiting for the centre leader, its one-member leading group."""
        rules = self.app.bot_data.rules
        editor = self.crew["editor"]
        planned = await campaign_plans.plan(
            self.db,
            editor,
            campaign_templates(),
            rules.zone,
            template_key="county",
            title=f"考核 {self.next()}",
            year=2026,
            scope=Scope.FOCUS,
            onsite={
                await self.window(): rules.local_now(self.db.clock()).date() + timedelta(days=20)
            },
            leading=[self.crew["centre_leader"].id],
            assessors=[self.crew["main_leader"].id],
        )
        await campaign_plans.submit_plan(self.db, editor, rules.zone, planned.id)
        await self.drain()
        return planned.id

    async def running_campaign(self) -> int:
        """A fresh campaign approved and running: the window has its notice."""
        campaign_id = await self.campaign()
        await campaign_plans.decide_plan(
            self.db,
            self.crew["centre_leader"],
            self.app.bot_data.rules.zone,
            campaign_id,
            round_=1,
            step=1,
            approve=True,
        )
        await self.drain()
        return campaign_id

    async def reported_campaign(self) -> int:
        """A fresh running campaign whose window answered every check and sent its report,
        waiting for the window's leader to sign."""
        campaign_id = await self.running_campaign()
        window, informant = await self.window(), self.crew["informant"]
        for check_id in campaign_templates()["county"].check_ids():
            await campaign_flow.answer_check(
                self.db, informant, campaign_id, window, check_id, Verdict.MET
            )
        await campaign_flow.submit_report(self.db, informant, campaign_id, window, text="自查报告")
        await self.drain()
        return campaign_id

    # -- reading the ledger through the repositories

    async def item(self, item_id: int) -> Item:
        """An item as stored."""
        async with self.db.reading() as tx:
            found = await items.get_item(tx, item_id)
        assert found is not None
        return found

    async def snapshot(self) -> tuple[object, ...]:
        """Every row that an action may change, and how many audit and outbox rows there are."""
        tables = (
            "units people roles invites items item_files signoffs edits adoptions writing_tasks"
            " briefs brief_entries brief_decisions web_news item_routes visits announcements"
            " campaigns campaign_units campaign_members campaign_decisions campaign_selfchecks"
            " campaign_evidence campaign_scores"
        )
        state: list[object] = []
        async with self.db.reading() as tx:
            for table in tables.split():
                rows = await tx.fetchall(f"SELECT * FROM {table} ORDER BY rowid")
                state.append(tuple(tuple(row) for row in rows))
            for table in ("audit_log", "outbox"):
                count = await tx.fetchone(f"SELECT count(*) FROM {table}")
                state.append(count[0] if count else None)
        return tuple(state)


Prepare = Callable[[Harness], Awaitable[int]]
Perform = Callable[[Harness, Who, int], Awaitable[Said]]
Effect = Callable[[Harness, Who, int, Said], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class Action:
    """A row of the matrix: set up a target, act on it, and tell whether it took effect."""

    key: str
    label: str
    perform: Perform
    effect: Effect
    prepare: Prepare | None = None
    read_only: bool = False


def has_button(messages: list[JSON], prefix: str) -> bool:
    """Whether one of the messages has a button whose data starts with prefix."""
    return any(d.startswith(prefix) for m in messages for d in buttons(m).values())


def text_of(messages: list[JSON]) -> str:
    """All the messages' texts and captions."""
    return "\n".join(str(m.get("text") or m.get("caption") or "") for m in messages)


def shows(*markers: str) -> Effect:
    """Read-only: allowed when an answer contains one of the markers."""

    async def effect(h: Harness, who: Who, target: int, said: Said) -> bool:
        return any(marker in text_of(said.messages) for marker in markers)

    return effect


def says(text: str) -> Perform:
    """The person sends a fixed text."""

    async def perform(h: Harness, who: Who, target: int) -> Said:
        return await h.say(who, text)

    return perform


def presses(pattern: str, follow_up: str | None = None, confirm: str | None = None) -> Perform:
    """The person presses a button (`{n}`: the target), then maybe types the answer asked for,
    then maybe presses the ✅ 确认 of what was shown back."""

    async def perform(h: Harness, who: Who, target: int) -> Said:
        said = await h.press(who, pattern.format(n=target))
        if follow_up is not None:
            said.messages += (await h.say(who, follow_up)).messages
        if confirm is not None:
            confirmed = await h.press(who, confirm.format(n=target))
            said = Said(said.told or confirmed.told, said.messages + confirmed.messages)
        return said

    return perform


def writes_then_presses(text: str, pattern: str) -> Perform:
    """The person writes (`{n}`: the target), then presses a button on the newest message
    carrying it: their own answer if it has the button, else someone else's (forged)."""

    async def perform(h: Harness, who: Who, target: int) -> Said:
        said = await h.say(who, text.format(n=target))
        pressed = await h.press(who, pattern.format(n=target))
        return Said(pressed.told, said.messages + pressed.messages)

    return perform


def read(text: str, label: str, *markers: str) -> Action:
    """A read-only command."""
    return Action(text, label, says(text), shows(*markers), read_only=True)


# -- assessment campaigns


@cache
def campaign_templates() -> dict[str, AssessmentTemplate]:
    """The shipped templates."""
    return load_templates(SHIPPED_DIR)


async def plan_then_cancel(h: Harness, who: Who, target: int) -> Said:
    """/campaign, then /cancel: no session is left for later cells."""
    said = await h.say(who, "/campaign")
    await h.say(who, "/cancel")
    return said


def campaign_state(state: str) -> Effect:
    """The campaign reached this state."""

    async def effect(h: Harness, who: Who, target: int, said: Said) -> bool:
        async with h.db.reading() as tx:
            found = await campaigns.get(tx, target)
        return found is not None and found.state == state

    return effect


async def answer_first_check(h: Harness, who: Who, target: int) -> Said:
    """Opens the window's self-check and answers its first check (then /cancel)."""
    window = await h.window()
    said = await h.press(who, f"ca:s:{target}:{window}")
    answered = await h.press(who, f"ca:v:{target}:{window}:0:m")
    await h.say(who, "/cancel")
    return Said(said.told or answered.told, said.messages + answered.messages)


async def first_check_answered(h: Harness, who: Who, target: int, said: Said) -> bool:
    window = await h.window()
    async with h.db.reading() as tx:
        return bool(await campaign_scores.selfchecks(tx, target, window))


async def score_first_check(h: Harness, who: Who, target: int) -> Said:
    """Opens the window's scoring and gives its first check 5 points (then /cancel)."""
    said = await h.press(who, f"ca:sf:{target}:{await h.window()}")
    typed = await h.say(who, "5")
    await h.say(who, "/cancel")
    return Said(said.told, said.messages + typed.messages)


async def first_check_scored(h: Harness, who: Who, target: int, said: Said) -> bool:
    async with h.db.reading() as tx:
        return bool(await campaign_scores.scores(tx, target))


async def sign_window_report(h: Harness, who: Who, target: int) -> Said:
    return await h.press(who, f"ca:sg:{target}:{await h.window()}")


async def window_report_signed(h: Harness, who: Who, target: int, said: Said) -> bool:
    window = await h.window()
    async with h.db.reading() as tx:
        line = await campaigns.unit_of(tx, target, window)
    return line is not None and line.signed_at is not None


# -- commands that change something


async def correct_closed_month(h: Harness, who: Who, target: int) -> Said:
    day = (h.today.replace(day=1) - timedelta(days=1)).isoformat()
    return await h.say(who, f"/correct {target} 市委、市政府 {day} {who.key} 补录")


async def corrected(h: Harness, who: Who, target: int, said: Said) -> bool:
    async with h.db.reading() as tx:
        found = await tx.fetchall(
            "SELECT c.id FROM corrections c JOIN adoptions a ON a.id = c.adoption_id"
            " WHERE a.item_id = ?",
            (target,),
        )
    return bool(found)


async def submit_all_the_way(h: Harness, who: Who, target: int) -> Said:
    said = await h.say(who, "/submit")
    if has_button(said.messages, "sub:cat:"):
        await h.tap(who, "sub:cat:measures")
        await h.say(who, f"{who.key} 报送的信息")
        await h.say(who, "正文。")
        await h.tap(who, "sub:body:done")
        await h.say(who, "2026-10-14")
        await h.tap(who, "sub:files:done")
        await h.tap(who, "sub:ok")
    return said


async def submitted(h: Harness, who: Who, target: int, said: Said) -> bool:
    person = await h.person(who)
    if person is None:
        return False
    async with h.db.reading() as tx:
        mine = await items.items_of_author(tx, person.id)
    return any(i.title == f"{who.key} 报送的信息" and i.state is not ItemState.DRAFT for i in mine)


async def invite_made(h: Harness, who: Who, target: int, said: Said) -> bool:
    codes = re.findall(r"start=([A-Za-z0-9_-]+)", text_of(said.messages))
    async with h.db.reading() as tx:
        return any([await invites.get_invite(tx, code) is not None for code in codes])


def task_title(who: Who) -> str:
    """The title a person's /task asks for."""
    return f"{who.key} 开的写作任务"


async def open_task(h: Harness, who: Who, target: int) -> Said:
    return await h.say(who, f"/task {WINDOW} {task_title(who)}")


async def task_opened(h: Harness, who: Who, target: int, said: Said) -> bool:
    async with h.db.reading() as tx:
        found = await task_repo.open_tasks_due_by(tx, date.max)
    return any(t.title == task_title(who) for t in found)


async def join_by_invite(h: Harness, who: Who, target: int) -> Said:
    return await h.say(who, f"/start {await h.invite()}")


async def joined(h: Harness, who: Who, target: int, said: Said) -> bool:
    _, grants = await joining.whoami(h.db, tg_account(who.tg))
    spare = await h.unit_id(SPARE)
    return any(g.unit_id == spare and g.role is Role.SECTION_STAFF for g in grants)


# -- buttons


def fresh_item(step: int) -> Prepare:
    async def prepare(h: Harness) -> int:
        return await h.item_at(step)

    return prepare


def fresh_brief(state: str) -> Prepare:
    async def prepare(h: Harness) -> int:
        return await h.brief_at(state)

    return prepare


def fresh_news(state: str) -> Prepare:
    async def prepare(h: Harness) -> int:
        return await h.news_at(state)

    return prepare


def decided(step: int, decision: str) -> Effect:
    async def effect(h: Harness, who: Who, target: int, said: Said) -> bool:
        async with h.db.reading() as tx:
            found = await items.signoffs_of(tx, target)
        return any((s.round, s.step, s.decision) == (0, step, decision) for s in found)

    return effect


async def registered(h: Harness, who: Who, target: int, said: Said) -> bool:
    return (await h.item(target)).state is ItemState.REGISTERED


async def archived(h: Harness, who: Who, target: int, said: Said) -> bool:
    return (await h.item(target)).state is ItemState.ARCHIVED


async def withdrawn_item(h: Harness, who: Who, target: int, said: Said) -> bool:
    return (await h.item(target)).state is ItemState.WITHDRAWN


async def fresh_archived(h: Harness) -> int:
    """A fresh registered item the editor archived."""
    item_id = await h.registered_item()
    await centre.archive(h.db, h.crew["editor"], item_id)
    await h.drain()
    return item_id


async def edited(h: Harness, who: Who, target: int, said: Said) -> bool:
    async with h.db.reading() as tx:
        return bool(await items.edits_of(tx, target))


async def outlets_offered(h: Harness, who: Who, target: int, said: Said) -> bool:
    return has_button(said.messages, f"ed:out:{target}:")


async def adopted(h: Harness, who: Who, target: int, said: Said) -> bool:
    async with h.db.reading() as tx:
        return bool(await adoptions.adoptions_of(tx, target))


async def withdrawn(h: Harness, who: Who, target: int, said: Said) -> bool:
    async with h.db.reading() as tx:
        found = await adoptions.get_adoption(tx, target)
    return found is not None and found.withdrawn_at is not None


async def redated(h: Harness, who: Who, target: int, said: Said) -> bool:
    async with h.db.reading() as tx:
        found = await adoptions.get_adoption(tx, target)
        assert found is not None
        trail = await audit.audit_trail(tx, "item", found.item_id)
    return any(e.action == "adoption.amend" for e in trail)


async def referenced(h: Harness, who: Who, target: int, said: Said) -> bool:
    async with h.db.reading() as tx:
        found = await adoptions.get_adoption(tx, target)
    return found is not None and found.reference == "第12期"


async def revise(h: Harness, who: Who, target: int) -> Said:
    said = await h.press(who, f"rv:{target}")
    if has_button(said.messages, "sub:ok"):
        await h.tap(who, "sub:ok")
    return said


async def resubmitted(h: Harness, who: Who, target: int, said: Said) -> bool:
    item = await h.item(target)
    return (item.state, item.chain_round) == (ItemState.PENDING, 1)


async def answerable_task(h: Harness) -> int:
    """A fresh writing task of the window, and an item of the window submitted after it."""
    task = await h.task()
    await h.item_at(0, title="回应写作任务")
    return task


async def closed_or_offered(h: Harness, who: Who, target: int, said: Said) -> bool:
    """The task is done, or the items that may answer it are offered as buttons."""
    return await task_closed("done")(h, who, target, said) or has_button(
        said.messages, f"tk:link:{target}:"
    )


def task_closed(state: str) -> Effect:
    async def effect(h: Harness, who: Who, target: int, said: Said) -> bool:
        async with h.db.reading() as tx:
            found = await task_repo.get_task(tx, target)
        return found is not None and found.state == state

    return effect


def asks_to_confirm(prefix: str) -> Effect:
    """The step was shown back with its ✅ 确认 button (and, read-only, nothing changed)."""

    async def effect(h: Harness, who: Who, target: int, said: Said) -> bool:
        return has_button(said.messages, prefix)

    return effect


async def revoked(h: Harness, who: Who, target: int, said: Said) -> bool:
    async with h.db.reading() as tx:
        grant = await people.get_grant(tx, target)
    return grant is not None and grant.revoked_at is not None


async def confirm_someone_elses_draft(h: Harness, who: Who, target: int) -> Said:
    return await h.press(who, "sub:ok", carrier=h.bystander_preview)


async def bystander_submitted(h: Harness, who: Who, target: int, said: Said) -> bool:
    person = await h.person(BYSTANDER)
    assert person is not None
    async with h.db.reading() as tx:
        return bool(await items.items_of_author(tx, person.id))


# -- the centre's publishing: 《工作简报》, website news and routing, visits, announcements


def then_cancel(perform: Perform) -> Perform:
    """Acts, then leaves whatever conversation it opened with /cancel (not part of the cell)."""

    async def wrapped(h: Harness, who: Who, target: int) -> Said:
        said = await perform(h, who, target)
        await h.say(who, "/cancel")
        return said

    return wrapped


def says_about(pattern: str) -> Perform:
    """The person sends a text naming the target (`{n}`)."""

    async def perform(h: Harness, who: Who, target: int) -> Said:
        return await h.say(who, pattern.format(n=target))

    return perform


async def brief_entries(h: Harness, brief_id: int) -> list[int]:
    """The items of an issue, in print order."""
    async with h.db.reading() as tx:
        return [e.item_id for e in await briefs.entries_of(tx, brief_id)]


def on_entry(action: str, index: int, follow_up: str | None = None) -> Perform:
    """Presses a drafting-menu button of one entry (`bf:d:B:<action>:<item>`), maybe answers."""

    async def perform(h: Harness, who: Who, target: int) -> Said:
        item = (await brief_entries(h, target))[index]
        return await presses(f"bf:d:{{n}}:{action}:{item}", follow_up)(h, who, target)

    return perform


async def add_spare(h: Harness, who: Who, target: int) -> Said:
    said = await h.press(who, f"bf:d:{target}:add")
    said.messages += (await h.say(who, f"#{h.spare_items[target]}")).messages
    return said


async def draft_opened(h: Harness, who: Who, target: int, said: Said) -> bool:
    person = await h.person(who)
    if person is None:
        return False
    async with h.db.reading() as tx:
        return await briefs.open_brief_of(tx, person.id) is not None


def brief_state(state: str) -> Effect:
    async def effect(h: Harness, who: Who, target: int, said: Said) -> bool:
        async with h.db.reading() as tx:
            found = await briefs.get_brief(tx, target)
        return found is not None and found.state == state

    return effect


def brief_entry_is(index: int, *, heading: str | None = None, body: str | None = None) -> Effect:
    async def effect(h: Harness, who: Who, target: int, said: Said) -> bool:
        async with h.db.reading() as tx:
            entry = (await briefs.entries_of(tx, target))[index]
        return (heading is None or entry.heading == heading) and (
            body is None or entry.body == body
        )

    return effect


async def spare_added(h: Harness, who: Who, target: int, said: Said) -> bool:
    return h.spare_items[target] in await brief_entries(h, target)


async def entries_swapped(h: Harness, who: Who, target: int, said: Said) -> bool:
    entries = await brief_entries(h, target)
    return entries == sorted(entries, reverse=True)  # prepared in ascending item order


async def entry_removed(h: Harness, who: Who, target: int, said: Said) -> bool:
    return len(await brief_entries(h, target)) == 1


async def redated_brief(h: Harness, who: Who, target: int, said: Said) -> bool:
    async with h.db.reading() as tx:
        found = await briefs.get_brief(tx, target)
    return found is not None and found.issue_date == h.today - timedelta(days=1)


def yesterday() -> Perform:
    async def perform(h: Harness, who: Who, target: int) -> Said:
        day = (h.today - timedelta(days=1)).isoformat()
        return await presses("bf:d:{n}:date", day)(h, who, target)

    return perform


async def menu_shown(h: Harness, who: Who, target: int, said: Said) -> bool:
    return has_button(said.messages, f"bf:d:{target}:")


async def document_sent(h: Harness, who: Who, target: int, said: Said) -> bool:
    return any("document" in message for message in said.messages)


async def news_started(h: Harness, who: Who, target: int, said: Said) -> bool:
    async with h.db.reading() as tx:
        return await news_repo.news_of_item(tx, target) is not None


def news_state(state: str, round_: int = 1) -> Effect:
    async def effect(h: Harness, who: Who, target: int, said: Said) -> bool:
        async with h.db.reading() as tx:
            found = await news_repo.get_news(tx, target)
        return found is not None and (found.state, found.round) == (state, round_)

    return effect


async def routes_shown(h: Harness, who: Who, target: int, said: Said) -> bool:
    return has_button(said.messages, f"ed:rt:{target}:")


async def route_to_brief(h: Harness, who: Who, target: int) -> Said:
    rules = h.app.bot_data.rules
    index = list(rules.outlets).index(rules.publishing.brief_outlet)
    return await h.press(who, f"ed:rt:{target}:{1 << index}:ok")


async def routed(h: Harness, who: Who, target: int, said: Said) -> bool:
    async with h.db.reading() as tx:
        return bool(await routes.routes_of(tx, target))


def visitor(who: Who) -> str:
    """The visitor a person's /visit logs."""
    return f"{who.name} 副市长"


async def log_visit(h: Harness, who: Who, target: int) -> Said:
    said = await h.say(who, f"/visit {visitor(who)}")
    if has_button(said.messages, "vi:k:"):
        await h.tap(who, "vi:k:city")
        await h.tap(who, "vi:d:0")
        await h.tap(who, "vi:ok")
    return said


async def visit_logged(h: Harness, who: Who, target: int, said: Said) -> bool:
    async with h.db.reading() as tx:
        found = await visit_repo.recent_visits(tx, 1000)
    return any(v.visitor == visitor(who) for v in found)


def notice_text(who: Who) -> str:
    """The text of a person's /announce."""
    return f"{who.key} 的通知"


async def announce_all_the_way(h: Harness, who: Who, target: int) -> Said:
    said = await h.say(who, "/announce")
    more = await h.say(who, notice_text(who))
    if has_button(more.messages, "an:pv"):
        await h.tap(who, "an:pv")
        preview = h.users[who.key].received()[-1]
        confirm = next(d for d in buttons(preview).values() if d.startswith("an:ok:"))
        await h.tap(who, confirm)
    return said


async def announced(h: Harness, who: Who, target: int, said: Said) -> bool:
    async with h.db.reading() as tx:
        found = await announcements.recent_announcements(tx, 1000)
        authors = {a.author_id for a in found if a.text == notice_text(who)}
        person = await people.person_by_account(tx, tg_account(who.tg))
    return person is not None and person.id in authors


ACTIONS = (
    read("/start", "`/start` (no code): greeting and help", "您可以使用以下命令"),
    read("/help", "`/help`", "您可以使用以下命令"),
    Action("/submit", "`/submit` … confirm: an item is submitted", submit_all_the_way, submitted),
    read("/my", "`/my`: one's own items", "我报送的信息", "您还没有报送过信息"),
    read("/unit", "`/unit`: one's unit this month and year", "全年累计"),
    read("/rank", "`/rank`: this month's and year's ranking", "年累计排名"),
    read("/bulletin", "`/bulletin`: last month's bulletin", "信息报送情况通报"),
    read("/item 1", f"`/item 1`: item #1 of {WINDOW}", FIRST_TITLE),
    read("/find 一窗通办", f"`/find`: finds item #1 of {WINDOW}", "#1 "),
    read("/queue", "`/queue`: items at the centre", "待处理的信息"),
    Action("/task", f"`/task {WINDOW} 标题`: opens a writing task", open_task, task_opened),
    read("/tasks", f"`/tasks`: lists {WINDOW}'s open task", STANDING_TASK),
    Action(
        "/invite",
        "`/invite 单位 角色`: makes an invite link",
        says(f"/invite {TOWNSHIP} leader"),
        invite_made,
    ),
    read("/units", "`/units`: units and people", "单位与人员"),
    read("/noinformant", "`/noinformant`: units without an informant", "未落实信息员的单位"),
    read("/revoke", "`/revoke`: the revoke menu", "点击要撤销的身份"),
    Action(
        "/correct",
        "`/correct N 渠道 日期 原因`: a correction of a closed month",
        correct_closed_month,
        corrected,
        Harness.item_in_closed_month,
    ),
    read("/cancel", "`/cancel`", "当前没有进行中的操作", "已取消"),
    Action(
        "so:a step 1",
        "✅ 同意 at step 1 (window head's) `so:N:0:0:a`",
        presses("so:{n}:0:0:a"),
        decided(0, "approve"),
        fresh_item(0),
    ),
    Action(
        "so:a step 2",
        "✅ 同意 at step 2 (leader's) `so:N:0:1:a`",
        presses("so:{n}:0:1:a"),
        decided(1, "approve"),
        fresh_item(1),
    ),
    Action(
        "so:r step 1",
        "↩️ 退回 + reason + ✅ 确认 at step 1 `so:N:0:0:r` … `so:N:0:0:c`",
        presses("so:{n}:0:0:r", "请补充办件数量", "so:{n}:0:0:c"),
        decided(0, "return"),
        fresh_item(0),
    ),
    Action(
        "so:r step 2",
        "↩️ 退回 + reason + ✅ 确认 at step 2 `so:N:0:1:r` … `so:N:0:1:c`",
        presses("so:{n}:0:1:r", "请补充办件数量", "so:{n}:0:1:c"),
        decided(1, "return"),
        fresh_item(1),
    ),
    read("/pending", "`/pending`: what waits for one's sign-off (item #1 among it)", FIRST_TITLE),
    Action(
        "so:a /item",
        "✅ 同意 on the card `/item N` shows, at step 1 `so:N:0:0:a`",
        writes_then_presses("/item {n}", "so:{n}:0:0:a"),
        decided(0, "approve"),
        fresh_item(0),
    ),
    Action(
        "so:a /pending",
        "✅ 同意 on `/pending`'s list, at step 2 `so:N:0:1:a`",
        writes_then_presses("/pending", "so:{n}:0:1:a"),
        decided(1, "approve"),
        fresh_item(1),
    ),
    Action(
        "so:c",
        "a return's ✅ 确认 without its reason typed first `so:N:0:0:c`",
        presses("so:{n}:0:0:c"),
        decided(0, "return"),
        fresh_item(0),
    ),
    Action("ed:reg", "登记 `ed:reg:N`", presses("ed:reg:{n}"), registered, fresh_item(2)),
    Action("ed:arc", "归档 `ed:arc:N`", presses("ed:arc:{n}"), archived, fresh_item(2)),
    Action(
        "it:wd",
        "撤回 confirmed `it:wd:N:ok`: the author takes an item back",
        presses("it:wd:{n}:ok"),
        withdrawn_item,
        fresh_item(0),
    ),
    Action(
        "it:full",
        "📄 全文 `it:full:N`: an item whole",
        presses("it:full:{n}"),
        shows("正文。"),
        fresh_item(2),
        read_only=True,
    ),
    Action(
        "ed:unarc",
        "撤销归档 `ed:unarc:N`",
        presses("ed:unarc:{n}"),
        registered,
        fresh_archived,
    ),
    Action(
        "ed:q",
        "the desk's next page `ed:q:1:0:a:0`",
        presses("ed:q:1:0:a:0"),
        shows("待处理的信息"),
        read_only=True,
    ),
    Action(
        "ed:edit",
        "修改 + new text `ed:edit:N`",
        presses("ed:edit:{n}", "改写后的标题\n改写后的正文。", "ed:edok:{n}"),
        edited,
        fresh_item(2),
    ),
    Action(
        "ed:adopt",
        "登记采用: the outlet choice `ed:adopt:N`",
        presses("ed:adopt:{n}"),
        outlets_offered,
        fresh_item(2),
        read_only=True,
    ),
    Action(
        "ed:out",
        "an outlet: adoption recorded `ed:out:N:0`",
        presses("ed:out:{n}:0"),
        adopted,
        fresh_item(2),
    ),
    Action(
        "ed:wd",
        "withdraw an adoption + reason + ✅ 确认 `ed:wd:A` … `ed:wdok:A`",
        presses("ed:wd:{n}", "录错了渠道", "ed:wdok:{n}"),
        withdrawn,
        Harness.adoption,
    ),
    Action(
        "ed:wdok",
        "a withdrawal's ✅ 确认 without its reason typed first `ed:wdok:A`",
        presses("ed:wdok:{n}"),
        withdrawn,
        Harness.adoption,
    ),
    Action(
        "ed:day",
        "an adoption's date + date `ed:day:A`",
        presses("ed:day:{n}", "2026-10-15"),
        redated,
        Harness.adoption,
    ),
    Action(
        "ed:ref",
        "an adoption's issue / URL + text `ed:ref:A`",
        presses("ed:ref:{n}", "第12期"),
        referenced,
        Harness.adoption,
    ),
    Action(
        "rv",
        "修改后重报 of a returned item, confirmed `rv:N`",
        revise,
        resubmitted,
        Harness.returned_item,
    ),
    Action(
        "tk:done",
        "a writing task done `tk:done:T` (an editor's at once; an informant's offers the items"
        " that may answer it, `tk:link:T:N`)",
        presses("tk:done:{n}"),
        closed_or_offered,
        answerable_task,
    ),
    Action(
        "tk:cancel",
        "a writing task cancelled, shown back and confirmed `tk:cancel:T` … `tk:cancelok:T`",
        presses("tk:cancel:{n}", confirm="tk:cancelok:{n}"),
        task_closed("cancelled"),
        Harness.task,
    ),
    Action(
        "tk:cancel shown",
        "✖ 取消任务 alone: shown back with 确认, nothing cancelled `tk:cancel:T`",
        presses("tk:cancel:{n}"),
        asks_to_confirm("tk:cancelok:"),
        Harness.task,
        read_only=True,
    ),
    Action(
        "ad:rv",
        "revoke a role, shown back and confirmed `ad:rv:G` … `ad:rv:G:ok`",
        presses("ad:rv:{n}", confirm="ad:rv:{n}:ok"),
        revoked,
        Harness.spare_grant,
    ),
    Action(
        "ad:rv shown",
        "a role's revoke button alone: shown back with 确认, nothing revoked `ad:rv:G`",
        presses("ad:rv:{n}"),
        asks_to_confirm("ad:rv:"),
        Harness.spare_grant,
        read_only=True,
    ),
    Action(
        "sub:ok",
        "`sub:ok` on someone else's /submit preview",
        confirm_someone_elses_draft,
        bystander_submitted,
    ),
    # 《工作简报》
    Action(
        "/brief",
        "`/brief`: the issue in progress (a new draft)",
        then_cancel(says("/brief")),
        draft_opened,
    ),
    read("/briefs", "`/briefs`: the issues", "各期（最新在前）", "还没有《工作简报》"),
    Action(
        "bf:d add",
        "添加 + item numbers `bf:d:B:add`",
        then_cancel(add_spare),
        spare_added,
        Harness.brief_draft,
    ),
    Action(
        "bf:d h",
        "an entry's heading + text `bf:d:B:h:N`",
        then_cancel(on_entry("h", 0, "改写的简报标题")),
        brief_entry_is(0, heading="改写的简报标题"),
        Harness.brief_draft,
    ),
    Action(
        "bf:d b",
        "an entry's text + text `bf:d:B:b:N`",
        then_cancel(on_entry("b", 0, "改写的简报正文。")),
        brief_entry_is(0, body="改写的简报正文。"),
        Harness.brief_draft,
    ),
    Action(
        "bf:d up",
        "an entry moved up `bf:d:B:up:N`",
        then_cancel(on_entry("up", 1)),
        entries_swapped,
        Harness.brief_draft,
    ),
    Action(
        "bf:d dn",
        "an entry moved down `bf:d:B:dn:N`",
        then_cancel(on_entry("dn", 0)),
        entries_swapped,
        Harness.brief_draft,
    ),
    Action(
        "bf:d rm",
        "an entry removed `bf:d:B:rm:N`",
        then_cancel(on_entry("rm", 0)),
        entry_removed,
        Harness.brief_draft,
    ),
    Action(
        "bf:d date",
        "the issue date + date `bf:d:B:date`",
        then_cancel(yesterday()),
        redated_brief,
        Harness.brief_draft,
    ),
    Action(
        "bf:d send",
        "送审 `bf:d:B:send`",
        then_cancel(presses("bf:d:{n}:send")),
        brief_state("review"),
        Harness.brief_draft,
    ),
    Action(
        "bf:d dropok",
        "a draft cancelled `bf:d:B:dropok`",
        then_cancel(presses("bf:d:{n}:dropok")),
        brief_state("cancelled"),
        Harness.brief_draft,
    ),
    Action(
        "bf:open",
        "a returned issue reopened `bf:open:B`",
        then_cancel(presses("bf:open:{n}")),
        menu_shown,
        fresh_brief("returned"),
        read_only=True,
    ),
    Action(
        "bf:a rv",
        "审核通过 `bf:a:B:1:rv`",
        presses("bf:a:{n}:1:rv"),
        brief_state("signing"),
        fresh_brief("review"),
    ),
    Action(
        "bf:r rv",
        "退回 + reason + ✅ 确认 at review `bf:r:B:1:rv` … `bf:c:B:1:rv`",
        then_cancel(presses("bf:r:{n}:1:rv", "请补充一篇", "bf:c:{n}:1:rv")),
        brief_state("returned"),
        fresh_brief("review"),
    ),
    Action(
        "bf:a sg",
        "签发: the issue issued `bf:a:B:1:sg`",
        presses("bf:a:{n}:1:sg"),
        brief_state("issued"),
        fresh_brief("signing"),
    ),
    Action(
        "bf:r sg",
        "退回 + reason + ✅ 确认 at signing `bf:r:B:1:sg` … `bf:c:B:1:sg`",
        then_cancel(presses("bf:r:{n}:1:sg", "请补充一篇", "bf:c:{n}:1:sg")),
        brief_state("returned"),
        fresh_brief("signing"),
    ),
    Action(
        "bf:c",
        "an issue return's ✅ 确认 without its reason typed first `bf:c:B:1:rv`",
        then_cancel(presses("bf:c:{n}:1:rv")),
        brief_state("returned"),
        fresh_brief("review"),
    ),
    Action(
        "bf:get",
        "an issued issue's document `bf:get:B`",
        presses("bf:get:{n}"),
        document_sent,
        fresh_brief("issued"),
        read_only=True,
    ),
    # routing and website news
    Action(
        "ed:route",
        "去向: the routing suggestion `ed:route:N`",
        presses("ed:route:{n}"),
        routes_shown,
        Harness.registered_item,
        read_only=True,
    ),
    Action(
        "ed:rt ok",
        "确认去向: routes stored `ed:rt:N:M:ok`",
        route_to_brief,
        routed,
        Harness.registered_item,
    ),
    read(
        "/news",
        "`/news`: website news waiting for me",
        "目前没有待您处理的网站新闻",
        "🌐 待审签",
        "🌐 待发布",
        "🌐 我送审的",
    ),
    Action(
        "/news N",
        "`/news N`: a registered item sent to website sign-off",
        says_about("/news {n}"),
        news_started,
        Harness.registered_item,
    ),
    Action(
        "wn:send",
        "送网站审签 `wn:send:N`",
        presses("wn:send:{n}"),
        news_started,
        Harness.registered_item,
    ),
    Action(
        "wn:a",
        "同意发布 `wn:a:W:1`",
        presses("wn:a:{n}:1"),
        news_state("approved"),
        fresh_news("signing"),
    ),
    Action(
        "wn:r",
        "退回 + reason + ✅ 确认 `wn:r:W:1` … `wn:c:W:1`",
        presses("wn:r:{n}:1", "请压缩篇幅", "wn:c:{n}:1"),
        news_state("returned"),
        fresh_news("signing"),
    ),
    Action(
        "wn:c",
        "a website-news return's ✅ 确认 without its reason typed first `wn:c:W:1`",
        presses("wn:c:{n}:1"),
        news_state("returned"),
        fresh_news("signing"),
    ),
    Action(
        "wn:s",
        "重新送审 of returned news `wn:s:W:1`",
        presses("wn:s:{n}:1"),
        news_state("signing", 2),
        fresh_news("returned"),
    ),
    Action(
        "wn:p",
        "已发布 + URL `wn:p:W:1`",
        presses("wn:p:{n}:1", "https://zwfw.example.gov.cn/news/1.html"),
        news_state("published"),
        fresh_news("approved"),
    ),
    Action("/visit", "`/visit` … confirm: a visit logged", log_visit, visit_logged),
    # assessment campaigns (考核)
    Action(
        "/campaign",
        "`/campaign`: an assessment plan's first question (then /cancel)",
        plan_then_cancel,
        shows("请选择考核模板"),
        read_only=True,
    ),
    Action(
        "ca:d a",
        "同意 of a campaign plan `ca:d:p:C:1:1:a`",
        presses("ca:d:p:{n}:1:1:a"),
        campaign_state("running"),
        Harness.campaign,
    ),
    Action(
        "ca:d r",
        "退回 + reason + ✅ 确认 of a campaign plan `ca:d:p:C:1:1:r` … `ca:dc:p:C:1:1:c`",
        presses("ca:d:p:{n}:1:1:r", "日期请再协调", "ca:dc:p:{n}:1:1:c"),
        campaign_state("draft"),
        Harness.campaign,
    ),
    Action(
        "ca:s",
        "the window's self-check opened and its first check answered `ca:s:C:U`, `ca:v:C:U:0:m`",
        answer_first_check,
        first_check_answered,
        Harness.running_campaign,
    ),
    Action(
        "ca:sg",
        "签字确认 of the window's self-check report `ca:sg:C:U`",
        sign_window_report,
        window_report_signed,
        Harness.reported_campaign,
    ),
    Action(
        "ca:pg",
        "自查进度: who has not finished the self-check `ca:pg:C`",
        presses("ca:pg:{n}"),
        shows("自查进度"),
        Harness.running_campaign,
        read_only=True,
    ),
    Action(
        "ca:sf",
        "评分: a unit's first check scored on site `ca:sf:C:U`, then its points typed",
        score_first_check,
        first_check_scored,
        Harness.running_campaign,
    ),
    read(
        "/campaigns",
        "`/campaigns`: the office's campaigns, the unit's self-checks, or the units to score",
        "（进行中）",
        "本单位的考核",
        "待评分的单位",
    ),
    # announcements
    Action(
        "/announce",
        "`/announce` … confirm: an announcement sent",
        announce_all_the_way,
        announced,
    ),
    read("/announced", "`/announced`: recent announcements", "最近的通知", "还没有发布过通知"),
    Action(
        "an:rp",
        "an announcement's delivery report `an:rp:K`",
        presses("an:rp:{n}"),
        shows("📊"),
        Harness.announcement,
        read_only=True,
    ),
    read("/guide", "`/guide`", "信息报送指南"),
    Action("/start CODE", "`/start CODE`: joins by an invite", join_by_invite, joined),
    # Last: each cell leaves a request uncertain for the window head, who would be offered
    # it on writing in any later cell.
    Action(
        "so:a again",
        "✅ 同意 on a request offered again after writing to the bot (the first was lost"
        " in a crash) `so:N:0:0:a`",
        writes_then_presses("/help", "so:{n}:0:0:a"),
        decided(0, "approve"),
        Harness.lost_request,
    ),
)

# The policy (README.md, "In the chat"). Columns in WHO's order:
#   informant, window head, leader (all 市人社局窗口), informant of 城关镇便民服务中心,
#   section staff and editor (综合科), centre leader, main leader and network admin (all 办公室),
#   admin (config.yaml), stranger.
EXPECTED: dict[str, str] = {
    "/start": "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✗",
    "/help": "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✗",
    "/submit": "✓ ✗ ✗ ✓ ✓ ✗ ✗ ✗ ✗ ✗ ✗",
    "/my": "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✗",
    "/unit": "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✗ ✗",
    "/rank": "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✗",
    "/bulletin": "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✗",
    "/item 1": "✓ ✓ ✓ ✗ ✗ ✓ ✓ ✓ ✓ ✗ ✗",
    "/find 一窗通办": "✓ ✓ ✓ ✗ ✗ ✓ ✓ ✓ ✓ ✗ ✗",
    "/queue": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "/task": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "/tasks": "✓ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "/invite": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗",
    "/units": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗",
    "/noinformant": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗",
    "/revoke": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗",
    "/correct": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗",
    "/cancel": "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓",
    "so:a step 1": "✗ ✓ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "so:a step 2": "✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "so:r step 1": "✗ ✓ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "so:r step 2": "✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "/pending": "✗ ✓ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "so:a /item": "✗ ✓ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "so:a /pending": "✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "so:c": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "ed:reg": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "ed:arc": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "it:wd": "✓ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "it:full": "✓ ✓ ✓ ✗ ✗ ✓ ✓ ✓ ✓ ✗ ✗",
    "ed:unarc": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "ed:q": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "ed:edit": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "ed:adopt": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "ed:out": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "ed:wd": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "ed:wdok": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "ed:day": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "ed:ref": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "rv": "✓ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "tk:done": "✓ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "tk:cancel": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "tk:cancel shown": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "ad:rv": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗",
    "ad:rv shown": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗",
    "sub:ok": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "/brief": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "/briefs": "✗ ✗ ✗ ✗ ✗ ✓ ✓ ✓ ✗ ✗ ✗",
    "bf:d add": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "bf:d h": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "bf:d b": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "bf:d up": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "bf:d dn": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "bf:d rm": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "bf:d date": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "bf:d send": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "bf:d dropok": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "bf:open": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "bf:a rv": "✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗",
    "bf:r rv": "✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗",
    "bf:a sg": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗",
    "bf:r sg": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗",
    "bf:c": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "bf:get": "✗ ✗ ✗ ✗ ✗ ✓ ✓ ✓ ✗ ✗ ✗",
    "ed:route": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "ed:rt ok": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "/news": "✗ ✗ ✗ ✗ ✗ ✓ ✓ ✗ ✓ ✗ ✗",
    "/news N": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "wn:send": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "wn:a": "✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗",
    "wn:r": "✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗",
    "wn:c": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "wn:s": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "wn:p": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗",
    "/visit": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "/campaign": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "ca:d a": "✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗",
    "ca:d r": "✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗",
    "ca:s": "✓ ✓ ✓ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "ca:sg": "✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
    "ca:pg": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✗ ✗",
    "ca:sf": "✗ ✗ ✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗",
    "/campaigns": "✓ ✓ ✓ ✗ ✗ ✓ ✗ ✓ ✗ ✗ ✗",
    "/announce": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✓ ✗",
    "/announced": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✓ ✗",
    "an:rp": "✗ ✗ ✗ ✗ ✗ ✓ ✗ ✗ ✗ ✓ ✗",
    "/guide": "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✗",
    "/start CODE": "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓",
    "so:a again": "✗ ✓ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗ ✗",
}


def judge(*, effect: bool, changed: bool, told: bool, read_only: bool) -> str:
    """A cell's outcome: the effect, or a refusal that was said and changed nothing."""
    if effect and not (read_only and changed):
        return ALLOWED
    if changed:
        return CHANGED
    return REFUSED if told else SILENT


async def cell(h: Harness, action: Action, who: Who) -> str:
    """One person does one thing to a fresh target; the outcome."""
    target = await action.prepare(h) if action.prepare is not None else 0
    before = await h.snapshot()
    said = await action.perform(h, who, target)
    changed = await h.snapshot() != before
    effect = await action.effect(h, who, target, said)
    return judge(effect=effect, changed=changed, told=said.told, read_only=action.read_only)


@asynccontextmanager
async def harness(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    """The running bot with everyone joined, item #1 pending at the window head, an open task
    for the window, and the bystander's draft waiting at its preview."""
    async with FakeBotApi() as server:
        db = await Database.open(tmp_path / "bot.db", clock=clock)
        try:
            await db.migrate()
            settings = flow_settings(server, tmp_path / "bot.db")
            await load_units(db, settings)
            async with running(settings, db) as app:  # no scheduler: no sweeps or retries
                h = Harness(server, app, db)
                admin = next(who for who in WHO if who.tg == ADMIN)
                for who in (*WHO, BYSTANDER):
                    if who.unit is not None:
                        made = await h.say(admin, f"/invite {who.unit} {who.role}")
                        code = re.search(r"start=([A-Za-z0-9_-]+)", text_of(made.messages))
                        assert code is not None
                        await h.say(who, f"/start {code[1]}")
                    else:
                        await h.say(who, "/help")
                for key in (
                    "informant",
                    "window_head",
                    "leader",
                    "editor",
                    "centre_leader",
                    "main_leader",
                ):
                    person = await h.person(next(who for who in WHO if who.key == key))
                    assert person is not None
                    h.crew[key] = person
                assert await h.item_at(0, FIRST_TITLE) == 1
                assert await h.task(STANDING_TASK) == 1
                h.bystander_preview = await h.submit_to_preview(BYSTANDER, "旁观者的信息")
                assert has_button([h.bystander_preview], "sub:ok")
                yield h
        finally:
            await db.close()


async def test_every_command_and_button_for_every_role(tmp_path: Path, clock: FakeClock) -> None:
    async with harness(tmp_path, clock) as h:
        observed = {
            action.key: " ".join([await cell(h, action, who) for who in WHO]) for action in ACTIONS
        }
        # The bystander's own Confirm still works: the others' presses were refused, not lost.
        await h.tap(BYSTANDER, "sub:ok")
        assert await bystander_submitted(h, BYSTANDER, 0, Said(False))
    wrong = [
        f"  {key}: expected {EXPECTED.get(key)}, observed {row}"
        for key, row in observed.items()
        if EXPECTED.get(key) != row
    ]
    table = "\n".join(f"  {row}  {key}" for key, row in observed.items())
    assert not wrong, (
        f"the bot's authorization differs from EXPECTED:\n{chr(10).join(wrong)}\n"
        f"observed (columns: {', '.join(who.key for who in WHO)}):\n{table}\n"
        f"{LEGEND}\nIf the change is deliberate, update EXPECTED and docs/authorization.md "
        f"({WRITE_DOCS}=1)."
    )
    assert list(observed) == list(EXPECTED)


def render_doc() -> str:
    """docs/authorization.md, from EXPECTED (which the test above checks against the bot)."""
    who_line = {
        "informant": f"信息员 of {WINDOW}",
        "window_head": f"窗口负责人 of {WINDOW}",
        "leader": f"分管领导 of {WINDOW}",
        "other_informant": f"信息员 of {TOWNSHIP} (another unit)",
        "section_staff": f"科室工作人员 of {SECTION}",
        "editor": f"中心信息员（编辑）, section {SECTION}",
        "centre_leader": f"中心分管领导, invited with unit {OFFICE}",
        "main_leader": f"中心主要领导, invited with unit {OFFICE}",
        "network_admin": f"网络管理员, invited with unit {OFFICE}",
        "admin": "the admin listed in `config.yaml` (`admins`), who holds no role",
        "stranger": "somebody who never joined",
    }
    lines = [
        "# Who may do what in the chat",
        "",
        "<!-- Generated by tests/test_authorization.py; do not edit by hand. -->",
        "",
        "Every command and button of the bot, tried by every role and by a stranger against",
        "the running bot (`tests/test_authorization.py`). The test checks this table against",
        "what the bot does and fails when the two differ; after a deliberate change of policy,",
        f"update `EXPECTED` in the test and run it with `{WRITE_DOCS}=1` to rewrite this page.",
        "",
        f"Item #1 is an item of {WINDOW} waiting for its window head. Each button is",
        "tried on a fresh target in the state it needs — N an item of that unit at the step",
        "shown, at the centre, registered or returned; A an adoption; T an open writing task;",
        "G somebody's role; B a 《工作简报》 issue in the state the button needs (a draft with two",
        "entries for the drafting menu); W website news of a registered item; K an announcement;",
        "M the chosen outlets as a bit mask — so one cell never decides another. The columns:",
        "",
        *(f"- **{who.heading}**: {who_line[who.key]}" for who in WHO),
        "",
        "| action | " + " | ".join(who.heading for who in WHO) + " |",
        "|---|" + "---|" * len(WHO),
    ]
    for action in ACTIONS:
        cells = EXPECTED[action.key].split()
        lines.append(f"| {action.label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"{ALLOWED} allowed: the action took effect in the ledger, or (for looking things up)",
        "the answer showed the content.",
        "",
        f"{REFUSED} refused: the person got a refusal — an alert on the button, the stranger",
        "text, a reply saying why, or (for looking things up) an answer without the content —",
        "and nothing changed: items, sign-offs, edits, adoptions, people, roles, invites,",
        "writing tasks, 《工作简报》 issues with their entries and decisions, website news,",
        "routes, visits, announcements and the audit log and outbox are the same before and",
        "after.",
        "",
        f"{SILENT} ignored: no answer at all, and nothing changed.",
        "",
        "Buttons are pressed with forged data on the message that carries them, someone",
        "else's if need be: rights are re-checked on every press, whatever the message.",
        "",
    ]
    return "\n".join(lines)


def test_authorization_doc_is_current() -> None:
    expected = render_doc()
    if os.environ.get(WRITE_DOCS) == "1":
        DOC.write_text(expected, encoding="utf-8")
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert current == expected, (
        f"{DOC.relative_to(REPO)} is out of date with tests/test_authorization.py; rewrite it with\n"
        f"    {WRITE_DOCS}=1 .venv/bin/python -m pytest tests/test_authorization.py"
    )
