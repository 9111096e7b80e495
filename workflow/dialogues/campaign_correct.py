"""The office's correction (更正) of a closed campaign on the conversation engine: the unit,
a check's score or the grade, the new value, the reason, held for ✅ 确认, published as the
next version."""

from __future__ import annotations

from decimal import Decimal

from chat.actions import Button
from chat.actions import campaign as ca
from chat.dialogue import Flow, Inbound, Invalid, Reply, Step, Stop
from scoring.assessment import ScoreOutOfRange, check_score

from .. import campaign_corrections, campaign_scoring
from ..outcomes import Refused
from .base import Base, Draft
from .campaign_review import CANCEL, _grade_answer, _grade_buttons, _reason, _stale, _two_a_row


class CampaignCorrect(Base):
    """更正 of a closed campaign's results."""

    # a correction (更正) of a closed campaign ---------------------------------------------

    def campaign_correct(self) -> Flow:
        """📝 更正结果: the unit, then a check's score or the grade, the new value, the reason,
        shown back and held for ✅ 确认, which publishes the next version."""

        async def start(event: Inbound) -> Draft | None:
            """更正结果 pressed by the office on a closed campaign."""
            press = event.press
            if not isinstance(press, ca.Correct):
                return None
            person = await self._person(event.person_id)
            found = await campaign_corrections.published(self.db, person, press.campaign_id)
            return {
                "campaign": press.campaign_id,
                "title": found.title,
                "version": found.version,
                "units": [[u.unit_id, u.name] for u in found.units],
                "grades": found.grades,
            }

        async def unit(event: Inbound, draft: Draft) -> Draft:
            """The unit, by its button; its line read afresh."""
            press = event.press
            if isinstance(press, ca.Cancel):
                raise Stop(Reply("campaign.correct_cancelled"))
            if not isinstance(press, ca.ToggleUnit):
                raise Invalid(Reply("campaign.use_buttons"))
            person = await self._person(event.person_id)
            found = await campaign_corrections.published(self.db, person, int(draft["campaign"]))
            line = next((u for u in found.units if u.unit_id == press.unit_id), None)
            if line is None:
                raise Refused("campaign_unit_not_assessed")
            return {
                "unit": line.unit_id,
                "unit_name": line.name,
                "total": line.total,
                "grade": line.grade,
                "checks": [[c.index, c.title, c.final, c.max_points] for c in line.checks],
            }

        async def what(event: Inbound, draft: Draft) -> Draft:
            """A check's score or the grade, by its button."""
            press = event.press
            if isinstance(press, ca.Cancel):
                raise Stop(Reply("campaign.correct_cancelled"))
            if not isinstance(press, ca.CorrectCheck | ca.CorrectGrade) or (
                press.campaign_id,
                press.unit_id,
            ) != (draft["campaign"], draft["unit"]):
                raise Invalid(Reply("campaign.use_buttons"))
            if isinstance(press, ca.CorrectGrade):
                return {"kind": "grade", "what": "等次", "old": draft["grade"]}
            if not 0 <= press.index < len(draft["checks"]):
                raise Refused("forged")
            index, title, final, maximum = draft["checks"][press.index]
            return {
                "kind": "check",
                "index": index,
                "check": title,
                "max": maximum,
                "what": f"第 {int(index) + 1} 项“{title}”得分",
                "old": final,
            }

        async def value(event: Inbound, draft: Draft) -> Draft:
            """The corrected score (within the check's range) or grade."""
            if isinstance(event.press, ca.Cancel):
                raise Stop(Reply("campaign.correct_cancelled"))
            if draft["kind"] == "grade":
                return {"new": _grade_answer(event, draft)}
            if event.press is not None:
                raise Invalid(Reply("campaign.ask_number"))
            points = campaign_scoring.parse_points(event.text or "")
            try:
                checked = check_score(points, Decimal(str(draft["max"])))
            except ScoreOutOfRange:
                raise Refused(
                    "campaign_score_out_of_range", number=int(draft["index"]) + 1, max=draft["max"]
                ) from None
            return {"new": f"{checked.normalize():f}"}

        async def reason(event: Inbound, draft: Draft) -> Draft:
            """The reason for the correction."""
            if isinstance(event.press, ca.Cancel):
                raise Stop(Reply("campaign.correct_cancelled"))
            return {"reason": _reason(event, "campaign.correct_reason_empty")}

        async def confirm(event: Inbound, draft: Draft) -> Draft:
            """✅ 确认 or ✖️ 取消 of this very correction."""
            press = event.press
            assert isinstance(press, ca.ConfirmCorrect)
            if (press.campaign_id, press.unit_id) != (draft["campaign"], draft["unit"]):
                raise _stale(self)
            return {"confirmed": press.confirmed}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Publishes the correction as the next version (or drops it, on ✖️ 取消)."""
            if not draft["confirmed"]:
                return [
                    Reply("confirm.kept", how="toast"),
                    Reply("campaign.correct_kept", how="mark"),
                ]
            person = await self._person(event.person_id)
            campaign_id, unit_id = int(draft["campaign"]), int(draft["unit"])
            reason_ = str(draft["reason"])
            if draft["kind"] == "grade":
                done = await campaign_corrections.correct_grade(
                    self.db,
                    person,
                    self.rules.zone,
                    campaign_id,
                    unit_id,
                    str(draft["new"]),
                    reason_,
                )
            else:
                done = await campaign_corrections.correct_check(
                    self.db,
                    person,
                    self.rules.zone,
                    campaign_id,
                    unit_id,
                    await campaign_corrections.check_id_at(
                        self.db, campaign_id, int(draft["index"])
                    ),
                    Decimal(str(draft["new"])),
                    reason_,
                )
            return [
                Reply("campaign.corrected_alert", how="toast"),
                Reply(
                    "campaign.corrected_with" if done.consequences else "campaign.corrected",
                    {
                        "version": done.version,
                        "unit": done.unit_name,
                        "what": done.what,
                        "old": done.old,
                        "new": done.new,
                        "total": done.total,
                        "grade": done.grade,
                        "consequences": done.consequences,
                    },
                    how="mark",
                ),
            ]

        def ask_unit(draft: Draft) -> Reply:
            """The campaign's units as buttons."""
            picks = [Button(str(name), ca.ToggleUnit(int(u))) for u, name in draft["units"]]
            return Reply(
                "campaign.ask_correct_unit",
                {"title": draft["title"], "version": draft["version"]},
                buttons=(*_two_a_row(picks), CANCEL),
            )

        def ask_what(draft: Draft) -> Reply:
            """The unit's checks with their scores, and its grade, as buttons."""
            campaign_id, unit_id = int(draft["campaign"]), int(draft["unit"])
            lines = "\n".join(
                f"{int(i) + 1}. {title}：{final}/{top}" for i, title, final, top in draft["checks"]
            )
            picks = [
                Button(
                    "btn.campaign_correct_check",
                    ca.CorrectCheck(campaign_id, unit_id, int(i)),
                    {"n": int(i) + 1, "score": final, "max": top},
                )
                for i, _, final, top in draft["checks"]
            ]
            grade = Button(
                "btn.campaign_correct_grade",
                ca.CorrectGrade(campaign_id, unit_id),
                {"grade": draft["grade"]},
            )
            return Reply(
                "campaign.ask_correct_what",
                {
                    "unit": draft["unit_name"],
                    "total": draft["total"],
                    "grade": draft["grade"],
                    "lines": lines,
                },
                buttons=(*_two_a_row(picks), (grade,), CANCEL),
            )

        def ask_value(draft: Draft) -> Reply:
            """The new score typed, or the new grade by its button."""
            if draft["kind"] == "grade":
                return Reply(
                    "campaign.ask_correct_grade",
                    {"unit": draft["unit_name"], "old": draft["old"]},
                    buttons=_grade_buttons(draft),
                )
            return Reply(
                "campaign.ask_correct_points",
                {
                    "n": int(draft["index"]) + 1,
                    "check": draft["check"],
                    "old": draft["old"],
                    "max": draft["max"],
                },
                buttons=(CANCEL,),
            )

        def shown(draft: Draft) -> Reply:
            """The correction shown back with its two buttons."""
            key = (int(draft["campaign"]), int(draft["unit"]))
            return Reply(
                "campaign.confirm_correct",
                {
                    "version": int(draft["version"]) + 1,
                    "unit": draft["unit_name"],
                    "what": draft["what"],
                    "old": draft["old"],
                    "new": draft["new"],
                    "reason": draft["reason"],
                },
                buttons=(
                    (
                        Button("btn.confirm_yes", ca.ConfirmCorrect(*key, True)),
                        Button("btn.confirm_no", ca.ConfirmCorrect(*key, False)),
                    ),
                ),
            )

        return Flow(
            name="campaign_correct",
            what="wait.pending_campaign_correct",
            start=start,
            steps=(
                Step(
                    "unit",
                    ask_unit,
                    unit,
                    next="what",
                    presses=(ca.ToggleUnit, ca.Cancel),
                    takes_text=False,
                    clears=True,
                ),
                Step(
                    "what",
                    ask_what,
                    what,
                    next="value",
                    presses=(ca.CorrectCheck, ca.CorrectGrade, ca.Cancel),
                    takes_text=False,
                    clears=True,
                ),
                Step(
                    "value",
                    ask_value,
                    value,
                    next="reason",
                    presses=(ca.PickGrade, ca.Cancel),
                ),
                Step(
                    "reason",
                    lambda draft: Reply(
                        "campaign.ask_correct_reason", {"new": draft["new"]}, buttons=(CANCEL,)
                    ),
                    reason,
                    next="confirm",
                    presses=(ca.Cancel,),
                ),
                Step(
                    "confirm",
                    shown,
                    confirm,
                    presses=(ca.ConfirmCorrect,),
                    takes_text=False,
                    held=True,
                ),
            ),
            finish=finish,
            not_text="campaign.use_buttons",
        )
