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
    has_informant: bool  # an informant was in place at the end of every month judged
    submitted: int = 0  # items the informant submitted in the period
    at_centre: int = 0  # items that reached the centre (signed off) in the period
    late: int = 0  # items that reached the centre in the period after the working-day deadline
    adopted_items: int = 0  # distinct items with an adoption dated in the period
    adoptions: int = 0  # adoptions dated in the period
    own_points: int = 0  # points of the unit's own items adopted in the period
    edit_base_points: int = (
        0  # points of other units' items this unit edited, adopted in the period
    )
    research_articles: int = 0  # research-category items that reached the centre in the period
    monthly_quota_counts: tuple[int, ...] = field(default=())  # per month, for every-month quotas
    months_without_informant: tuple[int, ...] = ()  # months (1–12) whose end found no informant
    months_in: tuple[int, ...] | None = None  # months (1–12) the unit existed; None: all of them
    monthly_quotas: tuple[int, ...] = ()  # the quota in force each month (1–12); () : monthly_quota
    position: int = 0  # the unit's place in config.yaml: ties are listed in that order

    def quota_in(self, month: int) -> int:
        """The submission quota in force in a month (第四条), from the settings history."""
        if len(self.monthly_quotas) >= month:
            return self.monthly_quotas[month - 1]
        return self.monthly_quota

    def existed_in(self, month: int) -> bool:
        """Whether the unit was one of the centre's units in that month (judged only then)."""
        return self.months_in is None or month in self.months_in

    @property
    def assessed(self) -> bool:
        """A target of 0 means the unit is not assessed on information (不考核)."""
        return self.annual_target > 0


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
    """One unit's line of the year-end report: score, reward, assessment and deductions.

    For a unit not assessed on information (target 0, 不考核) `converted` and `assessment` are
    None and the reward is 0.
    """

    counts: UnitCounts
    edit_credit: Decimal
    score: Decimal
    quota_required: int
    quota_count: int
    quota_met: bool
    months_below_quota: tuple[int, ...]
    deductions: tuple[Deduction, ...]
    kept_share: Decimal
    assessed_score: Decimal  # the score times the share the deductions keep
    target_met: bool
    reward_yuan: Decimal
    converted: Decimal | None  # 第十一条's conversion of the score, before the deductions
    assessment: Decimal | None  # the converted score after the deductions
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
    lines.sort(key=_listing_order)
    return lines


def any_points(lines: Sequence[UnitMonth] | Sequence[UnitYear]) -> bool:
    """Whether some unit has points: only then do ranks mean anything."""
    return any(line.score != 0 for line in lines)


def _listing_order(line: UnitMonth | UnitYear) -> tuple[int, int, str]:
    """Best first; equal ranks in config.yaml's order of the units (then by name)."""
    return (line.rank, line.counts.position, line.counts.name)


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
    """第十条: the base reward for meeting the target plus so much per point over it; else nothing.

    A target of 0 is no target (不考核): nothing is paid for "meeting" it.
    """
    if target <= 0 or score < target:
        return Decimal(0)
    return policy.reward_base_yuan + policy.reward_per_point_yuan * (score - target)


def converted_score(policy: ScoringPolicy, score: Decimal, target: Decimal) -> Decimal:
    """第十一条: the info score converted into points of the service target assessment."""
    if target <= 0:
        raise ValueError("a unit with target 0 is not assessed on information (不考核)")
    completion = score / target
    if policy.assessment_formula is AssessmentFormula.COMPLETION_CAPPED:
        completion = min(completion, Decimal(1))
    return policy.assessment_weight * completion


def assessment_score(
    policy: ScoringPolicy, score: Decimal, target: Decimal, kept: Decimal = Decimal(1)
) -> Decimal:
    """The assessment points: the converted score, then the deductions' cut (扣信息分值).

    The deductions apply after the conversion and its cap, so a unit far above its target
    still loses them. Rounded half-up to 0.01 once, at the end.
    """
    return (converted_score(policy, score, target) * kept).quantize(CENT, rounding=ROUND_HALF_UP)


def deductions_for(
    policy: ScoringPolicy, counts: UnitCounts, quota_met: bool
) -> tuple[Deduction, ...]:
    """第十一条's deductions that apply to a unit: no informant in place, quota not met."""
    found: list[Deduction] = []
    if not counts.has_informant and policy.deduction_no_informant > 0:
        found.append(Deduction(DeductionReason.NO_INFORMANT, policy.deduction_no_informant))
    if not quota_met and policy.deduction_quota_missed > 0:
        found.append(Deduction(DeductionReason.QUOTA_MISSED, policy.deduction_quota_missed))
    return tuple(found)


def year_figures(
    policy: ScoringPolicy, units: Sequence[UnitCounts], months: int = 12
) -> list[UnitYear]:
    """Every unit's year-end line over `months` months (12 for a full year), ranked best first.

    Quota and informant are judged on the months the unit existed; the quota required is the
    sum of the quotas in force in those months.
    """
    if not 1 <= months <= 12:
        raise ValueError("a year has 1 to 12 months to judge")
    scored = [unit_score(policy, counts) for counts in units]
    ranks = competition_ranks([score for score, _ in scored])
    lines = []
    for counts, (score, credit), rank in zip(units, scored, ranks, strict=True):
        judged = [month for month in range(1, months + 1) if counts.existed_in(month)]
        required = sum(counts.quota_in(month) for month in judged)
        count = quota_count(policy, counts)
        per_month = counts.monthly_quota_counts
        below = tuple(
            month
            for month in judged
            if month <= len(per_month) and per_month[month - 1] < counts.quota_in(month)
        )
        if policy.quota_judgement is QuotaJudgement.YEAR:
            met = count >= required
        else:
            met = not below and count >= required
        deductions = deductions_for(policy, counts, met) if counts.assessed else ()
        kept = kept_share(policy, deductions)
        assessed = score * kept
        paid_on = assessed if policy.deductions_reduce_reward else score
        research: bool | None = None
        if counts.kind is UnitKind.SECTION:
            research = counts.research_articles >= policy.research_articles_per_year
        target = counts.annual_target
        converted: Decimal | None = None
        assessment: Decimal | None = None
        if counts.assessed:
            converted = converted_score(policy, score, target).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
            assessment = assessment_score(policy, score, target, kept)
        lines.append(
            UnitYear(
                counts=counts,
                edit_credit=credit,
                score=score,
                quota_required=required,
                quota_count=count,
                quota_met=met,
                months_below_quota=below,
                deductions=deductions,
                kept_share=kept,
                assessed_score=assessed,
                target_met=counts.assessed and paid_on >= target,
                reward_yuan=reward_yuan(policy, paid_on, target),
                converted=converted,
                assessment=assessment,
                research_duty_met=research,
                rank=rank,
            )
        )
    lines.sort(key=_listing_order)
    return lines
