"""A campaign's results as one plain sheet (JSON-ready): what closing publishes, what the
workbook is drawn from, and what a running campaign shows so far."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from scoring.assessment import (
    Answer,
    AssessmentTemplate,
    UnitTotals,
    final_check_score,
    praise_list,
    survey_rates,
    unit_totals,
)
from storage import campaign_decisions, campaign_outcomes, campaign_scores, campaigns, people, units
from storage.campaigns import Campaign
from storage.db import Tx
from storage.units import decimal_text


def _text(value: Decimal | None) -> str | None:
    """A score as stored in a sheet."""
    return None if value is None else decimal_text(value)


async def unit_lines(
    tx: Tx, campaign: Campaign, template: AssessmentTemplate, version: int
) -> dict[int, UnitTotals]:
    """Each unit's final check scores, sections, total and computed grade, with the
    settlements in force at `version` (0: while running)."""
    lines, _ = await _compute(tx, campaign, template, version)
    return lines


async def _compute(
    tx: Tx, campaign: Campaign, template: AssessmentTemplate, version: int
) -> tuple[dict[int, UnitTotals], dict[str, Any]]:
    """The totals per unit, and the raw material a sheet prints beside them."""
    scores = await campaign_scores.scores(tx, campaign.id)
    settled = await campaign_scores.settlements(tx, campaign.id, version)
    answers = await campaign_scores.survey_answers(tx, campaign.id)
    by_check: dict[tuple[int, str], list[Decimal]] = {}
    for score in scores:
        by_check.setdefault((score.unit_id, score.check_id), []).append(score.points)
    lines: dict[int, UnitTotals] = {}
    for line in await campaigns.units_of(tx, campaign.id):
        rates = survey_rates(Answer(answer) for answer in answers.get(line.unit_id, []))
        finals = {}
        for check_id in template.check_ids():
            fixed = settled.get((line.unit_id, check_id))
            finals[check_id] = final_check_score(
                template,
                check_id,
                by_check.get((line.unit_id, check_id), []),
                fixed.points if fixed else None,
                rates,
            )
        lines[line.unit_id] = unit_totals(template, finals)
    return lines, {"scores": scores, "settled": settled, "answers": answers}


async def compose(
    tx: Tx, campaign: Campaign, template: AssessmentTemplate, *, version: int
) -> dict[str, Any]:
    """The campaign's sheet from the ledger: per unit its self-check, every member's score,
    the final score of each check (and how it was reached), sections, total, grades, the
    survey's counts and consequences. Deterministic: the same ledger gives the same sheet."""
    lines, raw = await _compute(tx, campaign, template, version)
    grade_rows = await campaign_decisions.grades(tx, campaign.id)
    outcomes = await campaign_outcomes.outcomes(tx, campaign.id)
    selfchecks = {
        (s.unit_id, s.check_id): s.verdict
        for s in await campaign_scores.selfchecks(tx, campaign.id)
    }
    assessors = await campaigns.members(tx, campaign.id, "assessor")
    member_names = {}
    for member in assessors:
        person = await people.get_person(tx, member.person_id)
        member_names[member.person_id] = person.name if person else str(member.person_id)
    survey_check = template.survey_check()
    sheet_units: list[dict[str, Any]] = []
    order: list[int] = []
    grades: dict[int, str] = {}
    for line in await campaigns.units_of(tx, campaign.id):
        unit = await units.get_unit(tx, line.unit_id)
        totals = lines[line.unit_id]
        order.append(line.unit_id)
        row = grade_rows.get(line.unit_id)
        changed = row is not None and row.final is not None and row.final != row.preliminary
        grade = row.final if changed and row is not None and row.final else totals.grade
        grades[line.unit_id] = grade
        answers = raw["answers"].get(line.unit_id, [])
        rates = survey_rates(Answer(answer) for answer in answers)
        checks: dict[str, Any] = {}
        for check_id in template.check_ids():
            fixed = raw["settled"].get((line.unit_id, check_id))
            member_scores = {
                str(s.member_id): decimal_text(s.points)
                for s in raw["scores"]
                if s.unit_id == line.unit_id and s.check_id == check_id
            }
            if fixed is not None:
                how = "settled"
            elif check_id == survey_check and rates.total >= template.survey_rule.min_answers:
                how = "survey"
            elif member_scores:
                how = "members"
            else:
                how = None
            checks[check_id] = {
                "self": selfchecks.get((line.unit_id, check_id)),
                "scores": member_scores,
                "final": _text(totals.checks[check_id]),
                "how": how,
                "settled_reason": fixed.reason if fixed else None,
            }
        sheet_units.append(
            {
                "unit_id": line.unit_id,
                "name": unit.name if unit else str(line.unit_id),
                "onsite_on": line.onsite_on.isoformat(),
                "report": "file" if line.report_file else ("text" if line.report_text else None),
                "signed": line.signed_at is not None,
                "checks": checks,
                "sections": {key: decimal_text(value) for key, value in totals.sections.items()},
                "total": decimal_text(totals.total),
                "computed_grade": totals.grade,
                "preliminary": row.preliminary if row else None,
                "grade": grade,
                "grade_reason": row.reason if changed and row else None,
                "survey": {
                    "satisfied": rates.satisfied,
                    "basic": rates.basic,
                    "dissatisfied": rates.dissatisfied,
                },
                "outcomes": sorted(outcomes.get(line.unit_id, set())),
            }
        )
    graded = {
        unit_id: UnitTotals(t.checks, t.sections, t.total, grades[unit_id], t.complete)
        for unit_id, t in lines.items()
    }
    return {
        "campaign": {
            "id": campaign.id,
            "title": campaign.title,
            "year": campaign.year,
            "scope": campaign.scope,
            "template": campaign.template_key,
        },
        "template": template.model_dump(mode="json"),
        "settlement_version": version,
        "assessors": [{"id": m.person_id, "name": member_names[m.person_id]} for m in assessors],
        "units": sheet_units,
        "praise": praise_list(graded, template.praise_grade, template.praise_top, order),
    }
