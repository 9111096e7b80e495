"""Rules of 第九、十、十一、十二条 with worked examples and properties."""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.figures import (
    Deduction,
    DeductionReason,
    UnitCounts,
    assessment_score,
    kept_share,
    month_figures,
    reward_yuan,
    year_figures,
)
from scoring.points import adoption_points, edit_credit, item_points
from scoring.policy import (
    AssessmentFormula,
    DeductionCombine,
    QuotaBasis,
    QuotaJudgement,
    ScoringPolicy,
)
from scoring.ranking import competition_ranks, ranked
from scoring.vocab import UnitKind

POLICY = ScoringPolicy()
D = Decimal


def counts(name: str = "市人社局窗口", **kw: object) -> UnitCounts:
    """A unit's counts with sensible defaults for a test."""
    base: dict[str, object] = {
        "unit_id": abs(hash(name)) % 10_000,
        "name": name,
        "kind": UnitKind.WINDOW,
        "monthly_quota": 2,
        "annual_target": D(20),
        "has_informant": True,
    }
    base.update(kw)
    return UnitCounts(**base)  # type: ignore[arg-type]


# 第九条: points per level, accumulation, media, edit credit


@pytest.mark.parametrize(("level", "points"), [(1, 1), (2, 2), (3, 3), (4, 4)])
def test_points_by_level(level: int, points: int) -> None:
    assert adoption_points(POLICY, level) == points


@pytest.mark.parametrize("level", [0, 5, -1])
def test_unknown_level_is_refused(level: int) -> None:
    with pytest.raises(ValueError, match="1–4"):
        adoption_points(POLICY, level)


def test_worked_example_website_city_provincial_paper() -> None:
    """Centre website (1) + city government (2) + provincial newspaper set as level 3 = 6."""
    assert item_points(POLICY, [1, 2, 3]) == 6


def test_worked_example_section_that_edited_earns_half() -> None:
    """The section that rewrote that item earns 3; the unit keeps its 6."""
    assert edit_credit(POLICY, item_points(POLICY, [1, 2, 3])) == D(3)


def test_edit_credit_of_odd_points_is_exact_half() -> None:
    assert edit_credit(POLICY, 3) == D("1.5")


def test_configured_level_points_apply() -> None:
    policy = ScoringPolicy(level_points={1: 1, 2: 3, 3: 5, 4: 8})
    assert item_points(policy, [2, 4]) == 11


def test_policy_needs_all_four_levels() -> None:
    with pytest.raises(ValueError, match="exactly the levels"):
        ScoringPolicy(level_points={1: 1, 2: 2, 3: 3})


def test_unit_score_includes_edit_credit_in_month_figures() -> None:
    section = counts("综合科", kind=UnitKind.SECTION, own_points=2, edit_base_points=6)
    (line,) = month_figures(POLICY, [section])
    assert line.score == D(5)
    assert line.edit_credit == D(3)


# Rankings as a 通报 prints them


def test_ties_share_a_rank_and_the_next_skips() -> None:
    assert competition_ranks([D(5), D(7), D(5), D(1)]) == [2, 1, 2, 4]


def test_ranked_orders_ties_by_name() -> None:
    rows = [("乙", 3), ("甲", 3), ("丙", 9)]
    result = ranked(rows, score=lambda r: r[1], name=lambda r: r[0])
    assert [(rank, row[0]) for rank, row in result] == [(1, "丙"), (2, "乙"), (2, "甲")]


def test_month_figures_rank_and_quota() -> None:
    lines = month_figures(
        POLICY,
        [
            counts("A", at_centre=2, own_points=4),
            counts("B", at_centre=1, own_points=4),
            counts("C", at_centre=3, own_points=9),
        ],
    )
    assert [(line.counts.name, line.rank, line.quota_met) for line in lines] == [
        ("C", 1, True),
        ("A", 2, True),
        ("B", 2, False),
    ]


def test_quota_basis_submitted_counts_unsigned_items() -> None:
    policy = ScoringPolicy(quota_basis=QuotaBasis.SUBMITTED)
    (line,) = month_figures(policy, [counts(submitted=2, at_centre=0)])
    assert line.quota_met
    (line,) = month_figures(POLICY, [counts(submitted=2, at_centre=0)])
    assert not line.quota_met


# 第十条: rewards


def test_reward_base_when_target_exactly_met() -> None:
    assert reward_yuan(POLICY, D(20), D(20)) == D(400)


def test_reward_thirty_per_point_over_target() -> None:
    assert reward_yuan(POLICY, D(27), D(20)) == D(400 + 7 * 30)


def test_reward_half_point_over_target() -> None:
    assert reward_yuan(POLICY, D("20.5"), D(20)) == D(415)


def test_no_reward_below_target() -> None:
    assert reward_yuan(POLICY, D("19.5"), D(20)) == D(0)


# 第十一条: assessment and deductions


def test_assessment_is_weight_times_capped_completion() -> None:
    assert assessment_score(POLICY, D(15), D(20)) == D("7.50")
    assert assessment_score(POLICY, D(40), D(20)) == D("10.00")


def test_uncapped_formula_lets_overachievers_exceed_weight() -> None:
    policy = ScoringPolicy(assessment_formula=AssessmentFormula.COMPLETION_UNCAPPED)
    assert assessment_score(policy, D(40), D(20)) == D("20.00")


def test_zero_target_is_not_assessed() -> None:
    """Target 0 means 不考核: no reward, no assessment line, even with nobody and nothing."""
    (line,) = year_figures(
        POLICY, [counts(annual_target=D(0), has_informant=False, monthly_quota=0)]
    )
    assert not line.counts.assessed
    assert line.assessment is None
    assert line.converted is None
    assert line.reward_yuan == D(0)
    assert not line.target_met
    assert line.deductions == ()
    assert reward_yuan(POLICY, D(0), D(0)) == D(0)
    with pytest.raises(ValueError, match="不考核"):
        assessment_score(POLICY, D(0), D(0))


def test_deductions_cut_the_converted_score_after_the_cap() -> None:
    """13 points against a target of 5 with the quota missed: 10 × min(13/5, 1) × 50% = 5.00."""
    (line,) = year_figures(
        POLICY, [counts(annual_target=D(5), own_points=13, at_centre=0, monthly_quota=1)]
    )
    assert [d.reason for d in line.deductions] == [DeductionReason.QUOTA_MISSED]
    assert line.converted == D("10.00")
    assert line.assessment == D("5.00")
    # 第十条 pays on adoptions: 400 + 8 × 30 whatever the deductions (a setting).
    assert line.reward_yuan == D(640)


def test_both_deductions_add_up_by_default() -> None:
    """未落实信息员 50% + 未完成报送任务 50%: the whole information score is lost."""
    (line,) = year_figures(
        POLICY, [counts(annual_target=D(5), own_points=13, has_informant=False, at_centre=0)]
    )
    assert line.kept_share == D(0)
    assert line.assessment == D("0.00")


@pytest.mark.parametrize(
    ("combine", "kept"),
    [
        (DeductionCombine.MULTIPLY, D("0.25")),
        (DeductionCombine.ADD, D(0)),
        (DeductionCombine.LARGEST, D("0.5")),
    ],
)
def test_two_deductions_combine_as_configured(combine: DeductionCombine, kept: Decimal) -> None:
    policy = ScoringPolicy(deduction_combine=combine)
    both = [
        Deduction(DeductionReason.NO_INFORMANT, D("0.5")),
        Deduction(DeductionReason.QUOTA_MISSED, D("0.5")),
    ]
    assert kept_share(policy, both) == kept


def test_year_without_informant_and_quota_missed_multiplied() -> None:
    policy = ScoringPolicy(deduction_combine=DeductionCombine.MULTIPLY)
    (line,) = year_figures(
        policy,
        [counts(has_informant=False, at_centre=10, own_points=30, annual_target=D(20))],
    )
    assert line.quota_required == 24
    assert not line.quota_met
    assert [d.reason for d in line.deductions] == [
        DeductionReason.NO_INFORMANT,
        DeductionReason.QUOTA_MISSED,
    ]
    assert line.kept_share == D("0.25")
    assert line.assessed_score == D("7.50")
    assert line.converted == D("10.00")  # 30 ÷ 20, capped at 1, × 10
    assert line.assessment == D("2.50")  # the cap first, then 25% kept
    # Deductions cut the assessment, not the 第十条 reward (configurable).
    assert line.reward_yuan == D(400 + 10 * 30)


def test_deductions_can_reduce_reward_when_configured() -> None:
    policy = ScoringPolicy(deductions_reduce_reward=True)
    (line,) = year_figures(
        policy, [counts(has_informant=False, at_centre=24, own_points=30, annual_target=D(20))]
    )
    assert line.assessed_score == D(15)
    assert not line.target_met
    assert line.reward_yuan == D(0)


def test_quota_judged_every_month() -> None:
    months = (2,) * 11 + (1,)
    unit = counts(at_centre=23 + 2, monthly_quota_counts=months)
    (yearly,) = year_figures(POLICY, [unit])
    assert yearly.quota_met  # 25 ≥ 24 over the year
    policy = ScoringPolicy(quota_judgement=QuotaJudgement.EVERY_MONTH)
    (monthly,) = year_figures(policy, [unit])
    assert not monthly.quota_met
    assert monthly.months_below_quota == (12,)


def test_quota_required_follows_the_quota_in_force_each_month() -> None:
    """Quota 2 until June and 3 from July: the year requires 6 × 2 + 6 × 3 = 30."""
    unit = counts(monthly_quota=3, monthly_quotas=(2,) * 6 + (3,) * 6, at_centre=29)
    (line,) = year_figures(POLICY, [unit])
    assert line.quota_required == 30
    assert not line.quota_met


def test_unit_opened_mid_year_is_judged_on_its_months() -> None:
    """A unit opened in October with quota 2 owes 6 items, not 24."""
    unit = counts(months_in=(10, 11, 12), at_centre=6, monthly_quota_counts=(0,) * 9 + (2,) * 3)
    (line,) = year_figures(POLICY, [unit])
    assert line.quota_required == 6
    assert line.quota_met
    every = ScoringPolicy(quota_judgement=QuotaJudgement.EVERY_MONTH)
    (monthly,) = year_figures(every, [unit])
    assert monthly.months_below_quota == ()


def test_ties_are_listed_in_config_order() -> None:
    """Equal scores share a rank and keep config.yaml's order, not the names' code points."""
    units = [
        counts("乙窗口", position=1, own_points=3),
        counts("甲窗口", position=2, own_points=3),
        counts("丙窗口", position=0, own_points=1),
    ]
    names = [line.counts.name for line in month_figures(POLICY, units)]
    assert names == ["乙窗口", "甲窗口", "丙窗口"]


def test_year_to_date_prorates_quota() -> None:
    (line,) = year_figures(POLICY, [counts(at_centre=20)], months=10)
    assert line.quota_required == 20
    assert line.quota_met


def test_research_duty_applies_to_sections_only() -> None:
    lines = year_figures(
        POLICY,
        [
            counts("办公室", kind=UnitKind.SECTION, research_articles=0),
            counts("综合科", kind=UnitKind.SECTION, research_articles=1),
            counts("市公安局窗口", research_articles=0),
        ],
    )
    duty = {line.counts.name: line.research_duty_met for line in lines}
    assert duty == {"办公室": False, "综合科": True, "市公安局窗口": None}


def test_months_out_of_range_refused() -> None:
    with pytest.raises(ValueError, match="1 to 12"):
        year_figures(POLICY, [], months=13)


# Properties

levels = st.lists(st.integers(min_value=1, max_value=4), max_size=30)
shares = st.decimals(min_value=0, max_value=1, places=2)
policies = st.builds(
    ScoringPolicy,
    deduction_no_informant=shares,
    deduction_quota_missed=shares,
    deduction_combine=st.sampled_from(DeductionCombine),
)
unit_counts = st.builds(
    UnitCounts,
    unit_id=st.integers(1, 10_000),
    name=st.text(min_size=1, max_size=5),
    kind=st.sampled_from(UnitKind),
    monthly_quota=st.integers(0, 10),
    annual_target=st.decimals(min_value=0, max_value=200, places=1),
    has_informant=st.booleans(),
    submitted=st.integers(0, 200),
    at_centre=st.integers(0, 200),
    own_points=st.integers(0, 500),
    edit_base_points=st.integers(0, 500),
)
FAST = settings(max_examples=200, deadline=None, derandomize=True, database=None)


@FAST
@given(levels, levels)
def test_points_are_additive(first: list[int], second: list[int]) -> None:
    assert item_points(POLICY, first + second) == item_points(POLICY, first) + item_points(
        POLICY, second
    )


@FAST
@given(policies, unit_counts)
def test_year_figures_never_negative(policy: ScoringPolicy, unit: UnitCounts) -> None:
    (line,) = year_figures(policy, [unit])
    assert line.score >= 0
    assert 0 <= line.assessed_score <= line.score
    assert line.reward_yuan >= 0
    assert line.assessment is None or line.assessment >= 0
    assert (line.assessment is None) == (unit.annual_target == 0)
    assert 0 <= line.kept_share <= 1


@FAST
@given(policies, unit_counts)
def test_deductions_are_monotone(policy: ScoringPolicy, unit: UnitCounts) -> None:
    """Losing the informant or missing the quota never raises a unit's assessed score."""
    (base,) = year_figures(policy, [unit])
    worse_units = [
        replace(unit, has_informant=False),
        replace(unit, at_centre=0, submitted=0),
    ]
    for worse in worse_units:
        (line,) = year_figures(policy, [worse])
        assert line.assessed_score <= base.assessed_score
        assert (line.assessment or 0) <= (base.assessment or 0)
        if line.converted is not None:
            assert line.assessment is not None
            assert line.assessment <= line.converted  # deductions never raise a score


@FAST
@given(policies, st.lists(unit_counts, min_size=1, max_size=12))
def test_ranks_follow_scores(policy: ScoringPolicy, units: list[UnitCounts]) -> None:
    lines = month_figures(policy, units)
    for better, worse in itertools.pairwise(lines):
        assert better.score >= worse.score
        assert better.rank <= worse.rank
        assert (better.rank == worse.rank) == (better.score == worse.score)


@FAST
@given(unit_counts, st.integers(0, 500))
def test_more_points_never_lower_reward(unit: UnitCounts, extra: int) -> None:
    (base,) = year_figures(POLICY, [unit])
    (more,) = year_figures(POLICY, [replace(unit, own_points=unit.own_points + extra)])
    assert more.reward_yuan >= base.reward_yuan
    assert (more.assessment or 0) >= (base.assessment or 0)
