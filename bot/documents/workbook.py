"""Excel workbooks (.xlsx) of a month's bulletin (通报) and the year-end report, one sheet a view."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Generic, TypeVar

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from bot.report import DEDUCTION_NAMES
from scoring.figures import UnitMonth, UnitYear
from scoring.vocab import UnitKind
from storage.figures import AdoptionLine, LateLine, read_month_details
from workflow.figures import MonthDetails, MonthReport, month_span

#: Chinese names of the unit kinds, as `baosong check-config` prints them.
KIND_NAMES = {
    UnitKind.WINDOW: "部门窗口",
    UnitKind.TOWNSHIP: "乡镇便民服务中心",
    UnitKind.TOWN_CENTRE: "镇政务服务中心",
    UnitKind.SECTION: "中心科室",
}

TITLE_ROW = 1
HEADER_ROW = 2
FIRST_ROW = 3  # the first line of figures, below the title and the header
FREEZE = "C3"  # keeps the title, the header, 名次 and 单位 in view while scrolling
TOTAL_LABEL = "合计"

INTEGER = "0"
POINTS = "0.0##"  # 3.0, 2.5, 0.25: one decimal at least, as the text bulletin prints points
HUNDREDTHS = "0.00"
YUAN = "#,##0.00"
PERCENT = "0%"

MAX_WIDTH = 40
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="A6A6A6")

Cell = str | int | float | None
Line = TypeVar("Line")


@dataclass(frozen=True, slots=True)
class Column(Generic[Line]):
    """One column of a sheet: its header, how to read a line, its number format, if it is summed."""

    header: str
    value: Callable[[Line], Cell]
    number_format: str | None = None
    total: bool = False


def number(value: Decimal | int) -> int | float:
    """A figure as a spreadsheet number: whole values as int, others as float to the hundredth."""
    if isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return float(round(value, 2))


def yes_no(flag: bool) -> str:
    """是 or 否, as the text bulletin prints a yes/no figure."""
    return "是" if flag else "否"


def reasons(line: UnitYear) -> str:
    """The deduction reasons in Chinese (未落实信息员、未完成报送任务), or — where there are none."""
    return "、".join(DEDUCTION_NAMES[deduction.reason] for deduction in line.deductions) or "—"


def month_ranges(numbers: Sequence[int]) -> str:
    """Months as a reader writes them: runs joined, 1—9、12月 (empty for none)."""
    runs: list[list[int]] = []
    for month in sorted(numbers):
        if runs and month == runs[-1][-1] + 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    parts = [f"{run[0]}—{run[-1]}" if len(run) > 2 else "、".join(map(str, run)) for run in runs]
    return "、".join(parts) + "月" if parts else ""


def months(line: UnitYear) -> str:
    """The months below the monthly quota, as 3、5、7—9月, or an empty cell."""
    return month_ranges(line.months_below_quota)


MONTH_COLUMNS: list[Column[UnitMonth]] = [
    Column("名次", lambda line: line.rank, INTEGER),
    Column("单位", lambda line: line.counts.name),
    Column("类别", lambda line: KIND_NAMES[line.counts.kind]),
    Column("提交", lambda line: line.counts.submitted, INTEGER, total=True),
    Column("报送", lambda line: line.counts.at_centre, INTEGER, total=True),
    Column("任务", lambda line: line.counts.monthly_quota, INTEGER, total=True),
    Column("完成", lambda line: yes_no(line.quota_met)),
    Column("迟报", lambda line: line.counts.late, INTEGER, total=True),
    Column("采用", lambda line: line.counts.adopted_items, INTEGER, total=True),
    Column("采用次数", lambda line: line.counts.adoptions, INTEGER, total=True),
    Column("得分", lambda line: number(line.score), POINTS, total=True),
    Column("其中编辑加分", lambda line: number(line.edit_credit), POINTS, total=True),
    Column("信息员", lambda line: "有" if line.counts.has_informant else "无"),
]


def optional(value: Decimal | None) -> int | float | str:
    """An assessment figure, or 不考核 for a unit with target 0."""
    return "不考核" if value is None else number(value)


def informant_months(line: UnitYear) -> str:
    """有, or the months whose end found no informant (第十一条: judged at every month's end)."""
    missing = line.counts.months_without_informant
    if not missing:
        return "有" if line.counts.has_informant else "无"
    return "缺 " + month_ranges(missing)


YEAR_COLUMNS: list[Column[UnitYear]] = [
    Column("名次", lambda line: line.rank, INTEGER),
    Column("单位", lambda line: line.counts.name),
    Column("类别", lambda line: KIND_NAMES[line.counts.kind]),
    Column("得分", lambda line: number(line.score), POINTS, total=True),
    Column("其中编辑加分", lambda line: number(line.edit_credit), POINTS, total=True),
    Column("目标分", lambda line: number(line.counts.annual_target), POINTS, total=True),
    Column("达到目标", lambda line: yes_no(line.target_met)),
    Column("提交", lambda line: line.counts.submitted, INTEGER, total=True),
    Column("报送", lambda line: line.counts.at_centre, INTEGER, total=True),
    Column("采用", lambda line: line.counts.adopted_items, INTEGER, total=True),
    Column("任务", lambda line: line.quota_required, INTEGER, total=True),
    Column("完成任务", lambda line: yes_no(line.quota_met)),
    Column("未达月任务月份", months),
    Column("信息员", informant_months),
    Column("扣分原因", reasons),
    Column("保留比例", lambda line: number(line.kept_share), PERCENT),
    Column("扣后得分", lambda line: number(line.assessed_score), POINTS, total=True),
    Column("折算分", lambda line: optional(line.converted), HUNDREDTHS),
    Column("考核分", lambda line: optional(line.assessment), HUNDREDTHS),
    Column("奖励(元)", lambda line: number(line.reward_yuan), YUAN, total=True),
]

RESEARCH_COLUMNS: list[Column[UnitYear]] = [
    Column("单位", lambda line: line.counts.name),
    Column("调研文章(篇)", lambda line: line.counts.research_articles, INTEGER, total=True),
]
RESEARCH_STATUS = "完成情况"


def width(value: object) -> int:
    """Columns a cell's text takes: CJK characters count double, as in bot.report."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit_columns(sheet: Worksheet, first_row: int) -> None:
    """Sets each column as wide as its widest cell from `first_row` down, within limits."""
    widest: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=first_row, values_only=True):
        for column, value in enumerate(row, start=1):
            shown = f"{value:,.2f}" if isinstance(value, float) else value
            widest[column] = max(widest.get(column, 0), width(shown))
    for column, size in widest.items():
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, max(6, size + 3))


def write_table(
    sheet: Worksheet,
    title: str,
    columns: Sequence[Column[Line]],
    lines: Sequence[Line],
    *,
    total_label_column: int = 1,
) -> int:
    """Writes a title, a header, the lines and a 合计 row of the summed columns; returns its row."""
    sheet.cell(TITLE_ROW, 1, title).font = Font(bold=True, size=14)
    for index, column in enumerate(columns, start=1):
        head = sheet.cell(HEADER_ROW, index, column.header)
        head.font = Font(bold=True)
        head.fill = HEADER_FILL
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head.border = Border(bottom=THIN)
    for offset, line in enumerate(lines):
        for index, column in enumerate(columns, start=1):
            data = sheet.cell(FIRST_ROW + offset, index, column.value(line))
            if column.number_format:
                data.number_format = column.number_format
    total_row = FIRST_ROW + len(lines)
    for index, column in enumerate(columns, start=1):
        summed: Cell = None
        if column.total:
            summed = total(column.value(line) for line in lines)
        elif index == total_label_column + 1:
            summed = TOTAL_LABEL
        foot = sheet.cell(total_row, index, summed)
        foot.font = Font(bold=True)
        foot.fill = TOTAL_FILL
        foot.border = Border(top=THIN)
        if column.number_format:
            foot.number_format = column.number_format
    last = get_column_letter(len(columns))
    for row in sheet.iter_rows(HEADER_ROW, total_row, 1, len(columns)):
        for cell in row:  # ruled, as a printed table is
            cell.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(HEADER_ROW, total_row - 1)}"
    sheet.freeze_panes = FREEZE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.print_options.horizontalCentered = True
    footer = sheet.oddFooter
    if footer is not None:  # openpyxl always makes one; its type allows none
        footer.center.text = "第 &P 页，共 &N 页"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    fit_columns(sheet, HEADER_ROW)
    return total_row


def total(values: Iterable[Cell]) -> int | float:
    """The sum of a column's numbers, exact (no float drift), kept an int where it is whole."""
    summed = Decimal(0)
    for value in values:
        if isinstance(value, int | float):
            summed += Decimal(str(value))
    return number(summed)


def save(book: Workbook, title: str, subject: str) -> bytes:
    """The workbook as .xlsx bytes, with the period in its document properties."""
    book.properties.title = title
    book.properties.subject = subject
    book.properties.creator = "报送 Baosong"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ADOPTION_COLUMNS: list[Column[AdoptionLine]] = [
    Column("单位", lambda a: a.unit),
    Column("编号", lambda a: a.item_id, INTEGER),
    Column("标题", lambda a: a.title),
    Column("采用渠道", lambda a: a.outlet),
    Column("级别", lambda a: a.level, INTEGER),
    Column("分值", lambda a: a.points, INTEGER, total=True),
    Column("采用日期", lambda a: a.adopted_on.isoformat()),
]
LATE_COLUMNS: list[Column[LateLine]] = [
    Column("单位", lambda late: late.unit),
    Column("编号", lambda late: late.item_id, INTEGER),
    Column("标题", lambda late: late.title),
    Column("工作日期", lambda late: late.event_date.isoformat()),
    Column("报送中心日期", lambda late: late.centre_on.isoformat()),
    Column("迟报工作日", lambda late: late.late_days, INTEGER, total=True),
]


def month_workbook(report: MonthReport, details: MonthDetails | None = None) -> bytes:
    """The month's bulletin as a workbook: sheets 本月 and 全年累计 (1 to this month), and
    with `details` 采用明细 and 迟报明细 (every adoption and late item of the month)."""
    book = Workbook()
    month_sheet = book.active
    assert isinstance(month_sheet, Worksheet)
    month_sheet.title = "本月"
    period = f"{report.year}年{report.month}月"
    write_table(month_sheet, f"{period} 信息报送情况", MONTH_COLUMNS, report.lines)
    through = f"{report.year}年1月" if report.month == 1 else f"{report.year}年1—{report.month}月"
    ytd_sheet = book.create_sheet("全年累计")
    write_table(ytd_sheet, f"{through}累计 信息工作考核", YEAR_COLUMNS, report.year_to_date)
    if details is not None:
        adopted = book.create_sheet("采用明细")
        write_table(adopted, f"{period} 采用明细", ADOPTION_COLUMNS, details.adoptions)
        late = book.create_sheet("迟报明细")
        write_table(late, f"{period} 迟报明细", LATE_COLUMNS, details.late)
    return save(book, f"{period} 信息报送通报", "信息报送通报")


def month_workbook_from_ledger(
    report: MonthReport, ledger: Path, recorded_before: datetime | None = None
) -> bytes:
    """`month_workbook` with its detail sheets read from the ledger file here, in the render's
    child process: the bot never holds a province's month of adoptions."""
    first, last = month_span(report.year, report.month)
    found, late = read_month_details(ledger, first, last, recorded_before)
    return month_workbook(report, MonthDetails(found, late))


def year_workbook(
    year: int, lines: Sequence[UnitYear], research_owing: Collection[str] | None = None
) -> bytes:
    """The year-end report as a workbook: sheets 年度考核 and 调研文章 (第十二条, sections only)."""
    # research_owing: names of the sections still owing an article; default: duty not met
    book = Workbook()
    year_sheet = book.active
    assert isinstance(year_sheet, Worksheet)
    year_sheet.title = "年度考核"
    write_table(year_sheet, f"{year}年度 信息工作考核", YEAR_COLUMNS, lines)
    if research_owing is None:
        owing = {line.counts.name for line in lines if line.research_duty_met is False}
    else:
        owing = set(research_owing)
    sections = [
        line for line in lines if line.research_duty_met is not None or line.counts.name in owing
    ]
    sections.sort(key=lambda line: (line.counts.name not in owing, line.counts.name))
    research_sheet = book.create_sheet("调研文章")
    status: Column[UnitYear] = Column(
        RESEARCH_STATUS, lambda line: "未完成" if line.counts.name in owing else "已完成"
    )
    row = write_table(
        research_sheet,
        f"{year}年度 中心科室调研文章",
        [*RESEARCH_COLUMNS, status],
        sections,
        total_label_column=0,
    )
    done = sum(1 for line in sections if line.counts.name not in owing)
    research_sheet.cell(row, len(RESEARCH_COLUMNS) + 1, f"已完成 {done} / 共 {len(sections)}")
    research_sheet.freeze_panes = "B3"
    fit_columns(research_sheet, HEADER_ROW)
    return save(book, f"{year}年度 信息工作考核", "信息工作年度考核")
