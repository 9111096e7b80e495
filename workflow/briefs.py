"""《工作简报》 issues (第七条): drafted by a centre editor, reviewed by a centre leader in
charge, signed and issued (签发) by a centre main leader; issuing records the adoptions."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from chat.actions import Button, Rows
from chat.actions import briefs as bf
from chat.capabilities import TELEGRAM, WECOM, Capabilities, narrowest
from chat.split import split_lines
from scoring.vocab import AT_CENTRE, Role
from storage import adoptions, briefs, files, items, outbox, people, units
from storage.briefs import Brief, BriefDecision, BriefEntry
from storage.db import Database, Tx
from storage.files import StoredFile
from storage.models import Item, Person, Recipient
from workflow.centre import editor_grant, record_adoption_at
from workflow.closing import ensure_open
from workflow.notices import post
from workflow.outcomes import Notice, Refused
from workflow.rules import CentreRules
from workflow.submission import check_body, check_reason, check_title
from workflow.typed_dates import DAYS_BACK, parse_day

REVIEW, SIGN = "review", "sign"
#: The role that decides each step.
STEP_ROLES = {REVIEW: Role.CENTRE_LEADER, SIGN: Role.MAIN_LEADER}
STEP_STATES = {REVIEW: "review", SIGN: "signing"}
MAX_ENTRIES = 12  # an issue prints a handful (each channel's menu of a full issue must fit it)
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: How far ahead of today an issue may be dated (a typo of a year is refused, not printed).
#: Image types a .docx can embed (python-docx reads these); other attachments are left out.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"})
#: Room kept in each message of an issue's full text for its heading line ("全文（2/5）").
_HEADING_ROOM = "中" * 60
_RELATIVE = re.compile(r"周|星期|礼拜")
_NUMBER = re.compile(r"#?([0-9]{1,12})")
_SEPARATORS = re.compile(r"[\s,，、;；]+")


@dataclass(frozen=True, slots=True)
class EntryView:
    """An entry with the item it prints and that item's unit."""

    entry: BriefEntry
    item: Item
    unit: str


@dataclass(frozen=True, slots=True)
class BriefView:
    """An issue with its entries, decisions and the name of the editor who drafted it."""

    brief: Brief
    entries: list[EntryView]
    decisions: list[BriefDecision]
    author: str
    names: dict[int, str] = field(default_factory=dict)  # deciders' names by person id
    total: int = 0  # its running number over every year (总第N期), counting issued issues


@dataclass(frozen=True, slots=True)
class BriefContent:
    """What an issue's document shows: masthead, number, date, entries and distribution."""

    title: str
    issuing_body: str
    year: int
    number: int
    issue_date: date
    entries: tuple[tuple[str, str], ...]  # (heading, body) in print order
    report_to: tuple[str, ...] = ()
    units: tuple[str, ...] = ()  # each entry's 供稿单位, in the entries' order
    total_number: int | None = None  # 总第N期: issued issues of every year up to this one
    send_to: tuple[str, ...] = ()
    issue_to: tuple[str, ...] = ()
    #: each entry's photos (image bytes, in the order attached), in the entries' order
    photos: tuple[tuple[bytes, ...], ...] = ()
    #: each photo's caption (图注, "" for none), shaped as `photos`
    captions: tuple[tuple[str, ...], ...] = ()
    proof_round: int | None = None  # a 清样 for this round's review and signing; None: issued


#: Renders an issue's document (.docx bytes); handed in by the composition root.
Render = Callable[[BriefContent], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class Candidate:
    """An item at the centre an issue could take, and whether it was routed to the bulletin."""

    item: Item
    unit: str
    routed: bool


@dataclass(frozen=True, slots=True)
class Decided:
    """An issue after a decision (or after sending it for review), and who to tell."""

    brief: Brief
    notices: list[Notice] = field(default_factory=list)
    adopted: int = 0  # adoptions recorded on issuing
    skipped: int = 0  # items that already had an adoption at the bulletin outlet


def parse_numbers(text: str) -> list[int]:
    """Item numbers typed as “12 15 18”, “#12，#15、18”; Refused when anything else is there."""
    words = [w for w in _SEPARATORS.split(text.strip()) if w]
    found: list[int] = []
    for word in words:
        match = _NUMBER.fullmatch(word)
        if match is None:
            raise Refused("brief_numbers_unreadable", text=text)
        number = int(match[1])
        if number not in found:
            found.append(number)
    if not found:
        raise Refused("brief_numbers_unreadable", text=text)
    if len(found) > MAX_ENTRIES:
        raise Refused("brief_too_many", limit=MAX_ENTRIES)
    return found


async def _holds(tx: Tx, person: Person, role: Role) -> bool:
    """Whether the person holds the role now, in any unit."""
    return any(grant.role is role for grant in await people.active_roles(tx, person.id))


async def _editable(tx: Tx, person: Person, brief_id: int) -> Brief:
    """The issue if an editor may still change it (a draft or a returned issue)."""
    await editor_grant(tx, person)
    brief = await briefs.get_brief(tx, brief_id)
    if brief is None:
        raise Refused("brief_unknown")
    if brief.state not in briefs.EDITABLE:
        raise Refused("brief_not_editable", number=brief.number, state=brief.state)
    return brief


async def _view(tx: Tx, brief: Brief) -> BriefView:
    """An issue with its entries, their items and units, and its decisions."""
    entries = []
    for entry in await briefs.entries_of(tx, brief.id):
        item = await items.get_item(tx, entry.item_id)
        assert item is not None
        unit = await units.get_unit(tx, item.unit_id)
        entries.append(EntryView(entry, item, unit.name if unit else ""))
    author = await people.get_person(tx, brief.created_by)
    decisions = await briefs.decisions_of(tx, brief.id)
    names = {}
    for decided_by in {d.decided_by for d in decisions}:
        decider = await people.get_person(tx, decided_by)
        names[decided_by] = decider.name if decider else ""
    total = await briefs.running_number(tx, brief.year, brief.number)
    return BriefView(brief, entries, decisions, author.name if author else "", names, total)


Pictures = tuple[tuple[tuple[bytes, ...], ...], tuple[tuple[str, ...], ...]]


async def _photos(tx: Tx, view: BriefView) -> Pictures:
    """Each entry's item's pictures as bytes (photos, and image files a .docx can hold), in
    the order attached, and their captions (图注); a file kept without its bytes (from before
    files were stored) is left out, as there is nothing to print."""
    found, said = [], []
    for e in view.entries:
        pictures, captions = [], []
        for attached in await items.files_of(tx, e.item.id):
            image = attached.kind == "photo" or (attached.mime_type or "") in IMAGE_TYPES
            stored = await files.get(tx, attached.file_key) if image else None
            if stored is not None and stored.data:
                pictures.append(stored.data)
                captions.append(attached.caption or "")
        found.append(tuple(pictures))
        said.append(tuple(captions))
    return tuple(found), tuple(said)


def content_of(
    rules: CentreRules,
    view: BriefView,
    pictures: Pictures = ((), ()),
    proof_round: int | None = None,
) -> BriefContent:
    """The document content of an issue under the configured masthead and distribution, with
    its entries' photos and their captions, as issued or as the 清样 of a round."""
    publishing = rules.publishing
    return BriefContent(
        title=publishing.brief_title,
        issuing_body=publishing.issuing_body,
        year=view.brief.year,
        number=view.brief.number,
        issue_date=view.brief.issue_date,
        entries=tuple((e.entry.heading, e.entry.body) for e in view.entries),
        units=tuple(e.unit for e in view.entries),
        # 总第N期 only where it says more than 第N期 (issues of earlier years)
        total_number=view.total if view.total and view.total != view.brief.number else None,
        report_to=publishing.report_to,
        send_to=publishing.send_to,
        issue_to=publishing.issue_to,
        photos=pictures[0],
        captions=pictures[1],
        proof_round=proof_round,
    )


def proof_name(content: BriefContent) -> str:
    """A 清样's file name: the issue's, marked 清样 with its round."""
    return (
        f"{content.title}{content.year}年第{content.number}期清样（第{content.proof_round}轮）.docx"
    )


def full_text(view: BriefView) -> list[str]:
    """Every entry in full, as lines: number and heading, its 供稿单位, its text; a blank line
    between entries."""
    lines: list[str] = []
    for number, e in enumerate(view.entries, 1):
        if lines:
            lines.append("")
        lines.append(f"{number}. {e.entry.heading}")
        lines.append(f"（{e.unit}供稿）")
        lines.extend(e.entry.body.splitlines())
    return lines


def capabilities_of(channel: str) -> Capabilities:
    """What one message holds on the channel a person is reached on (unknown: every one's)."""
    known = {TELEGRAM.channel: TELEGRAM, WECOM.channel: WECOM}
    return known.get(channel) or narrowest(TELEGRAM, WECOM)


def issue_day(text: str, today: date, ahead_days: int = 31) -> date:
    """An issue's date as typed: a day named without its year (10月15日, 20号) is the one
    nearest today, up to `ahead_days` ahead (an issue may be dated ahead:
    `publishing.brief_ahead_days`); 今天, 前天 and weekdays as everywhere (`typed_dates`)."""
    past = parse_day(text, today)
    if text.strip() in DAYS_BACK or _RELATIVE.search(text):
        return past
    ahead = parse_day(text, today + timedelta(days=ahead_days))
    return ahead if ahead - today < today - past else past


def summary(view: BriefView) -> str:
    """The issue's headings, one numbered line each, with their units."""
    return "\n".join(
        f"{number}. {e.entry.heading}（{e.unit}）" for number, e in enumerate(view.entries, 1)
    )


async def open_draft(db: Database, rules: CentreRules, person: Person) -> BriefView:
    """The editor's issue in progress (a draft or returned one), or a new draft dated today."""
    async with db.transaction() as tx:
        await editor_grant(tx, person)
        brief = await briefs.open_brief_of(tx, person.id)
        if brief is None:
            today = rules.local_now(tx.now).date()
            brief = await briefs.create_brief(tx, issue_date=today, created_by=person.id)
        return await _view(tx, brief)


async def open_brief(db: Database, person: Person, brief_id: int) -> BriefView:
    """An issue an editor may still change (e.g. one returned to them), to work on."""
    async with db.reading() as tx:
        return await _view(tx, await _editable(tx, person, brief_id))


async def load(db: Database, person: Person, brief_id: int) -> BriefView:
    """An issue as editors and centre leaders see it."""
    async with db.reading() as tx:
        await _may_read(tx, person)
        brief = await briefs.get_brief(tx, brief_id)
        if brief is None:
            raise Refused("brief_unknown")
        return await _view(tx, brief)


async def _may_read(tx: Tx, person: Person) -> None:
    """Editors, centre leaders in charge and main leaders see issues; others are refused."""
    grants = await people.active_roles(tx, person.id)
    readers = {Role.EDITOR, Role.CENTRE_LEADER, Role.MAIN_LEADER}
    if not any(grant.role in readers for grant in grants):
        raise Refused("brief_not_allowed")


async def candidates(
    db: Database, rules: CentreRules, person: Person, brief_id: int
) -> list[Candidate]:
    """Items an issue could take: routed to the bulletin first, then the newest at the centre."""
    outlet = rules.publishing.brief_outlet
    async with db.reading() as tx:
        await _editable(tx, person, brief_id)
        found = await briefs.candidates(tx, brief_id, outlet)
        routed = await briefs.routed_to(tx, [item.id for item in found], outlet)
        result = []
        for item in found:
            unit = await units.get_unit(tx, item.unit_id)
            result.append(Candidate(item, unit.name if unit else "", item.id in routed))
    return result


async def add_items(
    db: Database, rules: CentreRules, person: Person, brief_id: int, item_ids: list[int]
) -> tuple[list[int], list[int]]:
    """Appends items that reached the centre (title and body as they stand); returns those
    added and those already in the issue. Any unknown item refuses the whole list."""
    async with db.transaction() as tx:
        brief = await _editable(tx, person, brief_id)
        present = {e.item_id for e in await briefs.entries_of(tx, brief.id)}
        if len(present | set(item_ids)) > MAX_ENTRIES:
            raise Refused("brief_too_many", limit=MAX_ENTRIES)
        found = []
        for item_id in item_ids:
            item = await items.get_item(tx, item_id)
            if item is None:
                raise Refused("brief_item_unknown", item=item_id)
            if item.state not in AT_CENTRE:
                raise Refused("brief_item_not_at_centre", item=item_id)
            found.append(item)
        added, skipped = [], []
        for item in found:
            heading = check_title(rules, item.title)
            body = check_body(rules, item.body)
            if await briefs.add_entry(
                tx, brief.id, item, heading=heading, body=body, actor_id=person.id
            ):
                added.append(item.id)
            else:
                skipped.append(item.id)
    return added, skipped


async def edit_entry(
    db: Database,
    rules: CentreRules,
    person: Person,
    brief_id: int,
    item_id: int,
    *,
    heading: str | None = None,
    body: str | None = None,
) -> bool:
    """Changes an entry's heading or body for this issue; False if nothing changed."""
    new_heading = check_title(rules, heading) if heading is not None else None
    new_body = check_body(rules, body) if body is not None else None
    async with db.transaction() as tx:
        brief = await _editable(tx, person, brief_id)
        await _entry(tx, brief, item_id)
        return await briefs.update_entry(
            tx, brief.id, item_id, actor_id=person.id, heading=new_heading, body=new_body
        )


async def _entry(tx: Tx, brief: Brief, item_id: int) -> BriefEntry:
    """The issue's entry for an item, or Refused."""
    for entry in await briefs.entries_of(tx, brief.id):
        if entry.item_id == item_id:
            return entry
    raise Refused("brief_entry_unknown", item=item_id)


async def entry(db: Database, person: Person, brief_id: int, item_id: int) -> BriefEntry:
    """One entry of an issue an editor may change (to show its text before editing it)."""
    async with db.reading() as tx:
        return await _entry(tx, await _editable(tx, person, brief_id), item_id)


async def move(db: Database, person: Person, brief_id: int, item_id: int, step: int) -> bool:
    """Moves an entry up (-1) or down (+1); False when it is already first or last."""
    async with db.transaction() as tx:
        brief = await _editable(tx, person, brief_id)
        await _entry(tx, brief, item_id)
        return await briefs.move_entry(tx, brief.id, item_id, step, actor_id=person.id)


async def remove(db: Database, person: Person, brief_id: int, item_id: int) -> bool:
    """Takes an item out of the issue; False if it was not in it (a second press)."""
    async with db.transaction() as tx:
        brief = await _editable(tx, person, brief_id)
        return await briefs.remove_entry(tx, brief.id, item_id, actor_id=person.id)


async def set_date(
    db: Database, rules: CentreRules, person: Person, brief_id: int, day: date
) -> Brief:
    """Changes the issue date (up to `publishing.brief_ahead_days` ahead); another year means that year's
    number."""
    async with db.transaction() as tx:
        brief = await _editable(tx, person, brief_id)
        _not_too_far(rules, tx, day)
        if day == brief.issue_date:
            return brief
        return await briefs.set_issue_date(tx, brief, day, actor_id=person.id)


def _not_too_far(rules: CentreRules, tx: Tx, day: date) -> None:
    """Refuses an issue date more than `publishing.brief_ahead_days` after today."""
    ahead = rules.publishing.brief_ahead_days
    latest = rules.local_now(tx.now).date() + timedelta(days=ahead)
    if day > latest:
        raise Refused("brief_date_too_far", day=day.isoformat(), days=ahead)


async def discard(db: Database, person: Person, brief_id: int) -> Brief:
    """Cancels an issue still being written; its number is free again."""
    async with db.transaction() as tx:
        brief = await _editable(tx, person, brief_id)
        await briefs.transition(
            tx,
            brief.id,
            expected=briefs.EDITABLE,
            new="cancelled",
            actor_id=person.id,
            action="brief.cancel",
        )
        cancelled = await briefs.get_brief(tx, brief.id)
        assert cancelled is not None
    return cancelled


def _buttons(brief_id: int, round_: int, step: bf.Step, approve: str, back: str) -> Rows:
    """The approve / return buttons of a step, as a notice carries them."""
    return (
        (
            Button(approve, bf.Decide(brief_id, round_, step, "a")),
            Button(back, bf.Decide(brief_id, round_, step, "r")),
        ),
    )


async def _step_notices(
    tx: Tx, view: BriefView, step: str, by: str, proof: tuple[BriefContent, bytes]
) -> list[Notice]:
    """Asks every holder of the step's role to decide it, after giving them the issue to read:
    its 清样 (.docx) first, then every entry in full with its 供稿单位 (in as many messages as
    their channel needs), then the request with the summary and the buttons."""
    brief = view.brief
    code: bf.Step = "review" if step == REVIEW else "sign"
    approve = "btn.brief_approve" if step == REVIEW else "btn.brief_sign"
    holders = [p for p in await people.role_holders_anywhere(tx, STEP_ROLES[step]) if p.reachable]
    content, data = proof
    key = files.content_key(data)
    name = proof_name(content)
    await files.put(tx, key, name, DOCX_MIME, data)
    event = f"{brief.id}:{brief.round}"
    head = {"year": brief.year, "number": brief.number}
    params = {
        **head,
        "date": brief.issue_date.isoformat(),
        "count": len(view.entries),
        "summary": summary(view),
        "by": by,
        "round": brief.round,
        "buttons": _buttons(brief.id, brief.round, code, approve, "btn.brief_return"),
    }
    notices = []
    for person in holders:
        await outbox.enqueue(
            tx,
            f"brief_proof:{event}:{step}",
            person.id,
            {"file": key, "caption": name.removesuffix(".docx"), "plain_caption": True},
            kind="document",
        )
        parts = await _text_parts(tx, person.id, view)
        for part, text in enumerate(parts, 1):
            said = {**head, "part": part, "parts": len(parts), "text": text}
            notices.append(Notice(person.id, "brief_text", said, event=f"{event}:{step}:{part}"))
        notices.append(Notice(person.id, f"brief_{step}", params, event=event))
    return notices


async def _text_parts(tx: Tx, person_id: int, view: BriefView) -> list[str]:
    """The issue's full text in the messages of the channel the person is reached on."""
    where = await outbox.address_of(tx, person_id)
    room = capabilities_of(where[1] if where else "")
    return split_lines(full_text(view), lambda text: room.fits(text + _HEADING_ROOM))


async def _proof(tx: Tx, rules: CentreRules, brief: Brief) -> tuple[BriefView, BriefContent]:
    """An issue as it stands and the content of its 清样 for its current round."""
    view = await _view(tx, brief)
    return view, content_of(rules, view, await _photos(tx, view), proof_round=brief.round)


async def _has_holder(tx: Tx, role: Role) -> bool:
    """Whether anybody reachable in Telegram holds the role."""
    return any(p.reachable for p in await people.role_holders_anywhere(tx, role))


def _check_sendable(rules: CentreRules, tx: Tx, view: BriefView) -> None:
    """An issue can go for review: it has entries, and its date is no earlier than any entry
    reached the centre (items are adopted on it) and not too far ahead."""
    brief = view.brief
    if not view.entries:
        raise Refused("brief_empty")
    _not_too_far(rules, tx, brief.issue_date)
    for e in view.entries:
        if e.item.centre_on is not None and brief.issue_date < e.item.centre_on:
            raise Refused(
                "brief_date_before_centre", item=e.item.id, day=e.item.centre_on.isoformat()
            )


async def send_for_review(
    db: Database, rules: CentreRules, person: Person, brief_id: int, *, render: Render
) -> Decided:
    """送审: a draft (round 1) or a revised returned issue (next round) goes to the centre
    leaders in charge with the round's 清样; the issue must have entries and a date items can
    be adopted on. The 清样 is rendered before the transaction, which re-checks that the issue
    is still what was rendered (else `brief_stale`: the editor sends again)."""
    async with db.reading() as tx:
        brief = await _editable(tx, person, brief_id)
        upcoming = brief.round + 1 if brief.state == "returned" else brief.round
        view = await _view(tx, brief)
        _check_sendable(rules, tx, view)
        photos = await _photos(tx, view)
    content = content_of(rules, view, photos, proof_round=upcoming)
    data = await render(content)
    async with db.transaction() as tx:
        brief = await _editable(tx, person, brief_id)
        view = await _view(tx, brief)
        _check_sendable(rules, tx, view)
        if not await _has_holder(tx, Role.CENTRE_LEADER):
            raise Refused("brief_no_holder", role=Role.CENTRE_LEADER.value)
        round_ = brief.round + 1 if brief.state == "returned" else brief.round
        if content_of(rules, view, await _photos(tx, view), proof_round=round_) != content:
            raise Refused("brief_changed", number=brief.number)
        await briefs.transition(
            tx,
            brief.id,
            expected=(brief.state,),
            new="review",
            actor_id=person.id,
            action="brief.send",
            expected_round=brief.round,
            round=round_,
            return_reason=None,
        )
        sent = await briefs.get_brief(tx, brief.id)
        assert sent is not None
        notices = await _step_notices(
            tx, await _view(tx, sent), REVIEW, person.name, (content, data)
        )
        await post(tx, notices)
    return Decided(sent, notices)


async def _open_step(tx: Tx, person: Person, brief_id: int, round_: int, step: str) -> Brief:
    """The issue if this step of this round is still open and the person may decide it."""
    if not await _holds(tx, person, STEP_ROLES[step]):
        raise Refused("brief_not_decider", role=STEP_ROLES[step].value)
    brief = await briefs.get_brief(tx, brief_id)
    if brief is None:
        raise Refused("brief_unknown")
    decided = [
        d for d in await briefs.decisions_of(tx, brief.id) if (d.round, d.step) == (round_, step)
    ]
    if decided:
        raise Refused("brief_already_decided", number=brief.number)
    if brief.state != STEP_STATES[step] or brief.round != round_:
        raise Refused("brief_stale", number=brief.number)
    return brief


async def check_open(
    db: Database, person: Person, *, brief_id: int, round_: int, step: str
) -> BriefView:
    """Checks, changing nothing, that the person may still decide this step (before a reason)."""
    async with db.reading() as tx:
        return await _view(tx, await _open_step(tx, person, brief_id, round_, step))


async def _tell_author(
    tx: Tx, brief: Brief, key: str, params: dict[str, object], event: str
) -> list[Notice]:
    """A notice to the editor who drafted the issue (if reachable)."""
    author = await people.get_person(tx, brief.created_by)
    if author is None or not author.reachable:
        return []
    base: dict[str, object] = {"year": brief.year, "number": brief.number}
    return [Notice(author.id, key, base | params, None, event=event)]


def check_return_reason(reason: str) -> str:
    """A return's reason, cleaned; refused when empty or over the limit (never cut)."""
    return check_reason(reason, "return_needs_reason")


async def return_issue(
    db: Database, person: Person, *, brief_id: int, round_: int, step: str, reason: str
) -> Decided:
    """退回: the reviewer or the signer sends the issue back to its editor with a reason."""
    why = check_return_reason(reason)
    async with db.transaction() as tx:
        brief = await _open_step(tx, person, brief_id, round_, step)
        recorded = await briefs.record_decision(
            tx, brief.id, round_=round_, step=step, decided_by=person.id, approve=False, reason=why
        )
        if recorded is None:
            raise Refused("brief_already_decided", number=brief.number)
        await briefs.transition(
            tx,
            brief.id,
            expected=(STEP_STATES[step],),
            new="returned",
            actor_id=person.id,
            action="brief.return",
            expected_round=round_,
            return_reason=why,
        )
        returned = await briefs.get_brief(tx, brief.id)
        assert returned is not None
        notices = await _tell_author(
            tx,
            returned,
            "brief_returned",
            {
                "by": person.name,
                "role": STEP_ROLES[step].value,
                "reason": why,
                "buttons": ((Button("btn.brief_revise", bf.OpenBrief(brief.id)),),),
            },
            f"{brief.id}:{round_}:{step}",
        )
        await post(tx, notices)
    return Decided(returned, notices)


async def approve_review(
    db: Database,
    rules: CentreRules,
    person: Person,
    *,
    brief_id: int,
    round_: int,
    render: Render,
) -> Decided:
    """审核通过: the centre leader in charge passes the issue on to the main leaders to sign,
    with the round's 清样 (rendered before the transaction; an issue under review cannot
    change, and the transaction checks it did not)."""
    async with db.reading() as tx:
        brief = await _open_step(tx, person, brief_id, round_, REVIEW)
        _, content = await _proof(tx, rules, brief)
    data = await render(content)
    async with db.transaction() as tx:
        brief = await _open_step(tx, person, brief_id, round_, REVIEW)
        if not await _has_holder(tx, Role.MAIN_LEADER):
            raise Refused("brief_no_holder", role=Role.MAIN_LEADER.value)
        if (await _proof(tx, rules, brief))[1] != content:
            raise Refused("brief_stale", number=brief.number)
        recorded = await briefs.record_decision(
            tx,
            brief.id,
            round_=round_,
            step=REVIEW,
            decided_by=person.id,
            approve=True,
            reason=None,
        )
        if recorded is None:
            raise Refused("brief_already_decided", number=brief.number)
        await briefs.transition(
            tx,
            brief.id,
            expected=("review",),
            new="signing",
            actor_id=person.id,
            action="brief.reviewed",
            expected_round=round_,
        )
        moved = await briefs.get_brief(tx, brief.id)
        assert moved is not None
        view = await _view(tx, moved)
        notices = await _step_notices(tx, view, SIGN, person.name, (content, data))
        notices += await _tell_author(
            tx, moved, "brief_reviewed", {"by": person.name}, f"{brief.id}:{round_}"
        )
        await post(tx, notices)
    return Decided(moved, notices)


async def issue(
    db: Database,
    rules: CentreRules,
    person: Person,
    *,
    brief_id: int,
    round_: int,
    render: Callable[[BriefContent], Awaitable[bytes]],
    caption: Callable[[BriefContent], str],
) -> Decided:
    """签发: the main leader signs; one transaction stores the document, marks the issue issued,
    records the bulletin outlet's adoption of every item in it (once per item) and queues the
    document to the distribution chats and the centre's leaders and editors (`caption` gives
    the document's caption as HTML, as the text catalogue makes it).

    The document is built before the transaction; the transaction re-checks the step and that
    the content is what was built (an issue being signed cannot change, so it always is)."""
    outlet = rules.outlets.get(rules.publishing.brief_outlet)
    if outlet is None:
        raise Refused("outlet_unknown", name=rules.publishing.brief_outlet)
    async with db.reading() as tx:
        view = await _view(tx, await _open_step(tx, person, brief_id, round_, SIGN))
        content = content_of(rules, view, await _photos(tx, view))
    data = await render(content)
    text = caption(content)
    async with db.transaction() as tx:
        brief = await _open_step(tx, person, brief_id, round_, SIGN)
        view = await _view(tx, brief)
        if content_of(rules, view, await _photos(tx, view)) != content:
            raise Refused("brief_stale", number=brief.number)
        recorded = await briefs.record_decision(
            tx, brief.id, round_=round_, step=SIGN, decided_by=person.id, approve=True, reason=None
        )
        if recorded is None:
            raise Refused("brief_already_decided", number=brief.number)
        key = f"brief:{brief.id}:{brief.year}:{brief.number}.docx"
        name = f"{content.title}{brief.year}年第{brief.number}期.docx"
        await files.put(tx, key, name, DOCX_MIME, data)
        if not await briefs.transition(
            tx,
            brief.id,
            expected=("signing",),
            new="issued",
            actor_id=person.id,
            action="brief.issue",
            expected_round=round_,
            issued_by=person.id,
            issued_at=tx.now,
            file_key=key,
        ):
            raise Refused("brief_stale", number=brief.number)
        adopted_on = adoption_day(rules, brief, rules.local_now(tx.now).date())
        await ensure_open(tx, adopted_on)  # its adoptions are dated on that day
        notices: list[Notice] = []
        adopted = skipped = 0
        for e in view.entries:
            item = e.item
            if any(a.outlet == outlet.name for a in await adoptions.adoptions_of(tx, item.id)):
                skipped += 1
                continue
            _, told = await record_adoption_at(
                tx,
                rules,
                item,
                outlet,
                adopted_on=adopted_on,
                recorder=person,
                reference=f"第{brief.number}期",
                registrar=brief.created_by,
            )
            adopted += 1
            notices += told
        notices += await _tell_author(
            tx,
            brief,
            "brief_issued",
            {"by": person.name, "adopted": adopted, "skipped": skipped},
            str(brief.id),
        )
        await post(tx, notices)
        for recipient in await _distribution(tx, rules):
            await outbox.enqueue(
                tx,
                f"brief:{brief.id}",
                recipient,
                {"file": key, "caption": text},
                kind="document",
            )
        issued = await briefs.get_brief(tx, brief.id)
        assert issued is not None
    return Decided(issued, notices, adopted, skipped)


def adoption_day(rules: CentreRules, brief: Brief, signed_on: date) -> date:
    """The day an issued issue's adoptions are dated (and the month they count in): its issue
    date, as printed on it (the default), or with `publishing.brief_adopted_on: signing_day`
    the day it was signed (an issue dated ahead then counts in the month it went out)."""
    if rules.publishing.brief_adopted_on == "signing_day":
        return signed_on
    return brief.issue_date


async def _distribution(tx: Tx, rules: CentreRules) -> list[Recipient]:
    """Where an issued document goes: the configured chats, then the centre's leaders, main
    leaders and editors, each once."""
    chats: dict[Recipient, None] = dict.fromkeys(rules.publishing.brief_rooms)
    for role in (Role.CENTRE_LEADER, Role.MAIN_LEADER, Role.EDITOR):
        for holder in await people.role_holders_anywhere(tx, role):
            if holder.reachable:
                chats[holder.id] = None
    return list(chats)


async def list_briefs(db: Database, person: Person, limit: int = 20) -> list[Brief]:
    """The newest issues with their states (for editors and centre leaders)."""
    async with db.reading() as tx:
        await _may_read(tx, person)
        return await briefs.list_briefs(tx, limit)


async def issued_file(db: Database, person: Person, brief_id: int) -> tuple[Brief, StoredFile]:
    """An issued issue's document, to send again."""
    async with db.reading() as tx:
        await _may_read(tx, person)
        brief = await briefs.get_brief(tx, brief_id)
        if brief is None:
            raise Refused("brief_unknown")
        if brief.state != "issued" or brief.file_key is None:
            raise Refused("brief_not_issued", number=brief.number)
        stored = await files.get(tx, brief.file_key)
        if stored is None:
            raise Refused("file_missing")
    return brief, stored


def chinese_date(day: date) -> str:
    """A date as printed on documents: 2026年10月15日."""
    return f"{day.year}年{day.month}月{day.day}日"
