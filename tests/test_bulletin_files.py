"""The bulletin's file forms: the .xlsx workbooks and the PNG charts of a month and a year."""

from __future__ import annotations

import io
import struct
from datetime import date
from decimal import Decimal

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.documents import charts
from bot.documents.charts import cjk_font_family, cjk_font_path, points_chart, year_chart
from bot.documents.workbook import month_workbook, year_workbook
from scoring.figures import UnitCounts, UnitYear, month_figures, year_figures
from scoring.policy import ScoringPolicy
from scoring.vocab import UnitKind
from storage.figures import AdoptionLine, LateLine
from workflow.figures import MonthDetails, MonthReport

POLICY = ScoringPolicy()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def unit(
    unit_id: int,
    name: str,
    kind: UnitKind = UnitKind.WINDOW,
    *,
    months: int = 1,
    submitted: int = 0,
    points: int = 0,
    edited: int = 0,
    informant: bool = True,
    research: int = 0,
) -> UnitCounts:
    """One unit's counts over `months` months, with an even spread for the monthly quotas."""
    return UnitCounts(
        unit_id=unit_id,
        name=name,
        kind=kind,
        monthly_quota=2,
        annual_target=Decimal(20),
        has_informant=informant,
        submitted=submitted,
        at_centre=submitted,
        late=1 if submitted else 0,
        adopted_items=points // 2,
        adoptions=points // 2,
        own_points=points,
        edit_base_points=edited,
        research_articles=research,
        monthly_quota_counts=(submitted // months,) * months,
    )


def units(months: int) -> list[UnitCounts]:
    """Five units of every kind; the section edits others' items, so it scores halves."""
    return [
        unit(1, "市人社局窗口", months=months, submitted=3 * months, points=9 * months),
        unit(
            2,
            "城关镇便民服务中心",
            UnitKind.TOWNSHIP,
            months=months,
            submitted=2 * months,
            points=4 * months,
        ),
        unit(3, "小汉镇政务服务中心", UnitKind.TOWN_CENTRE, months=months, informant=False),
        unit(4, "综合科", UnitKind.SECTION, months=months, submitted=months, edited=3, research=1),
        unit(5, "窗口管理科", UnitKind.SECTION, months=months, submitted=months, points=1),
    ]


def month_report(year: int = 2026, month: int = 10) -> MonthReport:
    """A month's report built by hand from counts, as the figures service would."""
    return MonthReport(
        year=year,
        month=month,
        lines=month_figures(POLICY, units(1)),
        year_to_date=year_figures(POLICY, units(month), months=month),
    )


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking the signature."""
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def sheet(data: bytes, name: str) -> Worksheet:
    """One sheet of a workbook given as bytes."""
    found = load_workbook(io.BytesIO(data))[name]
    assert isinstance(found, Worksheet)
    return found


def header(ws: Worksheet) -> list[object]:
    """The header row's cells."""
    return [cell.value for cell in ws[2]]


def column(ws: Worksheet, name: str) -> int:
    """The 1-based index of a column, by its header."""
    return header(ws).index(name) + 1


def body(ws: Worksheet, name: str) -> list[object]:
    """A column's values from the first line to the last, without the 合计 row."""
    index = column(ws, name)
    return [ws.cell(row, index).value for row in range(3, ws.max_row)]


def totals(ws: Worksheet, name: str) -> object:
    """A column's value in the 合计 row, the last one."""
    return ws.cell(ws.max_row, column(ws, name)).value


def test_month_workbook_sheets_headers_and_frozen_header() -> None:
    data = month_workbook(month_report())
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["本月", "全年累计"]
    assert book.properties.title == "2026年10月 信息报送通报"
    month = sheet(data, "本月")
    assert month["A1"].value == "2026年10月 信息报送情况"
    assert header(month)[:3] == ["名次", "单位", "类别"]
    for name in ("提交", "报送", "任务", "完成", "迟报", "采用", "得分", "信息员"):
        assert name in header(month)
    assert month.freeze_panes == "C3"
    ytd = sheet(data, "全年累计")
    assert ytd["A1"].value == "2026年1—10月累计 信息工作考核"
    assert ytd.freeze_panes == "C3"
    for name in ("得分", "目标分", "扣分原因", "考核分", "奖励(元)"):
        assert name in header(ytd)


def test_month_workbook_stores_numbers_and_totals_the_lines() -> None:
    report = month_report()
    ws = sheet(month_workbook(report), "本月")
    assert body(ws, "单位") == [line.counts.name for line in report.lines]
    assert body(ws, "名次") == [line.rank for line in report.lines]
    scores = body(ws, "得分")
    assert all(isinstance(value, int | float) for value in scores)
    assert 1.5 in scores  # 综合科: half of 3 points it edited
    assert ws.cell(3, column(ws, "得分")).number_format == "0.0##"
    assert ws.cell(ws.max_row, 2).value == "合计"
    assert totals(ws, "得分") == pytest.approx(float(sum(line.score for line in report.lines)))
    assert totals(ws, "得分") == pytest.approx(sum(v for v in scores if isinstance(v, int | float)))
    assert totals(ws, "提交") == sum(line.counts.submitted for line in report.lines)
    assert totals(ws, "报送") == sum(line.counts.at_centre for line in report.lines)
    assert totals(ws, "采用") == sum(line.counts.adopted_items for line in report.lines)
    assert totals(ws, "名次") is None  # ranks are not summed


def test_year_workbook_deductions_in_chinese_and_reward_as_money() -> None:
    lines = year_figures(POLICY, units(12))
    data = year_workbook(2026, lines)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["年度考核", "调研文章"]
    assert book.properties.title == "2026年度 信息工作考核"
    ws = sheet(data, "年度考核")
    assert ws["A1"].value == "2026年度 信息工作考核"
    assert ws.freeze_panes == "C3"
    names = body(ws, "单位")
    reasons = dict(zip(names, body(ws, "扣分原因"), strict=True))
    assert reasons["小汉镇政务服务中心"] == "未落实信息员、未完成报送任务"
    assert reasons["市人社局窗口"] == "—"
    rewards = body(ws, "奖励(元)")
    assert all(isinstance(value, int | float) for value in rewards)
    assert ws.cell(3, column(ws, "奖励(元)")).number_format == "#,##0.00"
    assert totals(ws, "奖励(元)") == pytest.approx(float(sum(line.reward_yuan for line in lines)))
    assert totals(ws, "得分") == pytest.approx(float(sum(line.score for line in lines)))
    assert totals(ws, "报送") == sum(line.counts.at_centre for line in lines)


def test_year_workbook_research_sheet_lists_sections_owing_first() -> None:
    lines = year_figures(POLICY, units(12))
    ws = sheet(year_workbook(2026, lines), "调研文章")
    assert header(ws) == ["单位", "调研文章(篇)", "完成情况"]
    assert ws.freeze_panes == "B3"
    assert body(ws, "单位") == ["窗口管理科", "综合科"]
    assert body(ws, "完成情况") == ["未完成", "已完成"]
    assert totals(ws, "调研文章(篇)") == 1
    assert totals(ws, "完成情况") == "已完成 1 / 共 2"
    told = sheet(year_workbook(2026, lines, research_owing=["综合科"]), "调研文章")
    assert body(told, "完成情况") == ["未完成", "已完成"]
    assert body(told, "单位") == ["综合科", "窗口管理科"]


def test_workbooks_of_no_units_still_have_headers_and_zero_totals() -> None:
    empty = MonthReport(year=2026, month=1, lines=[], year_to_date=[])
    ws = sheet(month_workbook(empty), "本月")
    assert header(ws)[0] == "名次"
    assert totals(ws, "得分") == 0
    assert sheet(month_workbook(empty), "全年累计")["A1"].value == "2026年1月累计 信息工作考核"
    assert sheet(year_workbook(2026, []), "调研文章").max_row == 3


def test_the_chart_font_has_the_glyphs_of_the_labels() -> None:
    path = cjk_font_path()
    assert path.is_file()
    font = FT2Font(str(path))
    text = "2026年10月 各单位信息得分本月累计竖线为目标分奖励元共个仅显示前名橙色本单位（）—…"
    text += "市人社局窗口城关镇便民服务中心小汉政务综合科管理达到绿"
    missing = [ch for ch in text if not ch.isspace() and font.get_char_index(ord(ch)) == 0]
    assert missing == []
    # matplotlib resolves the family to that very file, not to a fallback without CJK glyphs
    found = font_manager.findfont(
        font_manager.FontProperties(family=cjk_font_family()), fallback_to_default=False
    )
    assert font_manager.FontProperties(fname=found).get_name() == cjk_font_family()


def test_points_chart_is_a_png_1200_px_wide() -> None:
    # pytest turns warnings into errors, so a label drawn as tofu ("Glyph … missing") fails here
    width, height = png_size(points_chart(month_report(), highlight="综合科"))
    assert width == charts.WIDTH_PX
    assert 400 <= height <= 1000


def test_points_chart_of_many_units_shows_the_top_rows_at_a_capped_height() -> None:
    many = [unit(i, f"测试单位{i}号窗口", submitted=2, points=i % 17) for i in range(2000)]
    report = MonthReport(
        year=2026,
        month=10,
        lines=month_figures(POLICY, many),
        year_to_date=year_figures(POLICY, many, months=10),
    )
    _, capped = png_size(points_chart(report))
    _, few = png_size(points_chart(MonthReport(2026, 10, report.lines[:30], [])))
    assert capped == few  # 30 rows either way: 1970 units are left out
    _, marked = png_size(points_chart(report, highlight=report.lines[-1].counts.name))
    assert marked > capped  # the highlighted unit is added below the top 30
    assert marked <= 1700


def test_year_chart_is_a_png_1200_px_wide() -> None:
    lines: list[UnitYear] = year_figures(POLICY, units(12))
    width, _ = png_size(year_chart(2026, lines))
    assert width == charts.WIDTH_PX
    assert png_size(year_chart(2026, []))[0] == charts.WIDTH_PX


def test_an_unknown_highlight_changes_nothing() -> None:
    report = month_report()
    assert points_chart(report) == points_chart(report, highlight="无此单位")


def test_months_are_written_as_runs() -> None:
    """A year's months without an informant or below quota read as a person writes them."""
    from bot.documents.workbook import month_ranges

    assert month_ranges([1, 2, 3, 4, 5, 6, 7, 8, 9]) == "1—9月"
    assert month_ranges([2, 3, 12]) == "2、3、12月"
    assert month_ranges([1, 3, 4, 5, 8]) == "1、3—5、8月"
    assert month_ranges([]) == ""


def test_month_workbook_lists_every_adoption_and_late_item_and_prints_on_a4() -> None:
    details = MonthDetails(
        [
            AdoptionLine(
                "市人社局窗口", 7, "一窗通办", "市政务服务中心网站", 1, 1, date(2026, 10, 9)
            ),
            AdoptionLine("市人社局窗口", 7, "一窗通办", "省政务服务网", 3, 3, date(2026, 10, 20)),
        ],
        [LateLine("城关镇便民服务中心", 9, "延时服务", date(2026, 10, 9), date(2026, 10, 15), 2)],
    )
    book = load_workbook(io.BytesIO(month_workbook(month_report(), details)))
    assert book.sheetnames == ["本月", "全年累计", "采用明细", "迟报明细"]
    adopted = book["采用明细"]
    assert [c.value for c in adopted[3]] == [
        "市人社局窗口",
        7,
        "一窗通办",
        "市政务服务中心网站",
        1,
        1,
        "2026-10-09",
    ]
    assert adopted["F5"].value == 4 and adopted["B5"].value == "合计"  # the points summed
    late = book["迟报明细"]
    assert late["F3"].value == 2 and late["E3"].value == "2026-10-15"
    for sheet in book.worksheets:
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4  # "9": ISO A4
        assert sheet.page_setup.orientation == "landscape"
        assert sheet["A2"].border.left.style == "thin"
