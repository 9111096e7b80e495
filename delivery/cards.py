"""Items as cards and the buttons that go with them, for every channel (built, not rendered);
an item's card and its sign-off and editor buttons are built in `workflow.cards` (the
commands outside dialogues show them too) and named here for the outbox and the adapters."""

from __future__ import annotations

from chat.actions import Button, Rows
from chat.actions import item as it
from chat.cards import BODY_PREVIEW, Phrase
from workflow.cards import editor_buttons as editor_buttons
from workflow.cards import editor_rows_for as editor_rows_for
from workflow.cards import item_card_of as item_card_of
from workflow.cards import returned_before
from workflow.cards import signoff_buttons as signoff_buttons
from workflow.views import Decision, ItemView


def history_of(
    view: ItemView, decisions: list[Decision], revised: tuple[Phrase, ...] = ()
) -> tuple[Phrase, ...]:
    """What a signer reads before signing: the author, this round's decisions so far, the
    reason of the last return and what the resubmission changed (`revised`), and that the
    text is cut (its 📄 全文 is `full_text_rows`)."""
    item = view.item
    notes = [Phrase("card.author", {"name": view.author.name})] if view.author else []
    for done in decisions:
        if done.round == item.chain_round and done.decision == "approve":
            notes.append(
                Phrase(
                    "card.step_done",
                    {
                        "step": done.step + 1,
                        "role": Phrase(f"role.{done.role.value}"),
                        "name": done.name,
                    },
                )
            )
    returns = [d for d in decisions if d.decision == "return" and d.round < item.chain_round]
    if returns:
        notes.append(returned_before(returns[-1]))
        notes.extend(revised)
    if len(item.body) > BODY_PREVIEW:
        notes.append(Phrase("card.cut", {"length": len(item.body), "shown": BODY_PREVIEW}))
    return tuple(notes)


def full_text_rows(view: ItemView) -> Rows:
    """A 全文 button when a card shows only the start of the item's text."""
    if len(view.item.body) <= BODY_PREVIEW:
        return ()
    return ((Button("btn.full_text", it.FullText(view.item.id)),),)
