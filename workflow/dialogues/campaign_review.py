"""Review and correction on the conversation engine: a unit's evidence for one check opened
beside on-site scoring; the preliminary grades as the leading group reviews them, a unit's
grade changed (a grade by its button, the reason typed, held for ✅ 确认); the office's
correction of a closed campaign is `campaign_correct.py`'s."""

from __future__ import annotations

from chat.actions import Button, Rows
from chat.actions import campaign as ca
from chat.dialogue import Flow, Inbound, Invalid, Reply, Step, Stop
from storage.models import Person

from .. import campaign_grades, campaign_review
from ..campaign_common import clean_text
from ..outcomes import Refused
from .base import Base, Draft
from .campaign_settle import CampaignSettle

CANCEL = (Button("btn.campaign_cancel", ca.Cancel()),)
#: A campaign's states as the review card names them.
REVIEW_STATES = {"grade_review": "审定中", "running": "已退回", "closed": "已审定"}


def _two_a_row(buttons: list[Button]) -> Rows:
    """Buttons two a row."""
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


def evidence_replies(shown: campaign_review.EvidenceShown) -> list[Reply]:
    """One check's evidence: a heading, then each text and each photo or file, in order."""
    where = {"unit": shown.unit_name, "n": shown.index + 1, "check": shown.check}
    if not shown.pieces:
        return [Reply("campaign.evidence_none", where)]
    replies = [Reply("campaign.evidence_head", {**where, "count": len(shown.pieces)})]
    for n, (piece, name) in enumerate(shown.pieces, 1):
        if piece.file_key is None:
            replies.append(Reply("campaign.evidence_text", {"n": n, "text": piece.text}))
            continue
        caption = name or piece.kind
        replies.append(
            Reply(
                "campaign.evidence_file",
                {
                    "n": n,
                    "name": caption,
                    "file": {"kind": piece.kind, "key": piece.file_key, "caption": caption},
                },
            )
        )
    return replies


def _grade_buttons(draft: Draft) -> Rows:
    """The template's grades as buttons, then 取消."""
    campaign_id, unit_id = int(draft["campaign"]), int(draft["unit"])
    picks = [
        Button(str(name), ca.PickGrade(campaign_id, unit_id, n))
        for n, name in enumerate(draft["grades"])
    ]
    return (*_two_a_row(picks), CANCEL)


def _grade_answer(event: Inbound, draft: Draft) -> str:
    """The grade picked by its button or typed by name; refused when the template has none
    of that name, or the button is another unit's."""
    press = event.press
    grades = [str(g) for g in draft["grades"]]
    if isinstance(press, ca.PickGrade):
        if (press.campaign_id, press.unit_id) != (draft["campaign"], draft["unit"]):
            raise Refused("forged")
        if not 0 <= press.grade < len(grades):
            raise Refused("forged")
        return grades[press.grade]
    typed = (event.text or "").strip()
    if typed not in grades:
        raise Refused("campaign_unknown_grade", grade=typed)
    return typed


def _reason(event: Inbound, empty: str) -> str:
    """A typed reason: required, within the length kept."""
    try:
        return clean_text(event.text or "", required=True)
    except Refused as refused:
        if refused.key == "campaign_reason_missing":
            raise Invalid(Reply(empty)) from None
        raise


def _stale(self: Base) -> Refused:
    """A confirmation whose question is no longer held."""
    return Refused("confirm_stale", minutes=int(self.rules.typed_answer.total_seconds() // 60))


class CampaignReview(CampaignSettle):
    """Evidence beside scoring, the grades under review and their change, corrections (its
    presses answered before settling's)."""

    async def review_card(self, person: Person, campaign_id: int) -> Reply:
        """The grades proposed, each change with who made it and why; a leading-group member
        gets a button per unit while the grades are under review."""
        review = await campaign_review.grades_under_review(self.db, person, campaign_id)
        lines = []
        for n, line in enumerate(review.lines, 1):
            said = f"{n}. {line.name}：{line.total} 分，{line.preliminary}"
            if line.final is not None:
                said += f" → {line.final}（{line.changed_by} 调整，理由：{line.reason}）"
            lines.append(said)
        rows: Rows = ()
        if review.may_change:
            rows = _two_a_row(
                [
                    Button(
                        "btn.campaign_change_grade",
                        ca.ChangeGrade(campaign_id, line.unit_id),
                        {"unit": line.name},
                    )
                    for line in review.lines
                ]
            )
        hint = (Reply("campaign.grade_review_hint"),) if review.may_change else ()
        return Reply(
            "campaign.grade_review",
            {
                "title": review.title,
                "state": REVIEW_STATES.get(review.state, review.state),
                "lines": "\n".join(lines),
            },
            buttons=rows,
            also=hint,
        )

    async def settle_press(self, person: Person, press: ca.Press) -> list[Reply]:
        """查看材料 outside scoring, 查看等次, and stale confirmations; the rest to settling."""
        if isinstance(press, ca.Evidence):
            shown = await campaign_review.evidence_of(
                self.db, person, press.campaign_id, press.unit_id, press.index
            )
            return evidence_replies(shown)
        if isinstance(press, ca.GradeReview):
            return [await self.review_card(person, press.campaign_id)]
        if isinstance(press, ca.ConfirmGrade | ca.ConfirmCorrect):
            raise _stale(self)
        return await super().settle_press(person, press)

    # a grade changed under review -------------------------------------------------------

    def campaign_grade_change(self) -> Flow:
        """✏️ on the review card: the new grade by its button, the reason typed, both shown
        back and held for ✅ 确认; only the confirmation changes the grade."""

        async def start(event: Inbound) -> Draft | None:
            """A unit's ✏️ pressed by a leading-group member while the grades are reviewed."""
            press = event.press
            if not isinstance(press, ca.ChangeGrade):
                return None
            person = await self._person(event.person_id)
            line = await campaign_review.grade_to_change(
                self.db, person, press.campaign_id, press.unit_id
            )
            review = await campaign_review.grades_under_review(self.db, person, press.campaign_id)
            return {
                "campaign": press.campaign_id,
                "unit": press.unit_id,
                "unit_name": line.name,
                "total": line.total,
                "preliminary": line.preliminary,
                "old": line.final or line.preliminary,
                "grades": review.grades,
            }

        async def grade(event: Inbound, draft: Draft) -> Draft:
            """The new grade."""
            if isinstance(event.press, ca.Cancel):
                raise Stop(Reply("campaign.grade_cancelled"))
            return {"grade": _grade_answer(event, draft)}

        async def reason(event: Inbound, draft: Draft) -> Draft:
            """The reason for the change."""
            if isinstance(event.press, ca.Cancel):
                raise Stop(Reply("campaign.grade_cancelled"))
            return {"reason": _reason(event, "campaign.grade_reason_empty")}

        async def confirm(event: Inbound, draft: Draft) -> Draft:
            """✅ 确认 or ✖️ 取消 of this very change."""
            press = event.press
            assert isinstance(press, ca.ConfirmGrade)
            if (press.campaign_id, press.unit_id) != (draft["campaign"], draft["unit"]):
                raise _stale(self)
            return {"confirmed": press.confirmed}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Changes the grade (or drops it, on ✖️ 取消); the review card shown again."""
            if not draft["confirmed"]:
                return [
                    Reply("confirm.kept", how="toast"),
                    Reply("campaign.grade_kept", how="mark"),
                ]
            person = await self._person(event.person_id)
            campaign_id = int(draft["campaign"])
            await campaign_grades.change_grade(
                self.db,
                person,
                campaign_id,
                int(draft["unit"]),
                str(draft["grade"]),
                str(draft["reason"]),
            )
            said = {
                "unit": draft["unit_name"],
                "old": draft["old"],
                "grade": draft["grade"],
                "reason": draft["reason"],
            }
            return [
                Reply("campaign.grade_changed_alert", how="toast"),
                Reply("campaign.grade_changed", said, how="mark"),
                await self.review_card(person, campaign_id),
            ]

        def shown(draft: Draft) -> Reply:
            """The change shown back with its two buttons."""
            key = (int(draft["campaign"]), int(draft["unit"]))
            return Reply(
                "campaign.confirm_grade",
                {
                    "unit": draft["unit_name"],
                    "old": draft["old"],
                    "grade": draft["grade"],
                    "reason": draft["reason"],
                },
                buttons=(
                    (
                        Button("btn.confirm_yes", ca.ConfirmGrade(*key, True)),
                        Button("btn.confirm_no", ca.ConfirmGrade(*key, False)),
                    ),
                ),
            )

        return Flow(
            name="campaign_grade_change",
            what="wait.pending_campaign_grade",
            start=start,
            steps=(
                Step(
                    "grade",
                    lambda draft: Reply(
                        "campaign.ask_grade",
                        {
                            "unit": draft["unit_name"],
                            "total": draft["total"],
                            "preliminary": draft["preliminary"],
                            "grade": draft["old"],
                        },
                        buttons=_grade_buttons(draft),
                    ),
                    grade,
                    next="reason",
                    presses=(ca.PickGrade, ca.Cancel),
                    clears=True,
                ),
                Step(
                    "reason",
                    lambda draft: Reply(
                        "campaign.ask_grade_reason", {"grade": draft["grade"]}, buttons=(CANCEL,)
                    ),
                    reason,
                    next="confirm",
                    presses=(ca.Cancel,),
                ),
                Step(
                    "confirm",
                    shown,
                    confirm,
                    presses=(ca.ConfirmGrade,),
                    takes_text=False,
                    held=True,
                ),
            ),
            finish=finish,
            not_text="campaign.use_buttons",
        )
