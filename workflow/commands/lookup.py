"""Looking things up, for every channel: /my, /unit, /rank, /bulletin, /item N, /find words,
/pending, and an item's own presses (📄 全文, the author's 撤回)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from chat import numbers
from chat.actions import Button, Press, Rows
from chat.actions import item as it
from chat.actions import revise as rv
from chat.cards import Phrase
from chat.dialogue import Ref, Reply
from scoring.figures import UnitMonth, UnitYear, any_points
from scoring.vocab import ItemState
from storage.db import Database
from storage.models import Person, RoleGrant
from workflow import centre, reach, views, withdrawal
from workflow import periods as closing
from workflow.cards import editor_rows_for, item_card_of, signoff_buttons
from workflow.figures import month_report
from workflow.outcomes import Refused
from workflow.rules import CentreRules
from workflow.typed_dates import parse_month

from . import Answer, card_reply, refusal, say, stored_file

FULLWIDTH_DIGITS: Final = str.maketrans("０１２３４５６７８９", "0123456789")  # a Chinese IME's
PENDING_SHOWN: Final = 20  # items /pending lists at once, each a message with its buttons
RANKED: Final = 20  # units each ranking lists


def forged() -> Answer:
    """A press no codec reads: refused as forged."""
    return Answer([refusal(Refused("forged"))])


def stranger() -> Answer:
    """What someone the ledger does not know is told: how to join."""
    return say("stranger")


async def my_items(db: Database, person: Person | None) -> Answer:
    """/my: the person's latest items, their states and points; a returned one can be
    revised and one still on its way withdrawn (a button each, naming the item)."""
    if person is None:
        return stranger()
    mine = await views.my_items(db, person)
    if not mine:
        return say("my.empty")
    lines, rows = [], []
    for view in mine:
        item = view.item
        points = Reply("my.points", {"points": view.points}) if view.adoptions else ""
        lines.append(
            Reply(
                "my.line",
                {"id": item.id, "title": item.title, "state": _state(item.state), "points": points},
            )
        )
        row = []
        if item.state is ItemState.RETURNED:
            row.append(_numbered("btn.revise", item.id, rv.Revise(item.id)))
        if item.state in withdrawal.WITHDRAWABLE:
            row.append(_numbered("btn.item_withdraw", item.id, it.Withdraw(item.id)))
        if row:
            rows.append(tuple(row))
    return Answer([Reply("my.head", {"count": len(mine)}, tuple(rows), also=tuple(lines))])


def _numbered(label: str, number: int, press: Press) -> Button:
    """A button whose label names the item it acts on."""
    return Button("btn.numbered", press, {"label": Ref(label), "number": number})


def _state(state: str) -> Phrase:
    """An item state's name."""
    return Phrase(f"state.{state}")


async def my_unit(db: Database, rules: CentreRules, person: Person | None) -> Answer:
    """/unit: each of the person's units this month (submitted / quota, points, rank) and its
    year so far, a message each."""
    if person is None:
        return stranger()
    today = rules.local_now(db.clock()).date()
    found = await views.unit_views(db, rules, person, today.year, today.month)
    if not found:
        return say("unit.none")
    replies = []
    for view in found:
        month, year = view.month, view.year
        if month is None or year is None:
            continue
        params = {
            "unit": view.unit.name,
            "year": today.year,
            "month": today.month,
            "submitted": month.counts.submitted,
            "at_centre": month.counts.at_centre,
            "quota": month.counts.monthly_quota,
            "quota_state": Ref("unit.met" if month.quota_met else "unit.not_met"),
            "adopted": month.counts.adopted_items,
            "score": numbers.points(month.score),
            "late": month.counts.late,
            "rank": _rank(month.rank, any_points(view.report.lines)),
            "year_score": numbers.points(year.score),
            "target": numbers.points(year.counts.annual_target),
            "year_count": year.quota_count,
            "year_quota": year.quota_required,
            "year_rank": _rank(year.rank, any_points(view.report.year_to_date)),
        }
        replies.append(Reply("unit.summary", params))
    return Answer(replies)


def _rank(rank: int, ranked: bool) -> Reply:
    """第 N 名, or "none yet" while every unit has 0 points."""
    return Reply("rank.nth", {"rank": rank}) if ranked else Reply("rank.none")


async def ranking(db: Database, rules: CentreRules, person: Person | None) -> Answer:
    """/rank: this month's and this year's ranking (the first 20 of each), in one message."""
    if person is None:
        return stranger()
    today = rules.local_now(db.clock()).date()
    report = await month_report(db, rules.policy, rules.zone, today.year, today.month)
    lines = [
        *_rank_lines(report.lines),
        Reply(""),
        Reply("rank.year_head", {"year": today.year}),
        *_rank_lines(report.year_to_date),
    ]
    head = {"year": today.year, "month": today.month}
    return Answer([Reply("rank.month_head", head, also=tuple(lines))])


def _rank_lines(lines: Sequence[UnitMonth] | Sequence[UnitYear]) -> list[Reply]:
    """The first of a ranking; one line saying so while every unit has 0 points."""
    if not any_points(lines):
        return [Reply("rank.all_zero")]
    return [
        Reply(
            "rank.line",
            {"rank": ln.rank, "unit": ln.counts.name, "score": numbers.points(ln.score)},
        )
        for ln in lines[:RANKED]
    ]


async def bulletin(
    db: Database,
    rules: CentreRules,
    person: Person | None,
    grants: Sequence[RoleGrant],
    typed: str,
    *,
    with_document: bool,
) -> Answer:
    """/bulletin [2026-10 | 10月]: a month's bulletin again (by default last month's), the
    reader's unit marked; as published (with its chart, workbook and, `with_document`, the
    formal 通报) once the month is closed, else a preview that says so."""
    if person is None:
        return stranger()
    today = rules.local_now(db.clock()).date()
    if typed:
        named = parse_month(typed, today)
        if named is None:
            return say("bulletin.usage")
        year, month = named
    else:
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    if (year, month) > (today.year, today.month):
        return say("bulletin.usage")
    report = await closing.bulletin_report(db, rules.policy, rules.zone, year, month)
    mine = next((g.unit_id for g in grants if g.unit_id is not None), None)
    replies = []
    if report.version is None:
        replies.append(Reply("bulletin.preview", {"year": year, "month": month}))
    replies.append(Reply("", {"report": report, "mine": mine}, how="bulletin"))
    if report.version is not None:
        period = f"{year}-{month:02d}"
        replies += [
            stored_file("photo", f"bulletin:{period}:png"),
            stored_file("document", f"bulletin:{period}:xlsx"),
        ]
        if with_document:  # the formal 通报, unless switched off
            replies.append(stored_file("document", f"bulletin:{period}:docx"))
    return Answer(replies)


def item_number(typed: str) -> int | None:
    """The item number typed after /item ("12", "#12", full-width digits), if it is one."""
    words = typed.split()
    word = words[0].strip().translate(FULLWIDTH_DIGITS) if len(words) == 1 else ""
    number = re.fullmatch(r"[#＃]?([0-9]{1,12})", word)
    return int(number[1]) if number is not None else None


async def show_item(db: Database, rules: CentreRules, person: Person | None, typed: str) -> Answer:
    """/item N: one item whole, if the person may see it."""
    number = item_number(typed)
    if number is None:
        return say("item.usage")
    try:
        view = await views.item_view(db, person, number)
    except Refused as refused:
        return Answer([refusal(refused)])
    return Answer(await whole(db, rules, person, view))


async def full_text(
    db: Database, rules: CentreRules, person: Person | None, item_id: int
) -> Answer:
    """📄 全文 pressed: the item whole, as /item N shows it, if the presser may read it."""
    try:
        view = await views.item_view(db, person, item_id)
    except Refused as refused:
        return Answer([refusal(refused)])
    return Answer(await whole(db, rules, person, view))


async def whole(
    db: Database, rules: CentreRules, person: Person | None, view: views.ItemView
) -> list[Reply]:
    """An item whole (cut across messages), its adoptions and credits, its files, and the
    actions open to the reader (a signer's step, else an editor's desk)."""
    lines: list[Reply] = []
    if view.adoptions:
        lines += [Reply(""), Reply("centre.adoptions_head", {"total": view.points})]
        lines += [
            Reply(
                "centre.adoption_line",
                {
                    "outlet": a.outlet,
                    "level": a.level,
                    "points": a.points,
                    "day": a.adopted_on.isoformat(),
                },
            )
            for a in view.adoptions
        ]
    credits = await centre.section_credit_preview(db, rules, view.item.id)
    lines += [
        Reply("centre.edit_credit_line", {"section": section, "points": numbers.points(points)})
        for section, points in credits.items()
    ]
    # Whoever may sign its current step gets that step's buttons (re-checked on a press).
    step = await reach.signable(db, person, view.item.id) if person else None
    rows = signoff_buttons(step.id, step.chain_round, step.chain_step) if step else ()
    if step is None and person is not None:  # an editor gets the actions open to them
        try:
            await centre.ensure_editor(db, person)
        except Refused:
            pass
        else:
            rows = editor_rows_for(view.item.state, view.item.id)
    card = card_reply(item_card_of(rules, view, full=True), rows, split=True)
    shown = Reply(card.key, card.params, card.buttons, also=tuple(lines))
    return [shown, *(stored_file(f.kind, f.file_key) for f in view.files)]


async def pending(db: Database, rules: CentreRules, person: Person | None) -> Answer:
    """/pending (待我审签): every item waiting for this person's sign-off, each with the
    step's ✅ / ↩️ buttons, so a lost request never leaves them without a way to act."""
    if person is None:
        return stranger()
    waiting = await reach.waiting_for(db, person)
    if not waiting:
        return say("pending.none")
    replies = [Reply("pending.head", {"count": len(waiting)})]
    today = rules.local_now(db.clock()).date()
    for entry in waiting[:PENDING_SHOWN]:
        item = entry.item
        view = views.ItemView(item, entry.unit, None, [])
        rows = signoff_buttons(item.id, item.chain_round, item.chain_step)
        replies.append(card_reply(item_card_of(rules, view, today=today), rows))
    if len(waiting) > PENDING_SHOWN:
        replies.append(Reply("pending.more", {"count": len(waiting) - PENDING_SHOWN}))
    return Answer(replies)


async def find(db: Database, person: Person | None, typed: str) -> Answer:
    """/find words: items whose title contains the words, among those the person may see."""
    words = typed.strip()
    if not words:
        return say("find.usage")
    if person is None:
        return stranger()
    found = await views.search(db, person, words)
    if not found:
        return say("find.none", {"text": words[:50]})
    lines = tuple(
        Reply("find.line", {"id": i.id, "state": _state(i.state), "title": i.title}) for i in found
    )
    return Answer([Reply("find.head", {"count": len(found)}, also=lines)])


async def withdraw(db: Database, person: Person | None, press: it.Withdraw) -> Answer:
    """撤回 pressed: the item named with ✅ 确认 / ✖️ 取消 first; only the confirmation takes
    it back (re-checking the author and the item's state); 取消 keeps it."""
    try:
        if person is None:
            raise Refused("not_allowed")
        if press.step == "no":
            return Answer(
                [Reply("confirm.kept", how="toast"), Reply("item.withdraw_kept", how="mark")]
            )
        if press.step is None:
            item = await withdrawal.check(db, person, press.item_id)
            rows = confirm_rows(it.Withdraw(item.id, "ok"), it.Withdraw(item.id, "no"))
            return say("item.confirm_withdraw", {"item": item.id, "title": item.title}, rows)
        done = await withdrawal.withdraw(db, person, press.item_id)
    except Refused as refused:
        return Answer([refusal(refused)])
    return Answer([Reply("item.withdrawn", {"item": done.item.id}, how="mark")], queued=True)


def confirm_rows(yes: Press, no: Press) -> Rows:
    """✅ 确认 / ✖️ 取消 under a destructive step shown back, with the presses they ask for."""
    return ((Button("btn.confirm_yes", yes), Button("btn.confirm_no", no)),)
