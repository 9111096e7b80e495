"""Assessment campaigns on the conversation engine, past the plan: a leading-group member's
return with its reason (shown back, held for ✅ 确认) and a unit's self-check check by check
with its evidence and report; the presses that finish at once (approve, sign, resubmit,
progress) are `campaign_press`, the same on every channel."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache

from chat.actions import Button
from chat.actions import campaign as ca
from chat.dialogue import Flow, Inbound, Invalid, Reply, Step, Stop
from scoring.assessment import AssessmentTemplate, Verdict
from storage.models import Person

from .. import campaign_grades, campaign_notices, campaign_survey, campaign_units, campaigns
from ..campaign_common import clean_text
from ..campaign_templates import SHIPPED_DIR, load_templates
from ..outcomes import Refused
from ..typed_dates import parse_day
from .base import Base, Draft

MARKS: dict[str, Verdict] = {"m": Verdict.MET, "p": Verdict.PARTLY, "n": Verdict.NOT_MET}
MARK_OF: dict[str, str] = {verdict.value: mark for mark, verdict in MARKS.items()}
#: A campaign's states as people read them.
STATES = {
    "draft": "草稿",
    "plan_review": "方案待审批",
    "running": "进行中",
    "grade_review": "等次待审定",
    "closed": "已结束",
}


@cache
def templates() -> dict[str, AssessmentTemplate]:
    """The shipped templates (第1篇 county, 第3篇 bureau), read once."""
    return load_templates(SHIPPED_DIR)


def onsite_date(text: str, today: date) -> date:
    """An on-site date typed in the forms /submit takes; one typed without a year is the next
    such day (an on-site date lies ahead), not the last one gone by."""
    day = parse_day(text, today)
    if day < today and re.search(r"\d", text) and not re.search(r"\d{4}", text):
        day = parse_day(text, today.replace(year=today.year + 1) - timedelta(days=1))
    return day


def cleared(event: Inbound) -> list[Reply]:
    """The pressed message's buttons taken off (when the channel said which it was)."""
    if event.origin is None:
        return []
    return [Reply("", {"origin": dict(event.origin)}, how="clear")]


class CampaignSteps(Base):
    """A decision's return, a unit's self-check, and the presses that finish at once."""

    # a decision's return -----------------------------------------------------------------

    def campaign_return(self) -> Flow:
        """退回 of the plan or the grades: the reason asked, shown back (held), ✅ 确认 returns
        it and ✖️ 取消 keeps it."""

        async def waiting(
            person_id: int, subject: str, campaign_id: int, round_: int, step: int
        ) -> str:
            """The campaign's title, if this very step waits for this person."""
            person = await self._person(person_id)
            found = await campaigns.waiting_step(
                self.db, campaign_id, "plan" if subject == "p" else "grades"
            )
            if found is None or (found.round, found.step) != (round_, step):
                raise Refused("campaign_decided")
            if found.person_id != person.id:
                raise Refused("not_allowed")
            return await campaigns.title_of(self.db, campaign_id)

        async def start(event: Inbound) -> Draft | None:
            """A return press on a step the member may still decide."""
            press = event.press
            if not isinstance(press, ca.Decide) or press.decision != "r":
                return None
            title = await waiting(
                event.person_id, press.subject, press.campaign_id, press.round, press.step
            )
            return {
                "subject": press.subject,
                "campaign": press.campaign_id,
                "round": press.round,
                "step": press.step,
                "title": title,
                "origin": dict(event.origin) if event.origin is not None else None,
            }

        async def reason(event: Inbound, draft: Draft) -> Draft:
            """The reason (empty or too long: the question stands); decided meanwhile: ends."""
            try:
                checked = clean_text(event.text or "", required=True)
            except Refused as refused:
                if refused.key == "campaign_reason_missing":
                    raise Invalid(Reply("campaign.reason_empty")) from None
                raise
            try:
                await waiting(
                    event.person_id,
                    str(draft["subject"]),
                    int(draft["campaign"]),
                    int(draft["round"]),
                    int(draft["step"]),
                )
            except Refused as refused:
                raise Stop(Reply(f"refused.{refused.key}", dict(refused.params))) from None
            return {"reason": checked}

        async def returned(event: Inbound, draft: Draft) -> list[Reply]:
            """Returns the plan or the grades with the reason."""
            reason = str(draft["reason"])
            decide = (
                campaigns.decide_plan if draft["subject"] == "p" else campaign_grades.decide_grades
            )
            try:
                person = await self._person(event.person_id)
                await decide(
                    self.db,
                    person,
                    self.rules.zone,
                    int(draft["campaign"]),
                    round_=int(draft["round"]),
                    step=int(draft["step"]),
                    approve=False,
                    reason=reason,
                )
            except Refused as refused:
                raise Stop(Reply(f"refused.{refused.key}", dict(refused.params))) from None
            return [
                Reply("campaign.returned_alert", how="toast"),
                Reply("campaign.returned", {"by": person.name, "reason": reason}, how="mark"),
            ]

        def shown(draft: Draft) -> Reply:
            """The reason shown back with its two buttons."""
            key = (int(draft["campaign"]), int(draft["round"]), int(draft["step"]))
            subject: ca.Subject = "p" if draft["subject"] == "p" else "g"
            return Reply(
                "campaign.confirm_return",
                {"title": draft["title"], "reason": draft.get("reason", "")},
                buttons=(
                    (
                        Button("btn.confirm_yes", ca.ConfirmReturn(subject, *key, True)),
                        Button("btn.confirm_no", ca.ConfirmReturn(subject, *key, False)),
                    ),
                ),
            )

        return self.held_return(
            name="campaign_return",
            what="wait.pending_campaign_return",
            start=start,
            ask=lambda draft: Reply("campaign.ask_reason", {"title": draft["title"]}),
            reason=reason,
            shown=shown,
            confirm_press=ca.ConfirmReturn,
            same=lambda press, draft: (
                (press.subject, press.campaign_id, press.round, press.step)
                == (draft["subject"], draft["campaign"], draft["round"], draft["step"])
            ),
            returned=returned,
            kept="campaign.return_kept",
            not_text="campaign.reason_empty",
        )

    # a unit's self-check -----------------------------------------------------------------

    def campaign_selfcheck(self) -> Flow:
        """A unit's self-check: each check answered by a button, its evidence sent (texts,
        photos, files), then the report; the answers are kept as they are given."""

        async def start(event: Inbound) -> Draft | None:
            """自查 pressed, by someone working for the unit while the campaign runs."""
            press = event.press
            if not isinstance(press, ca.SelfCheck):
                return None
            person = await self._person(event.person_id)
            campaign, template, answers = await campaign_units.open_selfcheck(
                self.db, person, press.campaign_id, press.unit_id
            )
            ids = template.check_ids()
            marks = {a.check_id: MARK_OF[a.verdict] for a in answers}
            first = next((i for i, check in enumerate(ids) if check not in marks), len(ids))
            sections = {f"{s.key}.{c.key}": s.title for s in template.sections for c in s.checks}
            return {
                "campaign": campaign.id,
                "unit": press.unit_id,
                "title": campaign.title,
                "index": first,
                "checks": [
                    [check_id, sections[check_id], c.title, str(c.max_points)]
                    for check_id, c in zip(ids, template.checks(), strict=True)
                ],
                "marks": [marks.get(check_id, "") for check_id in ids],
                "added": 0,
                "phase": "",
            }

        def here(draft: Draft) -> tuple[int, int, int]:
            """The campaign, the unit and the check at hand."""
            return int(draft["campaign"]), int(draft["unit"]), int(draft["index"])

        async def answer(event: Inbound, draft: Draft) -> Draft:
            """A check's answer by its button; a typed text points at the buttons."""
            press = event.press
            if isinstance(press, ca.Pause):
                raise Stop(*cleared(event), Reply("campaign.paused"))
            if press is None:
                raise Invalid(Reply("campaign.use_buttons"))
            campaign_id, unit_id, index = here(draft)
            if not isinstance(press, ca.Answer) or (
                press.campaign_id,
                press.unit_id,
                press.index,
            ) != (campaign_id, unit_id, index):
                raise Refused("campaign_step_passed")
            person = await self._person(event.person_id)
            check_id = str(draft["checks"][index][0])
            await campaign_units.answer_check(
                self.db, person, campaign_id, unit_id, check_id, MARKS[press.mark]
            )
            marks = list(draft["marks"])
            marks[index] = press.mark
            return {"marks": marks, "added": 0, "phase": "evidence"}

        async def evidence(event: Inbound, draft: Draft) -> Draft:
            """A piece of evidence (a text, a photo, a file) kept at once, or 下一项."""
            press = event.press
            campaign_id, unit_id, index = here(draft)
            if isinstance(press, ca.Pause):
                raise Stop(*cleared(event), Reply("campaign.paused"))
            if isinstance(press, ca.NextCheck):
                if (press.campaign_id, press.unit_id, press.index) != (campaign_id, unit_id, index):
                    raise Refused("campaign_step_passed")
                return {"index": index + 1, "phase": "next", "added": 0}
            if press is not None:
                raise Refused("campaign_step_passed")
            person = await self._person(event.person_id)
            check_id = str(draft["checks"][index][0])
            if event.file is not None:
                await campaign_units.add_evidence(
                    self.db,
                    person,
                    campaign_id,
                    unit_id,
                    check_id,
                    file_key=event.file.key,
                    photo=event.file.kind == "photo",
                )
            else:
                await campaign_units.add_evidence(
                    self.db, person, campaign_id, unit_id, check_id, text=event.text or ""
                )
            return {"added": int(draft["added"]) + 1, "phase": "evidence"}

        async def report(event: Inbound, draft: Draft) -> Draft:
            """The report: a typed text or a file (checked when it is submitted)."""
            if isinstance(event.press, ca.Pause):
                raise Stop(*cleared(event), Reply("campaign.paused"))
            if event.press is not None:
                raise Refused("campaign_step_passed")
            if event.file is not None:
                return {"report_file": event.file.key}
            text = clean_text(event.text or "", required=True, key="campaign_report_empty")
            return {"report_text": text}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Submits the report; the unit's leaders are asked to sign it."""
            person = await self._person(event.person_id)
            campaign_id, unit_id, _ = here(draft)
            file_key = draft.get("report_file")
            tells = await campaign_units.submit_report(
                self.db,
                person,
                campaign_id,
                unit_id,
                text=str(draft.get("report_text") or ""),
                file_key=str(file_key) if file_key else None,
            )
            return [Reply("campaign.report_sent", {"title": draft["title"], "leaders": len(tells)})]

        def ask_check(draft: Draft) -> Reply:
            """The check at hand with its three answers (the one given, if any, marked)."""
            campaign_id, unit_id, index = here(draft)
            _, section, title, points = draft["checks"][index]
            given = str(draft["marks"][index])
            labels = {
                "m": "btn.campaign_met",
                "p": "btn.campaign_partly",
                "n": "btn.campaign_not_met",
            }
            return Reply(
                "campaign.ask_check",
                {
                    "n": index + 1,
                    "count": len(draft["checks"]),
                    "section": section,
                    "check": title,
                    "points": points,
                    "given": f"（已答：{ {'m': '符合', 'p': '部分符合', 'n': '不符合'}[given] }）"
                    if given
                    else "",
                },
                buttons=(
                    tuple(
                        Button(labels[m], ca.Answer(campaign_id, unit_id, index, m))
                        for m in ("m", "p", "n")
                    ),
                    (Button("btn.campaign_pause", ca.Pause(campaign_id, unit_id)),),
                ),
            )

        def ask_evidence(draft: Draft) -> Reply:
            """Evidence for the check at hand, as many pieces as the unit likes."""
            campaign_id, unit_id, index = here(draft)
            key = "campaign.evidence_added" if int(draft["added"]) else "campaign.ask_evidence"
            return Reply(
                key,
                {"n": index + 1, "added": draft["added"]},
                buttons=(
                    (
                        Button("btn.campaign_next", ca.NextCheck(campaign_id, unit_id, index)),
                        Button("btn.campaign_pause", ca.Pause(campaign_id, unit_id)),
                    ),
                ),
            )

        def ask_report(draft: Draft) -> Reply:
            """The report, once every check is answered."""
            campaign_id, unit_id, _ = here(draft)
            return Reply(
                "campaign.ask_report",
                {"count": len(draft["checks"])},
                buttons=((Button("btn.campaign_pause", ca.Pause(campaign_id, unit_id)),),),
            )

        def past_last(draft: Draft) -> bool:
            """Every check has had its turn."""
            return int(draft["index"]) >= len(draft["checks"])

        def after_evidence(draft: Draft) -> str:
            """More evidence, the next check, or the report."""
            if draft.get("phase") == "evidence":
                return "evidence"
            return "report" if past_last(draft) else "verdict"

        return Flow(
            name="campaign_selfcheck",
            what="wait.pending_selfcheck",
            start=start,
            steps=(
                Step(
                    "verdict",
                    ask_check,
                    answer,
                    next="evidence",
                    presses=ca.ANSWERING,
                    skip=past_last,
                    clears=True,
                ),
                Step(
                    "evidence",
                    ask_evidence,
                    evidence,
                    presses=ca.ANSWERING,
                    takes_files=True,
                    after=after_evidence,
                    skip=past_last,
                    clears=True,
                ),
                Step(
                    "report",
                    ask_report,
                    report,
                    presses=ca.ANSWERING,
                    takes_files=True,
                ),
            ),
            finish=finish,
            not_text="campaign.use_buttons",
        )

    # presses that finish at once, and /campaigns -----------------------------------------

    async def campaign_press(self, person_id: int, press: ca.Press) -> list[Reply]:
        """同意, 签字确认, 重新送审 and 自查进度: each a service call and its replies; a press of
        a dialogue that is not under way is stale."""
        person = await self._person(person_id)
        zone = self.rules.zone
        if isinstance(press, ca.Decide) and press.decision == "a":
            decide = (
                campaigns.decide_plan if press.subject == "p" else campaign_grades.decide_grades
            )
            await decide(
                self.db,
                person,
                zone,
                press.campaign_id,
                round_=press.round,
                step=press.step,
                approve=True,
            )
            return [
                Reply("campaign.approved_alert", how="toast"),
                Reply("campaign.approved", {"by": person.name}, how="mark"),
            ]
        if isinstance(press, ca.Sign):
            await campaign_units.sign_report(self.db, person, press.campaign_id, press.unit_id)
            return [
                Reply("campaign.signed_alert", how="toast"),
                Reply("campaign.signed", {"by": person.name}, how="mark"),
            ]
        if isinstance(press, ca.Resubmit):
            await campaigns.submit_plan(self.db, person, zone, press.campaign_id)
            return [
                Reply("campaign.resubmitted_alert", how="toast"),
                Reply("campaign.resubmitted", how="mark"),
            ]
        if isinstance(press, ca.ProposeGrades):
            await campaign_grades.propose_grades(self.db, person, press.campaign_id)
            return [
                Reply("campaign.proposed_alert", how="toast"),
                Reply("campaign.proposed", how="mark"),
            ]
        if isinstance(press, ca.Progress):
            return [await self._progress(person, press.campaign_id)]
        return await self.settle_press(person, press)

    async def settle_press(self, person: Person, press: ca.Press) -> list[Reply]:
        """Settling's and the score workbook's presses (`CampaignSettle`); none here."""
        raise Refused("campaign_step_passed")

    async def _progress(self, person: Person, campaign_id: int) -> Reply:
        """Who has not finished the self-check (the office's list), those not done first."""
        lines = []
        rates = await campaign_survey.rates(self.db, person, campaign_id)
        for line in await campaign_notices.progress(self.db, person, campaign_id):
            state = "✅ 已签字" if line.signed else ("✍️ 待签字" if line.reported else "⏳ 未提交")
            lines.append(
                f"{line.name}：{state}，已答 {line.answered}/{line.checks}，实地考核 {line.onsite_on}"
                f"；{campaign_survey.rates_line(rates[line.unit_id])}"
            )
        title = await campaigns.title_of(self.db, campaign_id)
        waiting = sum(1 for line in lines if "✅" not in line)
        return Reply(
            "campaign.progress",
            {"title": title, "lines": "\n".join(lines), "waiting": waiting},
        )
