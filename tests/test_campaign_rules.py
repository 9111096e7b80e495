"""Assessment templates (the shipped YAML, a centre's own, their errors) and the pure rules."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.assessment import (
    Answer,
    AssessmentTemplate,
    ScoreOutOfRange,
    Settlement,
    SurveyRates,
    SurveyRule,
    check_score,
    grade_of,
    praise_list,
    settle,
    survey_points,
    survey_rates,
    unit_totals,
)
from workflow.campaign_templates import SHIPPED_DIR, TemplateError, load_templates, parse_template

# --- templates -----------------------------------------------------------------------------------


@cache
def shipped() -> dict[str, AssessmentTemplate]:
    """The two templates shipped with the project (read once)."""
    return load_templates(SHIPPED_DIR)


def test_both_shipped_templates_load_and_sum_to_100() -> None:
    templates = shipped()
    assert set(templates) == {"county", "bureau"}
    for template in templates.values():
        assert sum(c.max_points for c in template.checks()) == 100
        assert template.survey_check() is not None


def test_county_template_follows_part_1() -> None:
    county = shipped()["county"]
    assert county.notice_days == 10  # 八(三) 提前10日
    assert [g.name for g in county.grades] == ["优良", "合格", "基本合格", "不合格"]  # 七
    assert [s.title for s in county.sections] == [
        "政务公开组织领导",
        "政务公开的内容",
        "政务公开的形式",
        "政务公开的程序",
        "政务公开的制度",
        "政务公开的效果",
    ]
    assert [len(s.checks) for s in county.sections] == [3, 2, 2, 3, 2, 1]  # 六's numbered checks
    assert county.survey_check() == "effect.survey"


def test_bureau_template_follows_part_3() -> None:
    bureau = shipped()["bureau"]
    assert bureau.notice_days == 15  # 第九条(二) 提前15天
    assert [g.name for g in bureau.grades] == ["优秀", "合格", "基本合格", "不合格"]  # 第七条
    assert [s.title for s in bureau.sections] == [
        "主动公开情况",
        "依申请公开情况",
        "服务承诺兑现情况",
        "对群众投诉的处理情况",
    ]


def _county_text() -> str:
    return (SHIPPED_DIR / "county.yaml").read_text(encoding="utf-8")


def test_a_centre_adds_its_own_template(tmp_path: Path) -> None:
    own = (
        _county_text()
        .replace("key: county", "key: township")
        .replace("notice_days: 10", "notice_days: 12")
    )
    (tmp_path / "township.yaml").write_text(own, encoding="utf-8")
    templates = load_templates(SHIPPED_DIR, tmp_path)
    assert templates["township"].notice_days == 12
    (tmp_path / "again.yaml").write_text(_county_text(), encoding="utf-8")
    with pytest.raises(TemplateError, match="重复"):
        load_templates(SHIPPED_DIR, tmp_path)


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (("max_points: 14", "max_points: 15"), "sections: 各检查项满分之和须为 100,现为 101"),
        (("max_points: 14", "max_points: -1"), "sections[5].checks[0].max_points: 须 > 0"),
        (("max_points: 14", "max_points: 13.95"), "sections[5].checks[0].max_points: 至多一位小数"),
        (("notice_days: 10", "notice_dayz: 10"), "notice_dayz: 未知的键(请检查拼写)"),
        (("notice_days: 10", ""), "notice_days: 必须填写"),
        (("min_total: 75", "min_total: 95"), "grades: 各等次的 min_total 须从高到低严格递减"),
        (("praise_grade: 优良", "praise_grade: 优秀"), "praise_grade: 须为 grades 中的等次之一"),
        (("key: bodies", "key: Bodies!"), "sections[0].checks[0].key: 只能用小写字母"),
    ],
)
def test_template_errors_are_one_chinese_line_each(change: tuple[str, str], line: str) -> None:
    text = _county_text().replace(*change, 1)
    with pytest.raises(TemplateError) as caught:
        parse_template(text, "own.yaml")
    assert caught.value.header == "own.yaml 无效:"
    assert any(line in problem for problem in caught.value.problems), caught.value.problems


def test_duplicate_key_is_refused_with_its_line() -> None:
    with pytest.raises(TemplateError, match="键 notice_days 重复"):
        parse_template(_county_text() + "notice_days: 3\n", "own.yaml")


# --- rules: worked examples ----------------------------------------------------------------------


def test_settling_three_members_scores() -> None:
    scores = [Decimal(8), Decimal(9), Decimal(9)]
    assert settle(scores) == Decimal("8.7")  # 26 ÷ 3 = 8.666… rounded half up
    assert settle(scores, Settlement.MEDIAN) == Decimal(9)
    assert settle([Decimal(8), Decimal(9)], Settlement.MEDIAN) == Decimal("8.5")


def test_survey_rates_and_points_for_the_effect_section() -> None:
    # 六(六): 群众满意、基本满意、不满意率分别为多少 — 80, 15 and 5 of 100 answers.
    answers = [Answer.SATISFIED] * 80 + [Answer.BASIC] * 15 + [Answer.DISSATISFIED] * 5
    rates = survey_rates(answers)
    assert (rates.percent(Answer.SATISFIED), rates.percent(Answer.BASIC)) == (
        Decimal(80),
        Decimal(15),
    )
    assert rates.percent(Answer.DISSATISFIED) == 5
    effect = shipped()["county"].check("effect.survey")
    assert effect is not None
    assert survey_points(rates, effect.max_points, SurveyRule()) == Decimal("13.3")  # 14 × 0.95
    half = SurveyRule(basic_weight=Decimal("0.5"))
    assert survey_points(rates, effect.max_points, half) == Decimal("12.3")  # 14 × 0.875 = 12.25
    assert survey_points(SurveyRates(0, 0, 0), Decimal(14), SurveyRule()) is None


def test_grades_of_the_county_template() -> None:
    grades = shipped()["county"].grades
    assert [grade_of(Decimal(t), grades) for t in ("90", "89.9", "75", "60", "59.9", "0")] == [
        "优良",
        "合格",
        "合格",
        "基本合格",
        "不合格",
        "不合格",
    ]


def test_scores_out_of_range_are_refused() -> None:
    for bad in ("-0.1", "6.1", "3.25", "NaN"):
        with pytest.raises(ScoreOutOfRange):
            check_score(Decimal(bad), Decimal(6))
    assert check_score(Decimal("5.5"), Decimal(6)) == Decimal("5.5")


def test_unit_totals_sum_sections() -> None:
    county = shipped()["county"]
    full = {check_id: county.check(check_id).max_points for check_id in county.check_ids()}  # type: ignore[union-attr]
    line = unit_totals(county, full)
    assert (line.total, line.grade, line.complete) == (Decimal(100), "优良", True)
    line = unit_totals(county, {**full, "effect.survey": None, "rules.core_rules": Decimal(0)})
    assert (line.total, line.sections["effect"], line.complete) == (Decimal(78), Decimal(0), False)
    assert line.grade == "合格"


def test_praise_list_keeps_ties_at_the_cut() -> None:
    county = shipped()["county"]
    scores = {1: "95", 2: "92", 3: "92", 4: "91.5", 5: "80"}
    totals = {}
    for unit, total in scores.items():
        spread = {check_id: Decimal(0) for check_id in county.check_ids()}
        spread["effect.survey"] = Decimal(total) - 86
        spread["organisation.bodies"] = Decimal(6)
        spread["content.disclosed"] = Decimal(10)
        spread["forms.required_forms"] = Decimal(10)
        spread["content.catalogue"] = Decimal(8)
        spread["procedure.proactive"] = Decimal(8)
        spread["rules.core_rules"] = Decimal(8)
        spread["rules.filing_rules"] = Decimal(6)
        spread["forms.improved_forms"] = Decimal(6)
        spread["procedure.on_request"] = Decimal(6)
        spread["procedure.channels"] = Decimal(6)
        spread["organisation.arranged"] = Decimal(6)
        spread["organisation.agenda"] = Decimal(6)
        totals[unit] = unit_totals(county, spread)
    assert totals[1].total == 95
    assert praise_list(totals, "优良", 2, [5, 4, 3, 2, 1]) == [1, 3, 2]
    assert praise_list(totals, "优良", 0, [1, 2, 3, 4, 5]) == []


# --- rules: properties ---------------------------------------------------------------------------

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None)
tenths = st.integers(min_value=0, max_value=200).map(lambda n: Decimal(n) / 10)


@PROPERTY
@given(st.lists(tenths, min_size=1, max_size=9), st.sampled_from(list(Settlement)))
def test_a_settled_score_lies_between_the_members(scores: list[Decimal], rule: Settlement) -> None:
    settled = settle(scores, rule)
    assert min(scores) <= settled <= max(scores)
    assert settled == settled.quantize(Decimal("0.1"))
    assert settle([scores[0]] * len(scores), rule) == scores[0]


@PROPERTY
@given(
    st.integers(0, 500),
    st.integers(0, 500),
    st.integers(0, 500),
    st.integers(0, 10).map(lambda n: Decimal(n) / 10),
)
def test_survey_points_stay_within_the_check(
    satisfied: int, basic: int, dissatisfied: int, weight: Decimal
) -> None:
    rates = SurveyRates(satisfied, basic, dissatisfied)
    points = survey_points(rates, Decimal(14), SurveyRule(basic_weight=weight))
    if rates.total == 0:
        assert points is None
        return
    assert points is not None and 0 <= points <= 14
    more = survey_points(
        SurveyRates(satisfied + 1, basic, dissatisfied),
        Decimal(14),
        SurveyRule(basic_weight=weight),
    )
    assert more is not None and more >= points  # one more 满意 never lowers the points
    shares = sum((rates.rate(answer) for answer in Answer), Decimal(0))
    assert abs(shares - 1) < Decimal("1e-20")


@PROPERTY
@given(st.data())
def test_total_is_the_sum_and_grade_is_monotone(data: st.DataObject) -> None:
    template = shipped()[data.draw(st.sampled_from(["county", "bureau"]))]
    by_id = {
        check_id: data.draw(
            st.integers(0, int(template.check(check_id).max_points * 10)).map(  # type: ignore[union-attr]
                lambda n: Decimal(n) / 10
            )
        )
        for check_id in template.check_ids()
    }
    line = unit_totals(template, by_id)
    assert line.total == sum(by_id.values()) == sum(line.sections.values())
    assert 0 <= line.total <= 100
    names = [g.name for g in template.grades]
    higher = unit_totals(template, {k: template.check(k).max_points for k in by_id})  # type: ignore[union-attr]
    assert names.index(higher.grade) <= names.index(line.grade)
