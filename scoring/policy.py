"""The scoring policy: every number of 第九、十、十一、十二条 that a centre may configure."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from scoring.vocab import UnitKind


class DeductionCombine(StrEnum):
    """How the two deductions of 第十一条 combine when both apply."""

    ADD = "add"  # 50% + 50% → nothing kept (the literal reading, the default)
    MULTIPLY = "multiply"  # 0.5 × 0.5 → 25% of the score kept
    LARGEST = "largest"  # only the larger deduction applies → 50% kept


class QuotaJudgement(StrEnum):
    """Whether "did not meet its submission quota" (第十一条) is judged on the year or per month."""

    YEAR = "year"  # year's total against 12 × monthly quota
    EVERY_MONTH = "every_month"  # any month below quota counts as missed


class QuotaBasis(StrEnum):
    """Which items count towards the monthly quota (第四条)."""

    AT_CENTRE = "at_centre"  # items that reached the centre after sign-off (报送市政务服务中心)
    SUBMITTED = "submitted"  # items the informant submitted, signed off or not


class AssessmentFormula(StrEnum):
    """How the info score converts into the assessment score (第十一条 "按照任务完成情况折合")."""

    COMPLETION_CAPPED = "completion_capped"  # weight × min(score ÷ target, 1)
    COMPLETION_UNCAPPED = "completion_uncapped"  # weight × score ÷ target, no cap


#: The author kinds whose items earn an editing section its share (第九条: 修改窗口和乡镇信息).
SEED_EDIT_CREDIT_KINDS: frozenset[UnitKind] = frozenset(
    {UnitKind.WINDOW, UnitKind.TOWNSHIP, UnitKind.TOWN_CENTRE}
)

Points = Annotated[int, Field(ge=0, le=100)]
Share = Annotated[Decimal, Field(ge=0, le=1)]


class ScoringPolicy(BaseModel):
    """Configurable numbers of the regulation; defaults are the regulation's own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level_points: dict[int, Points] = Field(
        default_factory=lambda: {1: 1, 2: 2, 3: 3, 4: 4},
        description="points per adoption at each outlet level (第九条)",
    )
    edit_credit_share: Share = Field(
        default=Decimal("0.5"),
        description="share of an item's adoption points credited to a section that edited it",
    )
    edit_credit_author_kinds: frozenset[UnitKind] = Field(
        default=SEED_EDIT_CREDIT_KINDS,
        description="kinds of unit whose items earn an editing section the share (第九条)",
    )
    reward_base_yuan: Annotated[Decimal, Field(ge=0)] = Decimal(400)
    reward_per_point_yuan: Annotated[Decimal, Field(ge=0)] = Decimal(30)
    assessment_weight: Annotated[Decimal, Field(ge=0, le=100)] = Field(
        default=Decimal(10),
        description="points of a 100-point assessment the info score is worth (10%)",
    )
    assessment_formula: AssessmentFormula = AssessmentFormula.COMPLETION_CAPPED
    deduction_no_informant: Share = Decimal("0.5")
    deduction_quota_missed: Share = Decimal("0.5")
    deduction_combine: DeductionCombine = DeductionCombine.ADD
    deductions_reduce_reward: bool = Field(
        default=False,
        description="whether deductions also lower the score that the 第十条 reward is paid on",
    )
    quota_judgement: QuotaJudgement = QuotaJudgement.YEAR
    quota_basis: QuotaBasis = QuotaBasis.AT_CENTRE
    research_articles_per_year: Annotated[int, Field(ge=0)] = 1
    research_category: str = "research"

    @field_validator("level_points")
    @classmethod
    def _levels_one_to_four(cls, value: dict[int, int]) -> dict[int, int]:
        """Levels are exactly 1–4, as in 第九条."""
        if sorted(value) != [1, 2, 3, 4]:
            raise ValueError("must give points for exactly the levels 1, 2, 3 and 4")
        return value

    def earns_edit_credit(self, editor_kind: UnitKind, author_kind: UnitKind) -> bool:
        """Whether a unit of `editor_kind` earns the share for editing an `author_kind` item."""
        return editor_kind is UnitKind.SECTION and author_kind in self.edit_credit_author_kinds

    def points_for_level(self, level: int) -> int:
        """Points one adoption at this outlet level earns."""
        return self.level_points[level]
