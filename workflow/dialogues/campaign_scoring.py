"""On-site assessment (实地考核) on the conversation engine: an assessment-group member scores a
unit check by check, the unit's own answer and its evidence shown beside each check (查看材料
sends its texts, photos and files, then asks the same check again), the points typed."""

from __future__ import annotations

from chat.actions import Button, Rows
from chat.actions import campaign as ca
from chat.dialogue import Flow, Inbound, Reply, Step, Stop
from scoring.assessment import AssessmentTemplate
from storage.models import Person

from .. import campaign_review, campaign_scoring, campaign_units, campaigns
from ..outcomes import Refused
from .base import Base, Draft
from .campaign_review import evidence_replies

#: A unit's own answer as the group reads it.
VERDICTS = {"met": "符合", "partly": "部分符合", "not_met": "不符合"}


class CampaignScoring(Base):
    """A member's on-site scores."""

    def campaign_scoring(self) -> Flow:
        """评分 on a unit: each check's points typed (0 … its maximum, steps of 0.1), kept at
        once; scoring again replaces a member's earlier points."""

        async def start(event: Inbound) -> Draft | None:
            """评分 pressed by a member of the campaign's assessment group."""
            press = event.press
            if not isinstance(press, ca.ScoreUnit):
                return None
            person = await self._person(event.person_id)
            mine = await campaign_scoring.assessing(self.db, person)
            found = next(
                (
                    (campaign, line)
                    for campaign, line in mine
                    if (campaign.id, line.unit_id) == (press.campaign_id, press.unit_id)
                ),
                None,
            )
            if found is None:
                raise Refused("campaign_not_assessor")
            campaign, line = found
            view = await campaign_units.view_selfcheck(self.db, person, campaign.id, line.unit_id)
            template = AssessmentTemplate.model_validate(campaign.template)
            answers = {a.check_id: a.verdict for a in view.answers}
            counted: dict[str, int] = {}
            for piece in view.evidence:
                counted[piece.check_id] = counted.get(piece.check_id, 0) + 1
            names = await campaigns.unit_names(self.db, [line.unit_id])
            return {
                "campaign": campaign.id,
                "unit": line.unit_id,
                "unit_name": names[line.unit_id],
                "index": 0,
                "checks": [
                    [
                        f"{s.key}.{c.key}",
                        s.title,
                        c.title,
                        str(c.max_points),
                        VERDICTS.get(answers.get(f"{s.key}.{c.key}", ""), "未答"),
                        counted.get(f"{s.key}.{c.key}", 0),
                    ]
                    for s in template.sections
                    for c in s.checks
                ],
            }

        async def points(event: Inbound, draft: Draft) -> Draft:
            """The points typed for the check at hand, recorded at once."""
            if isinstance(event.press, ca.Pause):
                raise Stop(Reply("campaign.scoring_paused"))
            person = await self._person(event.person_id)
            press = event.press
            if isinstance(press, ca.Evidence):  # refused here, the question standing
                if (press.campaign_id, press.unit_id) != (draft["campaign"], draft["unit"]):
                    raise Refused("forged")
                await campaign_review.evidence_of(
                    self.db, person, press.campaign_id, press.unit_id, press.index
                )
                return {}  # the evidence is shown above the same check, asked again
            index = int(draft["index"])
            await campaign_scoring.score(
                self.db,
                person,
                int(draft["campaign"]),
                int(draft["unit"]),
                str(draft["checks"][index][0]),
                campaign_scoring.parse_points(event.text or ""),
            )
            return {"index": index + 1}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Every check scored."""
            return [
                Reply(
                    "campaign.scored", {"unit": draft["unit_name"], "count": len(draft["checks"])}
                )
            ]

        async def opened(event: Inbound, draft: Draft) -> Draft:
            """The evidence 查看材料 asked for, read when the check is asked again."""
            press = event.press
            if not isinstance(press, ca.Evidence):
                return {}
            person = await self._person(event.person_id)
            shown = await campaign_review.evidence_of(
                self.db, person, press.campaign_id, press.unit_id, press.index
            )
            return {"opened": evidence_replies(shown)}

        def ask(draft: Draft) -> tuple[Reply, ...]:
            """The check at hand, the unit's own answer and evidence beside it (a 查看材料
            button when it has any), after the evidence opened."""
            index = int(draft["index"])
            _, section, title, maximum, verdict, evidence = draft["checks"][index]
            campaign_id, unit_id = int(draft["campaign"]), int(draft["unit"])
            rows: Rows = ((Button("btn.campaign_pause", ca.Pause(campaign_id, unit_id)),),)
            if evidence:
                look = Button(
                    "btn.campaign_evidence",
                    ca.Evidence(campaign_id, unit_id, index),
                    {"count": evidence},
                )
                rows = ((look,), *rows)
            return *draft.get("opened", ()), Reply(
                "campaign.ask_points",
                {
                    "unit": draft["unit_name"],
                    "n": index + 1,
                    "count": len(draft["checks"]),
                    "section": section,
                    "check": title,
                    "max": maximum,
                    "verdict": verdict,
                    "evidence": evidence,
                },
                buttons=rows,
            )

        return Flow(
            name="campaign_scoring",
            what="wait.pending_campaign_scoring",
            start=start,
            steps=(
                Step(
                    "points",
                    ask,
                    points,
                    presses=(ca.Pause, ca.Evidence),
                    show=opened,
                    after=lambda draft: (
                        "points" if int(draft["index"]) < len(draft["checks"]) else None
                    ),
                ),
            ),
            finish=finish,
            not_text="campaign.ask_number",
        )

    async def scoring_list(self, person: Person) -> list[Reply]:
        """/campaigns for an assessment-group member: the units to score, each with 评分, and
        each campaign's score workbook to fetch and send back filled."""
        mine = await campaign_scoring.assessing(self.db, person)
        if not mine:
            return []
        names = await campaigns.unit_names(self.db, [line.unit_id for _, line in mine])
        rows: Rows = tuple(
            (
                Button(
                    f"🧮 {campaign.title} · {names[line.unit_id]}",
                    ca.ScoreUnit(campaign.id, line.unit_id),
                ),
            )
            for campaign, line in mine
        )
        sheets = {campaign.id: campaign for campaign, _ in mine}
        rows += tuple(
            (
                Button("btn.campaign_score_sheet", ca.ScoreSheet(campaign.id)),
                Button("btn.campaign_upload", ca.UploadScores(campaign.id)),
            )
            for campaign in sheets.values()
        )
        lines = [
            f"{campaign.title} · {names[line.unit_id]}：实地考核 {line.onsite_on}"
            for campaign, line in mine
        ]
        return [Reply("campaign.list_assessor", {"lines": "\n".join(lines)}, buttons=rows)]
