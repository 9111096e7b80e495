"""Monthly and yearly figures per unit (第四、十、十一、十二条), from counts the ledger aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from scoring.points import edit_credit
from scoring.policy import (
    AssessmentFormula,
    DeductionCombine,
    QuotaBasis,
    QuotaJudgement,
    ScoringPolicy,
)
from scoring.ranking import competition_ranks
from scoring.vocab import UnitKind

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class UnitCounts:
    """What the ledger says of one unit over one period: the only input of the figures."""

    unit_id: int
    name: str
    kind: UnitKind
    monthly_quota: int
    annual_target: Decimal
    has_informant: bool
    submitted: int = 0  # items the informant submitted in the period
    at_centre: int = 0  # items that reached the centre (signed off) in the period
    late: int = 0  # items submitted in the period after the working-day deadline
    adopted_items: int = 0  # distinct items with an adoption dated in the period
    adoptions: int = 0  # adoptions dated in the period
    own_points: int = 0  # points of the unit's own items adopted in the period
    edit_base_points: int = (
        0  # points of other units' items this unit edited, adopted in the period
    )
    research_articles: int = 0  # research-category items that reached the centre in the period
    monthly_quota_counts: tuple[int, ...] = field(default=())  # per month, for every-month quotas


class DeductionReason(StrEnum):
    """Why an info score is cut (第十一条)."""

    NO_INFORMANT = "no_informant"  # 信息员未落实
    QUOTA_MISSED = "quota_missed"  # 未完成报送任务


@dataclass(frozen=True, slots=True)
class Deduction:
    """One deduction and the share of the info score it takes."""

    reason: DeductionReason
    share: Decimal


@dataclass(frozen=True, slots=True)
class UnitMonth:
    """One unit's line of a monthly bulletin."""

    counts: UnitCounts
    edit_credit: Decimal
    score: Decimal
    quota_count: int
    quota_met: bool
    rank: int


@dataclass(frozen=True, slots=True)
class UnitYear:
    """One unit's line of the year-end report: score, reward, assessment and deductions."""

    counts: UnitCounts
    edit_credit: Decimal
    score: Decimal
    quota_required: int
    quota_count: int
    quota_met: bool
    months_below_quota: tuple[int, ...]
    deductions: tuple[Deduction, ...]
    kept_share: Decimal
    assessed_score: Decimal
    target_met: bool
    reward_yuan: Decimal
    assessment: Decimal
    research_duty_met: bool | None  # None where the duty does not apply (not a section)
    rank: int


def unit_score(policy: ScoringPolicy, counts: UnitCounts) -> tuple[Decimal, Decimal]:
    """A unit's info score for the period and the part of it earned by editing others' items."""
    credit = edit_credit(policy, counts.edit_base_points)
    return Decimal(counts.own_points) + credit, credit


def quota_count(policy: ScoringPolicy, counts: UnitCounts) -> int:
    """How many of the unit's items count towards its quota, per the configured basis."""
    if policy.quota_basis is QuotaBasis.AT_CENTRE:
        return counts.at_centre
    return counts.submitted


def month_figures(policy: ScoringPolicy, units: Sequence[UnitCounts]) -> list[UnitMonth]:
    """Every unit's monthly line, ranked by score (ties share a rank), best first."""
    scored = [unit_score(policy, counts) for counts in units]
    ranks = competition_ranks([score for score, _ in scored])
    lines = []
    for counts, (score, credit), rank in zip(units, scored, ranks, strict=True):
        count = quota_count(policy, counts)
        lines.append(
            UnitMonth(
                counts=counts,
                edit_credit=credit,
                score=score,
                quota_count=count,
                quota_met=count >= counts.monthly_quota,
                rank=rank,
            )
        )
    lines.sort(key=lambda line: (line.rank, line.counts.name))
    return lines


def kept_share(policy: ScoringPolicy, deductions: Sequence[Deduction]) -> Decimal:
    """The share of the info score left after the deductions, combined as configured."""
    if not deductions:
        return Decimal(1)
    shares = [deduction.share for deduction in deductions]
    if policy.deduction_combine is DeductionCombine.MULTIPLY:
        kept = Decimal(1)
        for share in shares:
            kept *= Decimal(1) - share
        return kept
    if policy.deduction_combine is DeductionCombine.ADD:
        return max(Decimal(0), Decimal(1) - sum(shares, Decimal(0)))
    return Decimal(1) - max(shares)


def reward_yuan(policy: ScoringPolicy, score: Decimal, target: Decimal) -> Decimal:
    """第十条: the base reward for meeting the target plus so much per point over it; else nothing."""
    if score < target:
        return Decimal(0)
    return policy.reward_base_yuan + policy.reward_per_point_yuan * (score - target)


def assessment_score(policy: ScoringPolicy, score: Decimal, target: Decimal) -> Decimal:
    """第十一条: the info score converted into points of the service target assessment."""
    if target <= 0:
        completion = Decimal(1)
    else:
        completion = score / target
        if policy.assessment_formula is AssessmentFormula.COMPLETION_CAPPED:
            completion = min(completion, Decimal(1))
    return (policy.assessment_weight * completion).quantize(CENT, rounding=ROUND_HALF_UP)


def year_figures(
    policy: ScoringPolicy, units: Sequence[UnitCounts], months: int = 12
) -> list[UnitYear]:
    """Every unit's year-end line over `months` months (12 for a full year), ranked best first."""
    if not 1 <= months <= 12:
        raise ValueError("a year has 1 to 12 months to judge")
    scored = [unit_score(policy, counts) for counts in units]
    ranks = competition_ranks([score for score, _ in scored])
    lines = []
    for counts, (score, credit), rank in zip(units, scored, ranks, strict=True):
        required = counts.monthly_quota * months
        count = quota_count(policy, counts)
        below = tuple(
            month
            for month, month_count in enumerate(counts.monthly_quota_counts[:months], start=1)
            if month_count < counts.monthly_quota
        )
        if policy.quota_judgement is QuotaJudgement.YEAR:
            met = count >= required
        else:
            met = not below and count >= required
        deductions: list[Deduction] = []
        if not counts.has_informant and policy.deduction_no_informant > 0:
            deductions.append(
                Deduction(DeductionReason.NO_INFORMANT, policy.deduction_no_informant)
            )
        if not met and policy.deduction_quota_missed > 0:
            deductions.append(
                Deduction(DeductionReason.QUOTA_MISSED, policy.deduction_quota_missed)
            )
        kept = kept_share(policy, deductions)
        assessed = score * kept
        paid_on = assessed if policy.deductions_reduce_reward else score
        research: bool | None = None
        if counts.kind is UnitKind.SECTION:
            research = counts.research_articles >= policy.research_articles_per_year
        lines.append(
            UnitYear(
                counts=counts,
                edit_credit=credit,
                score=score,
                quota_required=required,
                quota_count=count,
                quota_met=met,
                months_below_quota=below,
                deductions=tuple(deductions),
                kept_share=kept,
                assessed_score=assessed,
                target_met=paid_on >= counts.annual_target,
                reward_yuan=reward_yuan(policy, paid_on, counts.annual_target),
                assessment=assessment_score(policy, assessed, counts.annual_target),
                research_duty_met=research,
                rank=rank,
            )
        )
    lines.sort(key=lambda line: (line.rank, line.counts.name))
    return lines
