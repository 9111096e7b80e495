"""The due-work sweep (run by `bot.scheduler`): bulletins, reminders, calendar warnings and a
closed campaign's results documents, then the outbox."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

from bot import digest, heap
from bot.documents import offload
from bot.documents.bulletin import BulletinText, annual_text
from channels.telegram.cards import card
from chat.texts import Raw, Texts
from delivery.courier import Courier
from storage import document_numbers, files, items, jobs, outbox, units
from storage.db import Database, Tx
from storage.models import Item, Recipient
from workflow import campaign_common, campaign_filing, campaign_notices, reach, schedule
from workflow import campaign_results as campaign_results_
from workflow import periods as closing
from workflow.figures import MonthReport, month_report
from workflow.rules import CentreRules
from workflow.schedule import Outgoing, ScheduleRules, post_once
from workflow.views import ItemView

log = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class Services(Protocol):
    """What the sweep needs of the composition root (the bot's `BotData` is one): the ledger,
    the rules, the texts, the schedule, and the outbox's sender; no chat network's types."""

    @property
    def db(self) -> Database:
        """The ledger."""

    @property
    def rules(self) -> CentreRules:
        """The centre's rules."""

    @property
    def texts(self) -> Texts:
        """The text catalogue."""

    @property
    def schedule(self) -> ScheduleRules:
        """When scheduled messages go out."""

    @property
    def courier(self) -> Courier:
        """The outbox's sender, woken to send what the sweep queued."""


async def sweep(now: datetime, services: Services) -> None:
    """Does whatever is due at `now` and not yet done, has the courier send the outbox and
    waits until it did, then brings the month's figures up to date for whoever asks next."""
    db, rules = services.db, services.rules
    plan = services.schedule
    await _bulletin(now, services, plan)
    await _annual(now, services, plan)
    local = rules.local_now(now)
    today = local.date()
    if await digest.recheck_due(db, local, plan):  # every waiting step looked over, now and then
        if not plan.quiet(local.time()):  # a request nobody surely got is offered again
            await reach.offer_waiting(db, rules, now)
        if schedule.digest_due(rules, plan, now):
            await digest.admin_digest(now, db, rules, services.texts, plan)
    await campaign_results(services)
    if rules.calendar.is_working_day(today) and not plan.quiet(local.time()):
        await _calendar_gaps(now, services)
        await _signoff_reminders(now, services, plan)
        await _due_reminders(now, services)
        await _task_reminders(now, services)
        await _research_reminders(now, services, plan)
        await campaign_reminders(services)
        if schedule.quota_warning_day(rules, plan, today):
            await _quota_reminders(now, services, plan)
    await deliver(services.courier)
    # The month's and the year's figures that /unit and /rank show, counted here rather than
    # by the first person to ask after a start (everyone asking meanwhile waits for that
    # count); kept while the ledger is unchanged, brought up to date by what changed.
    await month_report(db, rules.policy, rules.zone, today.year, today.month)


async def deliver(courier: Courier) -> None:
    """Sends what is due in the outbox through the channel's courier, and waits until it did."""
    courier.wake()
    await courier.idle()


async def _bulletin(now: datetime, services: Services, plan: ScheduleRules) -> None:
    """Last month's bulletin to the bulletin chats and to each unit's signers, once."""
    report = await schedule.due_bulletin(services.db, services.rules, plan, now)
    if report is not None:
        await post_bulletin(services, plan, report)
        heap.trim()  # what its figures and texts took is given back before the sends


#: The bulletin's text messages are queued about this many at a time, each batch in its own
#: transaction (held until the last one releases them with the month's closing), so that the
#: per-unit copies of a province's bulletin are never all in memory at once.
BULLETIN_BATCH = 500


def _bulletin_batches(
    text: BulletinText, period: str, plan: ScheduleRules, audience: schedule.Audience
) -> Iterator[list[Outgoing]]:
    """The bulletin's text messages in batches: plain to the bulletin chats and the centre's
    people, then to each unit's people with their own unit marked (built a unit at a time)."""
    batch: list[Outgoing] = []
    plain: list[Recipient] = [*plan.bulletin_chats, *(p.id for p in audience.centre)]
    if plain:
        parts = text.parts()
        batch += [
            Outgoing(f"bulletin:{period}:{part}", chat, {"text": message})
            for chat in plain
            for part, message in enumerate(parts)
        ]
    for unit_id, people in audience.units.items():
        if len(batch) >= BULLETIN_BATCH:
            yield batch
            batch = []
        parts = text.parts(mine=unit_id)
        batch += [
            Outgoing(f"bulletin:{period}:{part}", person.id, {"text": message})
            for person in people
            for part, message in enumerate(parts)
        ]
    if batch:
        yield batch


async def post_bulletin(services: Services, plan: ScheduleRules, report: MonthReport) -> bool:
    """Queues a month's bulletin (text, chart, workbook and, unless switched off, the formal
    通报 .docx) once; False if it was already posted.

    The documents are rendered first; the texts are then queued in batches, each in its own
    transaction and held (never sent), and the last transaction releases them all with the
    documents, records the bulletin as posted and closes the month. A crash before that leaves
    only held messages, which the next attempt deletes before it queues the bulletin again
    (from the figures of that moment): every reader gets one whole bulletin, once.
    """
    texts, db = services.texts, services.db
    period = f"{report.year}-{report.month:02d}"
    key = schedule.bulletin_key(report.year, report.month)
    async with db.reading() as tx:
        if await jobs.is_done(tx, key):
            return False  # nothing rendered, and no document number given to a month sent
    audience = await schedule.bulletin_audience(db, services.rules, plan.bulletin_audience)
    chats = list(plan.bulletin_chats) + sorted(p.id for p in audience.everyone)
    renders: list[tuple[str, tuple[Any, ...]]] = [
        ("bot.documents.charts:points_chart", (report,)),
        ("bot.documents.workbook:month_workbook_from_ledger", (report, db.path)),
    ]
    made = [("png", "image/png"), ("xlsx", XLSX)]
    if plan.bulletin_document:
        renders.append(await _bulletin_document(services, report, period))
        made.append(("docx", DOCX))
    rendered = await offload.render_all(*renders)
    async with db.transaction() as tx:
        for (suffix, mime), data in zip(made, rendered, strict=True):
            await files.put(
                tx, f"bulletin:{period}:{suffix}", f"通报-{period}.{suffix}", mime, data
            )
    del rendered
    heap.trim()  # the documents' arguments and bytes, before the texts are made
    prefix = f"bulletin:{period}:"
    async with db.transaction() as tx:
        if await jobs.is_done(tx, key):
            return False
        discarded = await outbox.discard_held(tx, prefix)
    if discarded:
        log.warning("%d held messages of the %s bulletin queued again", discarded, period)
    text = await asyncio.to_thread(BulletinText, texts, report)
    batches = _bulletin_batches(text, period, plan, audience)
    queued: set[tuple[str, Recipient]] = set()
    while batch := await asyncio.to_thread(next, batches, None):
        async with db.transaction() as tx:
            for message in batch:
                queued.add((message.purpose, message.to))
                await outbox.enqueue(
                    tx, message.purpose, message.to, message.payload, kind=message.kind, held=True
                )
        del batch
    caption = texts("bulletin.head", year=report.year, month=report.month)
    outgoing = []
    for chat in chats:
        outgoing.append(
            Outgoing(
                f"bulletin:{period}:png",
                chat,
                {"file": f"bulletin:{period}:png", "caption": caption},
                kind="photo",
            )
        )
        for suffix, _ in made[1:]:
            outgoing.append(
                Outgoing(
                    f"bulletin:{period}:{suffix}",
                    chat,
                    {"file": f"bulletin:{period}:{suffix}"},
                    kind="document",
                )
            )
    unique = {(o.purpose, o.to): o for o in outgoing if (o.purpose, o.to) not in queued}

    async def close(tx: Tx) -> None:
        """The held texts go out with the documents, and the month closes with its bulletin:
        its figures are frozen as published."""
        await outbox.release_held(tx, prefix)
        await closing.close_month(tx, report)

    posted = await post_once(
        db, key, list(unique.values()), then=close, count=len(queued) + len(unique)
    )
    if not posted:  # posted meanwhile by another process: what this one held is not sent
        async with db.transaction() as tx:
            await outbox.discard_held(tx, prefix)
    return posted


async def _bulletin_document(
    services: Services, report: MonthReport, period: str
) -> tuple[str, tuple[Any, ...]]:
    """The formal 通报's render, numbered: the number the month was given, else the year's
    next, dated today (kept, so a render again prints the same number and date)."""
    today = services.rules.local_now(services.db.clock()).date()
    async with services.db.transaction() as tx:
        number = await document_numbers.number_for(tx, document_numbers.BULLETIN, period, today)
    publishing = services.rules.publishing
    return (
        "bot.documents.bulletin_doc:month_document_from_ledger",
        (
            report,
            services.db.path,
            number,
            publishing.issuing_body,
            publishing.issue_to,
            None,
            publishing.bulletin_code,
        ),
    )


async def _annual(now: datetime, services: Services, plan: ScheduleRules) -> None:
    """In January: last year's report (text and workbook) to admins and centre leaders, once."""
    due = await schedule.due_annual(services.db, services.rules, plan, now)
    if due is None:
        return
    year, lines = due.year, due.lines
    texts = services.texts
    xlsx = await offload.render("bot.documents.workbook:year_workbook", year, lines)
    async with services.db.transaction() as tx:
        await files.put(tx, f"annual:{year}:xlsx", f"年度考核-{year}.xlsx", XLSX, xlsx)
    outgoing = []
    for chat in await schedule.admins_and_leaders(services.db, services.rules):
        for part, text in enumerate(annual_text(texts, year, lines, due.policy)):
            outgoing.append(Outgoing(f"annual:{year}:{part}", chat, {"text": text}))
        outgoing.append(
            Outgoing(f"annual:{year}:xlsx", chat, {"file": f"annual:{year}:xlsx"}, kind="document")
        )

    async def close(tx: Tx) -> None:
        """The year closes with its report: the sheet money is paid from is frozen."""
        await closing.close_year(tx, due)

    await post_once(services.db, f"annual:{year}", outgoing, then=close)


async def campaign_reminders(services: Services) -> None:
    """Assessment campaigns: units whose on-site day nears with their self-check unsigned, and
    rectifications due or overdue, are reminded (each once a day: the day is in its event)."""
    tells = await campaign_notices.reminders(services.db, services.rules.zone)
    if tells:
        async with services.db.transaction() as tx:
            await campaign_common.post(tx, tells)


async def campaign_results(services: Services) -> int:
    """A closed campaign's results 通报 (.docx) and workbook, rendered in a child process and
    sent to the distribution once per published version, then filed to the upper office a
    campaign names (备案); the messages queued."""

    async def document(content: campaign_results_.ResultsContent) -> bytes:
        """The 通报's bytes."""
        return await offload.render("bot.documents.campaign_doc:render", content)

    async def workbook(sheet: dict[str, object]) -> bytes:
        """The campaign workbook's bytes."""
        return await offload.render("workflow.campaign_workbook:campaign_workbook", sheet)

    queued = await campaign_results_.publish_pending(
        services.db, services.rules, render=document, render_book=workbook
    )
    return queued + await campaign_filing.file_pending(services.db)


async def _research_reminders(now: datetime, services: Services, plan: ScheduleRules) -> None:
    """In December: each section still without a research article is reminded once."""
    texts, rules = services.texts, services.rules
    year = rules.local_now(now).year
    async with services.db.reading() as tx:
        names = {u.id: u.name for u in await units.list_units(tx)}
    for unit_id, informants in await schedule.research_owing(services.db, rules, plan, now):
        key = f"remind:research:{unit_id}:{year}"
        text = texts("remind.research", year=year, unit=names.get(unit_id, ""))
        await post_once(
            services.db,
            key,
            [Outgoing(key, p.id, {"text": text}) for p in informants if p.reachable],
        )


async def _signoff_reminders(now: datetime, services: Services, plan: ScheduleRules) -> None:
    """Reminds signers of items waiting too long; past twice that, tells the next level."""
    texts, rules = services.texts, services.rules
    today = rules.local_now(now).date()
    day = today.isoformat()
    for stale in await schedule.stale_signoffs(services.db, rules, plan, now):
        item = stale.item
        step = f"{item.id}:{item.chain_round}:{item.chain_step}"
        role = item.chain_roles[item.chain_step]
        view = ItemView(item, stale.unit, None, [])
        outgoing = [
            Outgoing(
                f"remind:signoff:{step}:{day}",
                p.id,
                {
                    "text": texts(
                        "remind.signoff",
                        item=item.id,
                        unit=stale.unit.name,
                        days=stale.waiting_days,
                        card=Raw(card(texts, rules, view, today=today)),
                    ),
                    "signoff": _step_of(item),
                },
            )
            for p in stale.signers
            if p.reachable
        ]
        outgoing += [
            Outgoing(
                f"remind:signoff-up:{step}:{day}",
                p.id,
                {
                    "text": texts(
                        "remind.signoff_escalate",
                        item=item.id,
                        unit=stale.unit.name,
                        days=stale.waiting_days,
                        role=texts.role(role),
                    )
                },
            )
            for p in stale.escalate_to
            if p.reachable
        ]
        await post_once(services.db, f"remind:signoff:{step}:{day}", outgoing)


def _step_of(item: Item) -> list[int]:
    """An item's current step, for a reminder to carry that step's buttons."""
    return [item.id, item.chain_round, item.chain_step]


async def _due_reminders(now: datetime, services: Services) -> None:
    """On an item's due day, its current step's signers hear that it must reach the centre
    today; once per item and step (第五条)."""
    texts, rules = services.texts, services.rules
    today = rules.local_now(now).date()
    for due in await schedule.signoffs_due_today(services.db, rules, now):
        item = due.item
        key = items.due_reminder_key(item)
        text = texts(
            "remind.signoff_due",
            item=item.id,
            unit=due.unit.name,
            deadline=due.deadline.isoformat(),
            card=Raw(card(texts, rules, ItemView(item, due.unit, None, []), today=today)),
        )
        payload = {"text": text, "signoff": _step_of(item)}
        await post_once(
            services.db,
            key,
            [Outgoing(key, p.id, payload) for p in due.signers if p.reachable],
        )


async def _task_reminders(now: datetime, services: Services) -> None:
    """Writing tasks: informants on the due day; editors once a task is overdue."""
    texts = services.texts
    today = services.rules.local_now(now).date()
    editors = await schedule.editors(services.db)
    for task, unit, informants in await schedule.tasks_due(services.db, today):
        if task.due_on == today:
            text = texts(
                "remind.task_due",
                title=task.title,
                unit=unit.name,
                event_date=task.event_date.isoformat(),
            )
            await post_once(
                services.db,
                f"remind:task:{task.id}:due",
                [
                    Outgoing(f"remind:task:{task.id}:due", p.id, {"text": text})
                    for p in informants
                    if p.reachable
                ],
            )
        else:
            text = texts(
                "remind.task_overdue", title=task.title, unit=unit.name, due_on=task.due_on
            )
            await post_once(
                services.db,
                f"remind:task:{task.id}:overdue",
                [
                    Outgoing(f"remind:task:{task.id}:overdue", p.id, {"text": text})
                    for p in editors + informants
                    if p.reachable
                ],
            )


async def _quota_reminders(now: datetime, services: Services, plan: ScheduleRules) -> None:
    """N working days before month end: units below quota hear it, informants and signers."""
    texts, rules = services.texts, services.rules
    today = rules.local_now(now).date()
    report = await month_report(services.db, rules.policy, rules.zone, today.year, today.month)
    leaders = await schedule.unit_leaders(services.db, rules)
    informants = await schedule.unit_informants(services.db)
    for line in report.lines:
        if line.quota_met:
            continue
        text = texts(
            "remind.quota",
            days=plan.quota_warning_days,
            unit=line.counts.name,
            count=line.quota_count,
            quota=line.counts.monthly_quota,
            missing=line.counts.monthly_quota - line.quota_count,
        )
        people = leaders.get(line.counts.unit_id, []) + informants.get(line.counts.unit_id, [])
        key = f"remind:quota:{line.counts.unit_id}:{today:%Y-%m}"
        await post_once(
            services.db,
            key,
            [Outgoing(key, p.id, {"text": text}) for p in people if p.reachable],
        )


async def _calendar_gaps(now: datetime, services: Services) -> None:
    """Tells the admins (only), once a year, when the calendar lacks this or next year's
    schedule; the sweep calls it on working days outside quiet hours only."""
    rules: CentreRules = services.rules
    texts: Texts = services.texts
    today = rules.local_now(now).date()
    years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    for year in years:
        if rules.calendar.covers(year):
            continue
        key = f"calendar-gap:{year}"
        text = texts("remind.calendar_gap", year=year)
        admins = await schedule.admins(services.db, rules)
        await post_once(services.db, key, [Outgoing(key, chat, {"text": text}) for chat in admins])
