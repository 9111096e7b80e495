"""Item cards are channel-neutral cards; Telegram's renderer gives exactly the former HTML."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from channels.telegram.cards import card, editor_keyboard, signoff_keyboard_for
from channels.telegram.render import card_html, keyboard, render_card
from chat.actions import Button
from chat.actions import signoff as so
from chat.cards import Card, Phrase, item_card
from chat.render import WECOM_TEXT
from chat.texts import Texts
from delivery.cards import item_card_of
from scoring.vocab import ItemState, UnitKind
from storage.models import Item, Unit
from tests.flow import REPO
from workflow.views import ItemView

FIXTURE = REPO / "tests" / "fixtures" / "item_cards_telegram.json"
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

#: name: (language, item fields, full text, today) — recorded before cards became neutral.
CASES: dict[str, tuple[str, dict[str, Any], bool, date | None]] = {
    "pending_due": ("zh", {"state": ItemState.PENDING}, False, date(2026, 12, 2)),
    "pending_due_today": ("zh", {"state": ItemState.PENDING}, False, date(2026, 12, 3)),
    "pending_overdue": ("zh", {"state": ItemState.PENDING}, False, date(2026, 12, 9)),
    "pending_no_today": ("zh", {"state": ItemState.PENDING}, False, None),
    "late_at_centre": ("zh", {"state": ItemState.SUBMITTED, "late_days": 3}, False, None),
    "late_and_due": ("zh", {"state": ItemState.PENDING, "late_days": 2}, False, date(2026, 12, 2)),
    "exempt": (
        "zh",
        {"state": ItemState.PENDING, "category": "research"},
        False,
        date(2026, 12, 9),
    ),
    "escaped": ("zh", {"title": "A&B <c> “引号”", "body": "x < y & z > w"}, False, None),
    "unknown_category": ("zh", {"category": "gone"}, False, None),
    "long_preview": ("zh", {"body": "长" * 1600}, False, None),
    "long_full": ("zh", {"body": "长" * 1600}, True, None),
    "exactly_preview": ("zh", {"body": "正" * 1500}, False, None),
    "draft_no_number": ("zh", {"id": 0}, False, None),
    "english": ("en", {"state": ItemState.PENDING, "late_days": 1}, False, date(2026, 12, 2)),
    "english_overdue": ("en", {"state": ItemState.PENDING}, False, date(2026, 12, 9)),
}


def view_of(**fields: Any) -> ItemView:
    """An item of a window unit with the fields given (the rest ordinary)."""
    item = Item(
        **{
            "id": 27,
            "unit_id": 1,
            "author_id": 5,
            "category": "measures",
            "title": "“一窗通办”改革见成效",
            "body": "本月共办理业务 1,234 件。\n群众满意率 99%。",
            "event_date": date(2026, 12, 1),
            "state": ItemState.REGISTERED,
            "chain": "window_head,centre_leader",
            "chain_round": 1,
            "chain_step": 0,
            "submitted_at": NOW,
            "submitted_on": NOW.date(),
            "late_days": 0,
            "centre_at": None,
            "centre_on": None,
            "registered_at": None,
            "registered_by": None,
            "task_id": None,
            "created_at": NOW,
            "updated_at": NOW,
            **fields,
        }
    )
    unit = Unit(
        id=1,
        key="w1",
        name="综合窗口 & 审批科",
        kind=UnitKind.WINDOW,
        monthly_quota=2,
        annual_target=Decimal(10),
        active=True,
        created_at=NOW,
    )
    return ItemView(item=item, unit=unit, author=None, adoptions=[])


def recorded() -> dict[str, dict[str, Any]]:
    """Cards and keyboards as the bot rendered them before."""
    loaded: dict[str, dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("name", sorted(CASES))
def test_item_card_renders_as_before(name: str) -> None:
    """Every case's card, sign-off and editor keyboards are byte-identical to the recording."""
    language, fields, full, today = CASES[name]
    rules = centre_rules(load_settings(REPO / "config.yaml", {}))
    texts = Texts(language)
    view = view_of(**fields)
    before = recorded()[name]
    assert card(texts, rules, view, full=full, today=today) == before["card"]
    assert signoff_keyboard_for(texts, view.item.id, 1, 2).to_dict() == before["signoff"]
    assert editor_keyboard(texts, view.item).to_dict() == before["editor"]


def test_card_is_neutral_and_carries_its_buttons() -> None:
    """The card holds plain values and Buttons; Telegram's renderer escapes and encodes them."""
    rules = centre_rules(load_settings(REPO / "config.yaml", {}))
    view = view_of(title="A&B <c>", state=ItemState.PENDING)
    rows = ((Button("btn.approve", so.Signoff(27, 1, 2, "a")),),)
    neutral = item_card_of(rules, view, today=date(2026, 12, 2), rows=rows)
    assert neutral.title == "A&B <c>"  # not escaped for any channel
    assert neutral.fields["state"] == Phrase("state.pending")
    assert [note.key for note in neutral.notes] == ["card.due"]
    text, markup = render_card(Texts("zh"), neutral)
    assert text == card(Texts("zh"), rules, view, today=date(2026, 12, 2))
    assert "A&amp;B &lt;c&gt;" in text
    assert markup is not None
    assert markup.to_dict() == keyboard(Texts("zh"), rows).to_dict()
    assert markup.inline_keyboard[0][0].callback_data == "so:27:1:2:a"
    assert render_card(Texts("zh"), Card("t", {"number": "", **neutral.fields}, "b"))[1] is None


def test_card_renders_as_plain_text_for_other_channels() -> None:
    """The same card through the plain-text renderer: no tags, nothing escaped."""
    rules = centre_rules(load_settings(REPO / "config.yaml", {}))
    neutral = item_card_of(rules, view_of(title="A&B <c>", late_days=2))
    plain = card_html(Texts("zh", WECOM_TEXT), neutral)
    assert plain.startswith("#27 A&B <c>\n单位：综合窗口 & 审批科")
    assert "⏰ 迟报 2 个工作日" in plain
    assert "<b>" not in plain


def test_item_card_cuts_a_long_text_unless_full() -> None:
    """A preview ends in an ellipsis after 1,500 characters; the full card keeps it all."""
    long = "字" * 1501
    short = item_card(
        number=1,
        title="t",
        unit="u",
        category="c",
        event_date=date(2026, 1, 2),
        state="draft",
        body=long,
    )
    whole = item_card(
        number=1,
        title="t",
        unit="u",
        category="c",
        event_date=date(2026, 1, 2),
        state="draft",
        body=long,
        full=True,
    )
    assert short.body == "字" * 1500 + "…"
    assert whole.body == long
