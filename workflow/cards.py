"""An item as a channel-neutral card, and the sign-off and editor buttons that go under it
(built, not rendered): the outbox's notices and the lookups (/item, /pending) show the same."""

from __future__ import annotations

from datetime import date

from chat.actions import Button, Rows
from chat.actions import editor as ed
from chat.actions import signoff as so
from chat.actions import webnews as wn
from chat.cards import Card, Phrase, Standing, item_card
from scoring.vocab import ItemState
from workflow.rules import CentreRules
from workflow.views import Decision, ItemView


def returned_before(last: Decision) -> Phrase:
    """Who returned the item last, in which role, and why: what a resubmission is read with."""
    return Phrase(
        "card.returned_before",
        {"name": last.name, "role": Phrase(f"role.{last.role.value}"), "reason": last.reason or ""},
    )


def signoff_buttons(item_id: int, round_: int, step: int) -> Rows:
    """Approve / Return for one step of one round."""
    return (
        (
            Button("btn.approve", so.Signoff(item_id, round_, step, "a")),
            Button("btn.return", so.Signoff(item_id, round_, step, "r")),
        ),
    )


def editor_buttons(item_id: int) -> Rows:
    """The centre editor's buttons for an item: register, edit, record an adoption; choose
    where it goes (第六条), send it to website sign-off (第七条), archive it (归档)."""
    return (
        (
            Button("btn.register", ed.ItemAction("reg", item_id)),
            Button("btn.edit", ed.ItemAction("edit", item_id)),
            Button("btn.adopt", ed.ItemAction("adopt", item_id)),
        ),
        (
            Button("btn.route_open", ed.ItemAction("route", item_id)),
            Button("btn.web_send", wn.SendNews(item_id)),
            Button("btn.archive", ed.ItemAction("arc", item_id)),
        ),
    )


def editor_rows_for(state: ItemState, item_id: int) -> Rows:
    """The editor's buttons an item in this state takes: the desk's at the centre, undoing
    the archive once archived, none before the centre."""
    if state in (ItemState.SUBMITTED, ItemState.REGISTERED):
        return editor_buttons(item_id)
    if state is ItemState.ARCHIVED:
        return ((Button("btn.unarchive", ed.ItemAction("unarc", item_id)),),)
    return ()


def item_card_of(
    rules: CentreRules,
    view: ItemView,
    full: bool = False,
    today: date | None = None,
    rows: Rows = (),
    history: tuple[Phrase, ...] = (),
) -> Card:
    """An item as a channel-neutral card; given today's date, a pending item also shows its
    deadline and the working days left (only while sign-offs count against it)."""
    item = view.item
    standing = None
    if today is not None and item.state is ItemState.PENDING and rules.judged_at_centre:
        now = rules.timeliness(item.category, item.event_date, today)
        if now.deadline is not None:
            standing = Standing(now.deadline, now.days_left, now.late_days)
    return item_card(
        number=item.id,
        title=item.title,
        unit=view.unit.name,
        category=rules.categories.get(item.category, item.category),
        event_date=item.event_date,
        state=ItemState(item.state).value,
        body=item.body,
        late_days=item.late_days,
        standing=standing,
        full=full,
        rows=rows,
        history=history,
    )
