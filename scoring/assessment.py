"""Assessment campaigns (考核, the seed's 第1篇 and 第3篇): templates and their pure scoring rules.

A template is a checklist of sections and checks, each check with its maximum points (summing
to 100), the grades with their thresholds and the notice period. The rules here turn the
group's scores and the satisfaction survey into a unit's total and grade; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

#: Scores are kept to one decimal place (a settled average is rounded half up to it).
SCORE_STEP = Decimal("0.1")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")


class Scope(StrEnum):
    """Which units a campaign assesses (第1篇 九, 第3篇 第八条)."""

    GENERAL = "general"  # 普遍考核 / 全面考核: every unit
    FOCUS = "focus"  # 重点考核: units the office chose


class Verdict(StrEnum):
    """A unit's own answer to one check in its self-check (自查)."""

    MET = "met"  # 符合
    PARTLY = "partly"  # 部分符合
    NOT_MET = "not_met"  # 不符合


class Answer(StrEnum):
    """One answer of the satisfaction survey (民主测评, 第1篇 六(六))."""

    SATISFIED = "satisfied"  # 满意
    BASIC = "basic"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


class Settlement(StrEnum):
    """How differing scores of the group's members for one check become one score."""

    AVERAGE = "average"  # the mean, rounded half up to 0.1 (the default)
    MEDIAN = "median"  # the middle score (mean of the two middle ones), rounded likewise


class ScoreOutOfRange(ValueError):
    """A score below 0, above the check's maximum, or finer than 0.1."""


def _key(value: str) -> str:
    """A key as written in a template: lower-case letters, digits and _, starting with a letter."""
    if not _KEY.fullmatch(value):
        raise ValueError("只能用小写字母、数字和下划线,以字母开头,至多 32 个字符")
    return value


Key = Annotated[str, AfterValidator(_key)]
Points = Annotated[Decimal, Field(gt=0, le=100, decimal_places=1)]
Threshold = Annotated[Decimal, Field(ge=0, le=100, decimal_places=1)]
Text = Annotated[str, Field(min_length=1, max_length=300)]


class CheckTemplate(BaseModel):
    """One check of the checklist and its maximum points."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: Key
    title: Text
    max_points: Points
    survey: bool = False  # scored from the satisfaction survey's rates


class SectionTemplate(BaseModel):
    """A section of the checklist (组织领导, 公开内容 …)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: Key
    title: Text
    checks: tuple[CheckTemplate, ...] = Field(min_length=1)

    @field_validator("checks")
    @classmethod
    def _unique_checks(cls, value: tuple[CheckTemplate, ...]) -> tuple[CheckTemplate, ...]:
        """Two checks of a section may not share a key (scores are stored by it)."""
        seen: set[str] = set()
        for check in value:
            if check.key in seen:
                raise ValueError(f"检查项 key 重复:{check.key}")
            seen.add(check.key)
        return value

    @property
    def max_points(self) -> Decimal:
        """The section's maximum: its checks' maxima summed."""
        return sum((check.max_points for check in self.checks), Decimal(0))


class GradeTemplate(BaseModel):
    """A grade and the least total that earns it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=10)]
    min_total: Threshold


class SurveyRule(BaseModel):
    """How the survey's rates score the survey check (ASSESSMENT.md 5; the seed asks the rates)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    basic_weight: Annotated[Decimal, Field(ge=0, le=1)] = Decimal(1)  # 基本满意 counts this much
    min_answers: Annotated[int, Field(ge=1, le=100000)] = 1  # fewer: the group scores the check


class AssessmentTemplate(BaseModel):
    """A regulation's checklist, grades and notice period; shipped as YAML, a centre may add one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: Key
    name: Text
    source: str = ""
    notice_days: Annotated[int, Field(ge=1, le=365)]
    sections: tuple[SectionTemplate, ...] = Field(min_length=1)
    grades: tuple[GradeTemplate, ...] = Field(min_length=2)
    praise_grade: str
    fail_grade: str
    praise_top: Annotated[int, Field(ge=0, le=1000)] = 3  # 通报表扬: this many top units
    settlement: Settlement = Settlement.AVERAGE
    survey_rule: SurveyRule = SurveyRule()
    rectification_days: Annotated[int, Field(ge=1, le=365)] = 30  # 限期整改's deadline
    reminder_days: tuple[Annotated[int, Field(ge=0, le=60)], ...] = (3, 1)  # before a due date
    #: A grade changed under review after members approved: "again" asks the leading group
    #: again from its first member (they approved other grades), "stand" keeps their approvals.
    approvals_on_change: Literal["again", "stand"] = "again"
    #: Once the results are out, whether a unit's people may open the other units' self-checks
    #: and evidence (before the results, never).
    peers_after_results: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> AssessmentTemplate:
        """Keys unique, maxima summing to 100, thresholds falling to 0, named grades existing."""
        problems: list[str] = []
        keys = [section.key for section in self.sections]
        if len(set(keys)) != len(keys):
            problems.append("sections: 部分 key 重复")
        total = sum((section.max_points for section in self.sections), Decimal(0))
        if total != 100:
            problems.append(f"sections: 各检查项满分之和须为 100,现为 {total.normalize():f}")
        if sum(check.survey for check in self.checks()) > 1:
            problems.append("sections: 至多一个检查项可标 survey: true")
        floors = [grade.min_total for grade in self.grades]
        if any(a <= b for a, b in pairwise(floors)):
            problems.append("grades: 各等次的 min_total 须从高到低严格递减")
        if floors[-1] != 0:
            problems.append("grades: 最低等次的 min_total 须为 0")
        names = [grade.name for grade in self.grades]
        if len(set(names)) != len(names):
            problems.append("grades: 等次名称重复")
        for field, name in (("praise_grade", self.praise_grade), ("fail_grade", self.fail_grade)):
            if name not in names:
                problems.append(f"{field}: 须为 grades 中的等次之一({'、'.join(names)})")
        if problems:
            raise ValueError(";".join(problems))
        return self

    def checks(self) -> Iterable[CheckTemplate]:
        """Every check, in the checklist's order."""
        for section in self.sections:
            yield from section.checks

    def check_ids(self) -> list[str]:
        """Every check's id (`section.check`), in order: how the ledger names a check."""
        return [f"{s.key}.{c.key}" for s in self.sections for c in s.checks]

    def check(self, check_id: str) -> CheckTemplate | None:
        """The check of an id `section.check`, if the template has it."""
        section_key, _, check_key = check_id.partition(".")
        for section in self.sections:
            if section.key == section_key:
                return next((c for c in section.checks if c.key == check_key), None)
        return None

    def survey_check(self) -> str | None:
        """The id of the check the survey scores, if any."""
        for section in self.sections:
            for check in section.checks:
                if check.survey:
                    return f"{section.key}.{check.key}"
        return None


# --- rules -------------------------------------------------------------------------------------


def round_score(value: Decimal) -> Decimal:
    """A computed score rounded half up to one decimal place."""
    return value.quantize(SCORE_STEP, rounding=ROUND_HALF_UP)


def check_score(value: Decimal, maximum: Decimal) -> Decimal:
    """A member's score for a check, if within 0 … maximum in steps of 0.1; else refused."""
    if not value.is_finite() or value < 0 or value > maximum:
        raise ScoreOutOfRange(f"{value} not within 0 … {maximum}")
    if value != value.quantize(SCORE_STEP):
        raise ScoreOutOfRange(f"{value} finer than {SCORE_STEP}")
    return value.quantize(SCORE_STEP)


def settle(scores: Sequence[Decimal], rule: Settlement = Settlement.AVERAGE) -> Decimal:
    """One score from the members' differing scores for a check, by the campaign's rule."""
    if not scores:
        raise ValueError("no scores to settle")
    if rule is Settlement.MEDIAN:
        ordered = sorted(scores)
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return round_score(ordered[middle])
        return round_score((ordered[middle - 1] + ordered[middle]) / 2)
    return round_score(sum(scores, Decimal(0)) / len(scores))


@dataclass(frozen=True, slots=True)
class SurveyRates:
    """The survey's counts for one unit, and their rates (第1篇 六(六): 满意、基本满意、不满意率)."""

    satisfied: int
    basic: int
    dissatisfied: int

    @property
    def total(self) -> int:
        """How many answered."""
        return self.satisfied + self.basic + self.dissatisfied

    def rate(self, answer: Answer) -> Decimal:
        """One answer's share of all answers, 0 … 1 (0 when nobody answered)."""
        count = {
            Answer.SATISFIED: self.satisfied,
            Answer.BASIC: self.basic,
            Answer.DISSATISFIED: self.dissatisfied,
        }[answer]
        return Decimal(count) / self.total if self.total else Decimal(0)

    def percent(self, answer: Answer) -> Decimal:
        """One answer's share in percent, to one decimal place (for sheets)."""
        return round_score(self.rate(answer) * 100)


def survey_rates(answers: Iterable[Answer]) -> SurveyRates:
    """Counts the survey's answers."""
    counts = dict.fromkeys(Answer, 0)
    for answer in answers:
        counts[answer] += 1
    return SurveyRates(counts[Answer.SATISFIED], counts[Answer.BASIC], counts[Answer.DISSATISFIED])


def survey_points(rates: SurveyRates, maximum: Decimal, rule: SurveyRule) -> Decimal | None:
    """The survey check's points: maximum × (满意 + weight × 基本满意) ÷ answers, rounded to 0.1;
    None with fewer answers than the rule's minimum (the group then scores the check)."""
    if rates.total < rule.min_answers:
        return None
    share = (Decimal(rates.satisfied) + rule.basic_weight * rates.basic) / rates.total
    return round_score(maximum * share)


def grade_of(total: Decimal, grades: Sequence[GradeTemplate]) -> str:
    """The first grade (highest first) whose threshold the total reaches."""
    for grade in grades:
        if total >= grade.min_total:
            return grade.name
    return grades[-1].name


@dataclass(frozen=True, slots=True)
class UnitTotals:
    """A unit's scores: per check (None where nothing was scored), per section, total, grade."""

    checks: Mapping[str, Decimal | None]
    sections: Mapping[str, Decimal]
    total: Decimal
    grade: str
    complete: bool  # every check has a score


def unit_totals(template: AssessmentTemplate, scores: Mapping[str, Decimal | None]) -> UnitTotals:
    """Sections and total from each check's final score; an unscored check counts 0."""
    checks = {check_id: scores.get(check_id) for check_id in template.check_ids()}
    sections = {
        section.key: sum(
            (checks[f"{section.key}.{c.key}"] or Decimal(0) for c in section.checks), Decimal(0)
        )
        for section in template.sections
    }
    total = sum(sections.values(), Decimal(0))
    return UnitTotals(
        checks,
        sections,
        total,
        grade_of(total, template.grades),
        all(value is not None for value in checks.values()),
    )


def final_check_score(
    template: AssessmentTemplate,
    check_id: str,
    member_scores: Sequence[Decimal],
    settled: Decimal | None,
    rates: SurveyRates,
) -> Decimal | None:
    """A check's final score: the office's settled value if any; for the survey check the
    survey's points when enough answered; else the members' scores by the template's rule."""
    if settled is not None:
        return settled
    check = template.check(check_id)
    if check is None:
        raise KeyError(check_id)
    if check.survey:
        points = survey_points(rates, check.max_points, template.survey_rule)
        if points is not None:
            return points
    return settle(member_scores, template.settlement) if member_scores else None


def praise_list(
    totals: Mapping[int, UnitTotals], praise_grade: str, top: int, order: Sequence[int]
) -> list[int]:
    """Units listed for 通报表扬: those of the praise grade, best total first, the first `top`
    of them and any tied with the last one; ties keep `order` (the units' listing order)."""
    place = {unit: index for index, unit in enumerate(order)}
    ranked = sorted(
        (unit for unit, line in totals.items() if line.grade == praise_grade),
        key=lambda unit: (-totals[unit].total, place.get(unit, len(place))),
    )
    if top <= 0 or not ranked:
        return []
    if len(ranked) <= top:
        return ranked
    cut = totals[ranked[top - 1]].total
    return [unit for unit in ranked if totals[unit].total >= cut]
