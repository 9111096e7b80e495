"""The campaign workbook (units × checks: self-check beside the assessed score, totals, grades,
survey rates) and the score workbook the group fills in; both drawn from plain data, so the
same sheet gives the same bytes at any time."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from scoring.assessment import (
    Answer,
    AssessmentTemplate,
    ScoreOutOfRange,
    SurveyRates,
    Verdict,
    check_score,
)

VERDICTS: Final = {Verdict.MET: "符合", Verdict.PARTLY: "部分符合", Verdict.NOT_MET: "不符合"}
SCOPES: Final = {"general": "普遍考核", "focus": "重点考核"}
OUTCOMES: Final = {"praise": "通报表扬", "criticism": "通报批评", "reported": "报目标考核办"}
SETTLEMENTS: Final = {"average": "取平均分", "median": "取中位数"}
HOW: Final = {"settled": "办公室核定", "survey": "民主测评折算", "members": "考核组评分"}
HEADER_FILL: Final = PatternFill("solid", fgColor="DDEBF7")
SELF_FILL: Final = PatternFill("solid", fgColor="F2F2F2")
THIN: Final = Side(style="thin", color="999999")
GRID: Final = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
#: Zip entries and document properties carry this instead of the time of writing.
FIXED_ZIP_TIME: Final = (2000, 1, 1, 0, 0, 0)
FIXED_STAMP: Final = "2000-01-01T00:00:00Z"
SCORE_SHEET_MARK: Final = "考核评分表"
NUMERALS: Final = "一二三四五六七八九十"


def _width(value: object) -> int:
    """Columns a cell's text takes (CJK counts double)."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _number(text: str | None) -> float | int | None:
    """A stored decimal as a cell number (an int when whole)."""
    if text is None:
        return None
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def _deterministic(book: Workbook) -> bytes:
    """The workbook's bytes with fixed times in the zip and the document properties."""
    buffer = io.BytesIO()
    book.save(buffer)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                    rb"\g<1>" + FIXED_STAMP.encode() + rb"\g<2>",
                    data,
                )
            info = zipfile.ZipInfo(entry.filename, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, data)
    return out.getvalue()


def _fit(sheet: Worksheet, first_row: int, most: int = 40) -> None:
    """Each column as wide as its widest cell from first_row down, within limits."""
    widest: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=first_row, values_only=True):
        for column, value in enumerate(row, start=1):
            widest[column] = max(widest.get(column, 0), _width(value))
    for column, size in widest.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(most, max(6, size + 2))


def _label(section: int, check: int) -> str:
    """A check's short column label: its section's numeral and its place, 一.2."""
    return f"{NUMERALS[section]}.{check}"


def _rules_lines(template: AssessmentTemplate) -> list[str]:
    """The settings a sheet states: grades, settlement, survey rule, notice period."""
    grades = ",".join(f"{g.name} ≥ {g.min_total.normalize():f}" for g in template.grades)
    weight = template.survey_rule.basic_weight.normalize()
    return [
        f"等次:{grades}(总分 100)",
        f"考核组评分不一致时{SETTLEMENTS[template.settlement.value]},办公室可说明理由核定",
        f"民主测评:该项得分 = 满分 ×(满意 + {weight:f} × 基本满意)÷ 测评人数,"
        f"少于 {template.survey_rule.min_answers} 人测评时由考核组评分",
        f"提前 {template.notice_days} 日发出考核通知;不合格单位限期 {template.rectification_days} 日整改",
    ]


def campaign_workbook(sheet: dict[str, Any]) -> bytes:
    """The campaign workbook from a sheet (a closed version, or a running campaign's so far):
    结果 (units × checks, 自查 beside 得分, sections, total, grades, survey rates, consequences)
    and 检查项 (the checklist with maxima and the rules in force)."""
    template = AssessmentTemplate.model_validate(sheet["template"])
    info = sheet["campaign"]
    version = sheet.get("version")
    book = Workbook()
    results = book.active
    assert isinstance(results, Worksheet)
    results.title = "结果"
    state = f"第 {version} 版" if version else "考核进行中,未定稿"
    results.cell(1, 1, f"{info['title']}({SCOPES.get(info['scope'], info['scope'])},{state})")
    results.cell(1, 1).font = Font(bold=True, size=14)
    results.cell(2, 1, f"模板:{template.name}({template.source})")
    header_row, sub_row, first = 4, 5, 6
    columns: list[tuple[str, str]] = [("单位", ""), ("考核日期", "")]
    for number, section in enumerate(template.sections):
        for place, check in enumerate(section.checks, start=1):
            label = f"{_label(number, place)}\n满分 {check.max_points.normalize():f}"
            columns += [(label, "自查"), (label, "得分")]
    for number, section in enumerate(template.sections):
        columns.append((f"{NUMERALS[number]}小计", f"满分 {section.max_points.normalize():f}"))
    columns += [
        ("总分", ""),
        ("初步等次", ""),
        ("审定等次", ""),
        ("满意率%", ""),
        ("基本满意率%", ""),
        ("不满意率%", ""),
        ("测评人数", ""),
        ("结果运用", ""),
    ]
    for index, (top, sub) in enumerate(columns, start=1):
        for row, text in ((header_row, top), (sub_row, sub)):
            cell = results.cell(row, index, text or None)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.border = GRID
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    index = 3
    while index < 3 + 2 * len(template.check_ids()):
        results.merge_cells(
            start_row=header_row, start_column=index, end_row=header_row, end_column=index + 1
        )
        index += 2
    for offset, line in enumerate(sheet["units"]):
        row = first + offset
        values: list[Any] = [line["name"], line["onsite_on"]]
        for check_id in template.check_ids():
            entry = line["checks"][check_id]
            verdict = entry["self"]
            values += [VERDICTS[Verdict(verdict)] if verdict else None, _number(entry["final"])]
        values += [_number(line["sections"][s.key]) for s in template.sections]
        survey = line["survey"]
        rates = SurveyRates(survey["satisfied"], survey["basic"], survey["dissatisfied"])
        shares: list[Any] = (
            [_number(str(rates.percent(answer))) for answer in Answer]
            if rates.total
            else [None, None, None]
        )
        values += [
            _number(line["total"]),
            line["preliminary"] or line["computed_grade"],
            line["grade"] if version else None,
            *shares,
            rates.total,
            "、".join(OUTCOMES[kind] for kind in line["outcomes"]),
        ]
        for column, value in enumerate(values, start=1):
            cell = results.cell(row, column, value)
            cell.border = GRID
            if 3 <= column < 3 + 2 * len(template.check_ids()) and column % 2 == 1:
                cell.fill = SELF_FILL
    notes = first + len(sheet["units"]) + 1
    changed = [line for line in sheet["units"] if line.get("grade_reason")]
    lines = _rules_lines(template) + [
        f"{line['name']}:审定等次由{line['preliminary']}改为{line['grade']},理由:{line['grade_reason']}"
        for line in changed
    ]
    for offset, text in enumerate(lines):
        results.cell(notes + offset, 1, text)
    results.freeze_panes = f"C{first}"
    _fit(results, header_row, most=14)
    results.column_dimensions["A"].width = max(
        12, max((_width(u["name"]) for u in sheet["units"]), default=10) + 2
    )
    results.row_dimensions[header_row].height = 32
    results.page_setup.orientation = "landscape"
    results.page_setup.fitToWidth = 1
    results.page_setup.fitToHeight = 0
    results.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    checklist = book.create_sheet("检查项")
    for column, text in enumerate(["列", "部分", "检查项", "满分", "编号"], start=1):
        cell = checklist.cell(1, column, text)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    row = 2
    for number, section in enumerate(template.sections):
        for place, check in enumerate(section.checks, start=1):
            checklist.append(
                [
                    _label(number, place),
                    f"{NUMERALS[number]}、{section.title}",
                    check.title,
                    _number(str(check.max_points)),
                    f"{section.key}.{check.key}",
                ]
            )
            row += 1
    _fit(checklist, 1, most=80)  # before the notes, which may run past column A
    for (cell,) in checklist.iter_rows(min_row=2, max_row=row - 1, min_col=3, max_col=3):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        wrapped = -(-_width(cell.value) // 78)  # a spreadsheet does not size wrapped rows itself
        checklist.row_dimensions[cell.row].height = 15 * max(1, wrapped)
    for offset, text in enumerate(_rules_lines(template), start=row + 1):
        checklist.cell(offset, 1, text)
    checklist.page_setup.orientation = "landscape"
    checklist.page_setup.fitToWidth = 1
    checklist.page_setup.fitToHeight = 0
    checklist.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    book.properties.title = info["title"]
    book.properties.creator = "报送 Baosong"
    return _deterministic(book)


# --- the score workbook ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One score read from a filled score workbook."""

    unit_id: int
    check_id: str
    points: Decimal
    comment: str
    cell: str = ""  # where the score was read (Sheet!E7), for a refusal naming it


class ScoreWorkbookError(ValueError):
    """A filled score workbook that cannot be read: `where` names the sheet and cell."""

    def __init__(self, where: str, problem: str) -> None:
        """Keep the place and the problem apart for the refusal shown."""
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


def score_workbook(sheet: dict[str, Any]) -> bytes:
    """The blank score workbook for the group: one sheet per unit, a row per check with its
    maximum and the unit's own answer, and 得分 / 评语 columns to fill in."""
    template = AssessmentTemplate.model_validate(sheet["template"])
    book = Workbook()
    first_sheet = book.active
    assert isinstance(first_sheet, Worksheet)
    book.remove(first_sheet)
    for line in sheet["units"]:
        page = book.create_sheet(str(line["name"])[:31])
        page.cell(1, 1, f"{SCORE_SHEET_MARK}:{sheet['campaign']['title']}").font = Font(bold=True)
        page.cell(2, 1, "单位编号")
        page.cell(2, 2, int(line["unit_id"]))
        for column, text in enumerate(["编号", "检查项", "满分", "自查", "得分", "评语"], start=1):
            cell = page.cell(4, column, text)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
        for check_id in template.check_ids():
            check = template.check(check_id)
            assert check is not None
            verdict = line["checks"][check_id]["self"]
            page.append(
                [
                    check_id,
                    check.title,
                    _number(str(check.max_points)),
                    VERDICTS[Verdict(verdict)] if verdict else None,
                    None,
                    None,
                ]
            )
        _fit(page, 4, most=60)
    book.properties.title = sheet["campaign"]["title"]
    return _deterministic(book)


def read_score_workbook(data: bytes, template: AssessmentTemplate) -> list[ScoreRow]:
    """The scores of a filled score workbook; every empty 得分 is skipped, anything else that
    is not a number or not a check of the template is an error naming its cell."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ScoreWorkbookError("(文件)", "不是考核评分表 .xlsx") from None
    rows: list[ScoreRow] = []
    known = set(template.check_ids())
    try:
        for page in book.worksheets:
            cells = list(page.iter_rows(values_only=True))
            if not cells or not str(cells[0][0] or "").startswith(SCORE_SHEET_MARK):
                raise ScoreWorkbookError(page.title, "不是生成的考核评分表")
            unit = cells[1][1] if len(cells) > 1 and len(cells[1]) > 1 else None
            if not isinstance(unit, int):
                raise ScoreWorkbookError(f"{page.title}!B2", "单位编号缺失")
            for number, values in enumerate(cells[4:], start=5):
                if not values or values[0] is None:
                    continue
                check_id = str(values[0])
                if check_id not in known:
                    raise ScoreWorkbookError(f"{page.title}!A{number}", f"未知检查项 {check_id}")
                points = values[4] if len(values) > 4 else None
                if points is None or str(points).strip() == "":
                    continue
                cell = f"{page.title}!E{number}"
                try:
                    value = Decimal(str(points).strip())
                except InvalidOperation:
                    raise ScoreWorkbookError(cell, "得分须为数字") from None
                maximum = template.check(check_id)
                assert maximum is not None
                try:
                    value = check_score(value, maximum.max_points)
                except ScoreOutOfRange:
                    raise ScoreWorkbookError(
                        cell, f"得分须在 0 到 {maximum.max_points.normalize():f} 之间，最多一位小数"
                    ) from None
                comment = values[5] if len(values) > 5 and values[5] is not None else ""
                rows.append(ScoreRow(unit, check_id, value, str(comment), cell))
    finally:
        book.close()
    return rows
