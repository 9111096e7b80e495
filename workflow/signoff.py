"""Signing off (审签): one decision per step of an item's chain, idempotent and re-checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from scoring.vocab import ItemState
from storage import items, people, units
from storage.db import Database, Tx
from storage.models import Item, Person
from workflow.notices import post
from workflow.outcomes import Notice, Refused
from workflow.rules import CentreRules
from workflow.submission import check_reason as submission_check_reason
from workflow.submission import reach_centre, roles_in_unit, route_step


def check_reason(text: str) -> str:
    """A cleaned return reason, or Refused saying it is empty or over the limit."""
    return submission_check_reason(text, "return_needs_reason")


class Result(StrEnum):
    """Where a decision left the item."""

    NEXT_STEP = "next_step"  # approved; the next signer is asked
    AT_CENTRE = "at_centre"  # approved at the last step; the item reached the centre
    RETURNED = "returned"  # returned to the author with a reason


@dataclass(frozen=True, slots=True)
class Decided:
    """A recorded decision and the notices it causes."""

    item: Item
    result: Result
    notices: list[Notice] = field(default_factory=list)


async def _open_step(tx: Tx, signer: Person, item_id: int, round_: int, step: int) -> Item:
    """The item if this step is still open and the signer may decide it; else Refused."""
    item = await items.get_item(tx, item_id)
    if item is None:
        raise Refused("item_unknown")
    decisions = await items.signoffs_of(tx, item.id)
    earlier = next((d for d in decisions if (d.round, d.step) == (round_, step)), None)
    if earlier is not None:
        raise Refused("already_decided", decision=earlier.decision, by=earlier.signer_id)
    if item.state is not ItemState.PENDING or item.chain_round != round_ or item.chain_step != step:
        raise Refused("stale", state=item.state.value)
    role = item.chain_roles[step]
    if role not in await roles_in_unit(tx, signer.id, item.unit_id):
        raise Refused("not_signer", role=role.value)
    if signer.id == item.author_id:  # nobody signs their own item (signoff.own_item)
        raise Refused("own_item")
    return item


async def check_open(db: Database, signer: Person, *, item_id: int, round_: int, step: int) -> Item:
    """Checks, without changing anything, that the signer may still decide this step."""
    async with db.reading() as tx:
        return await _open_step(tx, signer, item_id, round_, step)


async def decide(
    db: Database,
    rules: CentreRules,
    signer: Person,
    *,
    item_id: int,
    round_: int,
    step: int,
    approve: bool,
    reason: str | None = None,
) -> Decided:
    """Records a signer's decision on the step a button was made for, if it still stands."""
    reason = None if approve else check_reason(reason or "")
    async with db.transaction() as tx:
        item = await _open_step(tx, signer, item_id, round_, step)
        role = item.chain_roles[step]
        chain = item.chain_roles
        recorded = await items.record_signoff(
            tx,
            item.id,
            round_=round_,
            step=step,
            role=role,
            signer_id=signer.id,
            approve=approve,
            reason=reason,
        )
        if recorded is None:
            raise Refused("already_decided", decision="", by=None)
        unit = await units.get_unit(tx, item.unit_id)
        assert unit is not None
        author = await people.get_person(tx, item.author_id)
        notices: list[Notice] = []
        if not approve:
            await items.transition(
                tx,
                item.id,
                expected=ItemState.PENDING,
                new=ItemState.RETURNED,
                actor_id=signer.id,
                action="item.return",
                expected_round=round_,
                expected_step=step,
            )
            result = Result.RETURNED
            if author and author.reachable:
                notices.append(
                    Notice(
                        author.id,
                        "author_returned",
                        {"reason": recorded.reason, "by": signer.name, "role": role},
                        item.id,
                        event=f"{item.id}:{round_}:{step}",
                    )
                )
        elif step + 1 < len(chain):
            await items.transition(
                tx,
                item.id,
                expected=ItemState.PENDING,
                new=ItemState.PENDING,
                actor_id=signer.id,
                action="item.approve_step",
                expected_round=round_,
                expected_step=step,
                chain_step=step + 1,
                step_since=tx.now,
            )
            moved = await items.get_item(tx, item.id)
            assert moved is not None
            if author and author.reachable:
                notices.append(
                    Notice(
                        author.id,
                        "author_step_approved",
                        {"by": signer.name, "role": role},
                        item.id,
                        event=f"{item.id}:{round_}:{step}",
                    )
                )
            routed = await route_step(tx, rules, moved, unit)  # the author's own step passes
            notices += routed.notices
            result = Result.AT_CENTRE if routed.reached_centre else Result.NEXT_STEP
        else:
            _, _, arrived = await reach_centre(tx, rules, item, actor_id=signer.id, by=signer.name)
            notices += arrived
            result = Result.AT_CENTRE
        await post(tx, notices)
        final = await items.get_item(tx, item.id)
        assert final is not None
    return Decided(final, result, notices)
