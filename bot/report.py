"""Plain-text tables of monthly and yearly figures, aligned for CJK text in a terminal."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from chat import numbers
from scoring.figures import DeductionReason, UnitYear
from workflow.figures import MonthReport

DEDUCTION_NAMES = {
    DeductionReason.NO_INFORMANT: "未落实信息员",
    DeductionReason.QUOTA_MISSED: "未完成报送任务",
}


def width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    """The text padded with spaces to a number of columns."""
    gap = " " * max(0, columns - width(text))
    return gap + text if right else text + gap


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table with columns as wide as their widest cell; numbers are right-aligned."""
    columns = [max(width(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = []
    for row in [header, *rows]:
        cells = [
            pad(cell, size, right=index > 1 and row is not header)
            for index, (cell, size) in enumerate(zip(row, columns, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def format_month(report: MonthReport) -> str:
    """The month's lines and the year to date, as a bulletin would print them."""
    month_rows = [
        [
            str(line.rank),
            line.counts.name,
            f"{line.quota_count}/{line.counts.monthly_quota}",
            "是" if line.quota_met else "否",
            str(line.counts.adopted_items),
            numbers.points(line.score),
            str(line.counts.late),
            "有" if line.counts.has_informant else "无",
        ]
        for line in report.lines
    ]
    header = ["名次", "单位", "报送/任务", "完成", "采用", "得分", "迟报", "信息员"]
    ytd_rows = [_year_row(line) for line in report.year_to_date]
    return (
        f"{report.year}年{report.month}月 信息报送情况\n"
        + table(header, month_rows)
        + f"\n\n{report.year}年1—{report.month}月累计\n"
        + table(YEAR_HEADER, ytd_rows)
    )


YEAR_HEADER = ["名次", "单位", "得分", "目标分", "报送/任务", "扣分原因", "考核分", "奖励(元)"]


def _year_row(line: UnitYear) -> list[str]:
    """One unit's year line as table cells."""
    reasons = "、".join(DEDUCTION_NAMES[d.reason] for d in line.deductions) or "—"
    return [
        str(line.rank),
        line.counts.name,
        numbers.points(line.score),
        numbers.points(line.counts.annual_target),
        f"{line.quota_count}/{line.quota_required}",
        reasons,
        numbers.assessment(line.assessment),
        numbers.yuan(line.reward_yuan),
    ]


def format_year(year: int, lines: Sequence[UnitYear]) -> str:
    """The year-end table, plus the sections still owing a research article (第十二条)."""
    text = f"{year}年度 信息工作考核\n" + table(YEAR_HEADER, [_year_row(line) for line in lines])
    owing = [line.counts.name for line in lines if line.research_duty_met is False]
    if owing:
        text += "\n\n未完成调研文章的科室: " + "、".join(owing)
    return text
