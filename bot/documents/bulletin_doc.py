"""A month's formal 通报 (关于2026年11月份信息报送情况的通报) as a .docx in 公文 style.

红头 (the issuing body's name and 文件 in red), the document number (〔2026〕3号) above a red
rule, the title, the units addressed, then: 一、总体情况 (the month's sums, units below quota or
without an informant); 二、the table of every unit (rank, items at the centre, late, adopted,
adoptions by level, points) as the workbook ranks them; 三、each unit's adopted items (title,
outlet, level); 四、each unit's late items; 五、corrections of closed months, if any; a closing
paragraph, the signature (issuing body over the date) and the 版记's print line. The same
month, data, number and date give the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph

from bot.documents.gongwen import (
    BODY_FONT,
    BODY_PT,
    HEADING_FONT,
    HEADING_PT,
    HEI_FONT,
    KAI_FONT,
    LATIN_FONT,
    MASTHEAD_FONT,
    MASTHEAD_PT,
    RED,
    RED_HEX,
    TEXT_WIDTH,
    border,
    exact_lines,
    font,
    imprint,
    page_number_footer,
    paragraph_style,
    save,
    setup,
)
from chat import numbers
from scoring.figures import any_points
from storage.document_numbers import DocumentNumber
from storage.figures import AdoptionLine, LateLine, read_month_details
from workflow.briefs import chinese_date
from workflow.figures import CorrectionLine, MonthDetails, MonthReport, month_span

LEVELS: Final = (1, 2, 3, 4)
LEVEL_NAMES: Final = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
DIGITS: Final = "零一二三四五六七八九"
TABLE_PT: Final = 10.5  # 五号: ten columns across A4
#: The table's columns: header, width.
COLUMNS: Final = (
    ("名次", Cm(1.2)),
    ("单位", Cm(4.2)),
    ("报送", Cm(1.2)),
    ("迟报", Cm(1.2)),
    ("采用", Cm(1.2)),
    *((LEVEL_NAMES[level], Cm(1.2)) for level in LEVELS),
    ("得分", Cm(1.6)),
)
CELL_MARGIN: Final = Cm(0.1)  # left and right, so that 名次 and 一级 fit their columns
CONTROL_AS_SPACE: Final = dict.fromkeys(range(0x20), " ")
LINE_PT_GAP: Final = 56  # two lines of the body between the text and the signature
BY_LEVEL_HEADER: Final = "采用次数（按级别）"
CLOSING: Final = (
    "希望各单位对照本通报查找差距，落实信息员，按时足量报送信息，提高信息质量。"
    "未完成报送任务和有迟报信息的单位要认真分析原因，切实加以改进。"
)


def chinese_number(value: int) -> str:
    """A count below 10,000 in Chinese numerals, as headings number their parts (十二, 一百零五)."""
    if value < 10:
        return DIGITS[value]
    if value < 20:
        return "十" + (DIGITS[value % 10] if value % 10 else "")
    out, pending_zero = "", False
    for unit, size in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        digit = value // size % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        out += ("零" if pending_zero else "") + DIGITS[digit] + unit
        pending_zero = False
    return out


def number_label(number: DocumentNumber, code: str = "") -> str:
    """The number as printed: 〔2026〕3号, after the body's code (机关代字) if set: 市政务通〔2026〕3号."""
    return f"{code}〔{number.year}〕{number.number}号"


def title_of(year: int, month: int) -> str:
    """The 通报's title: 关于2026年11月份信息报送情况的通报."""
    return f"关于{year}年{month}月份信息报送情况的通报"


@dataclass(slots=True)
class UnitItems:
    """One unit's adopted items (each with its outlets and levels) and late items."""

    adopted: dict[int, list[AdoptionLine]] = field(default_factory=dict)
    late: list[LateLine] = field(default_factory=list)


def by_unit(report: MonthReport, details: MonthDetails) -> dict[str, UnitItems]:
    """The month's adoptions and late items per unit name: units in the table's order first,
    then any the table does not name, as the ledger lists them."""
    found: dict[str, UnitItems] = {line.counts.name: UnitItems() for line in report.lines}
    for adoption in details.adoptions:
        items = found.setdefault(adoption.unit, UnitItems())
        items.adopted.setdefault(adoption.item_id, []).append(adoption)
    for late in details.late:
        found.setdefault(late.unit, UnitItems()).late.append(late)
    return found


def level_counts(details: MonthDetails) -> dict[str, dict[int, int]]:
    """Adoptions per unit name and outlet level."""
    counted: dict[str, dict[int, int]] = {}
    for adoption in details.adoptions:
        levels = counted.setdefault(adoption.unit, dict.fromkeys(LEVELS, 0))
        levels[adoption.level] = levels.get(adoption.level, 0) + 1
    return counted


def month_day(day: date) -> str:
    """A day within the document's year, as the lists print it: 11月3日."""
    return f"{day.month}月{day.day}日"


class Writer:
    """Adds the 通报's paragraphs in its styles (text 仿宋, parts 黑体, units 楷体, all 三号 with
    exact lines and the two-character indent), and numbers its parts.

    A province's month has tens of thousands of items: python-docx's `add_paragraph` looks for
    the section's end among every paragraph so far (2,000 units took 150 s), so paragraphs go
    straight before that end, each naming its style instead of carrying its own formatting.
    """

    def __init__(self, document: DocxDocument) -> None:
        self.document = document
        self.parts = 0
        self.text = paragraph_style(document, "通报正文", BODY_FONT, BODY_PT)
        self.flush = paragraph_style(document, "通报正文顶格", BODY_FONT, BODY_PT, indent=False)
        self.heading = paragraph_style(
            document, "通报一级标题", HEI_FONT, BODY_PT, keep_with_next=True
        )
        self.subheading = paragraph_style(
            document, "通报二级标题", KAI_FONT, BODY_PT, keep_with_next=True
        )
        self.cell = paragraph_style(
            document, "通报表格", BODY_FONT, TABLE_PT, indent=False,
            alignment=WD_ALIGN_PARAGRAPH.CENTER, line=None,
        )  # fmt: skip
        self._end = document.element.body.sectPr  # the body's last element, kept last

    def paragraph(self, style: str, text: str) -> Paragraph:
        """A paragraph of one run in a style, at the end of the document so far."""
        element = OxmlElement("w:p")
        if self._end is not None:
            self._end.addprevious(element)
        else:
            self.document.element.body.append(element)
        styled(element, style, text)
        return Paragraph(element, self.document._body)

    def body(self, text: str, *, indent: bool = True) -> Paragraph:
        """A paragraph of the text: 仿宋 三号, justified, first line indented two characters."""
        return self.paragraph(self.text if indent else self.flush, text)

    def part(self, heading: str) -> Paragraph:
        """A first-level heading, numbered in order: 一、总体情况 (黑体)."""
        self.parts += 1
        return self.paragraph(self.heading, f"{chinese_number(self.parts)}、{heading}")

    def unit(self, index: int, text: str) -> Paragraph:
        """A second-level heading: （一）市人社局窗口 (楷体)."""
        return self.paragraph(self.subheading, f"（{chinese_number(index)}）{text}")


def masthead(document: DocxDocument, issuing_body: str, label: str) -> None:
    """The 红头: the issuing body's 文件 in red (smaller for a long name, to stay on one line),
    the number centred below it, and the red rule."""
    name = f"{issuing_body}文件"
    size = min(MASTHEAD_PT, int(TEXT_WIDTH.pt / max(len(name), 1)))
    head = document.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.paragraph_format.space_before = Pt(24)
    head.paragraph_format.space_after = Pt(30)
    font(head.add_run(name), MASTHEAD_FONT, size, bold=True, color=RED)
    line = document.add_paragraph()
    line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    line.paragraph_format.space_after = Pt(30)
    font(line.add_run(label), BODY_FONT, BODY_PT, latin=LATIN_FONT)
    border(line, "bottom", size=18, color=RED_HEX)


def summary(report: MonthReport) -> list[str]:
    """一、总体情况: the month's sums, and the units below quota or without an informant."""
    lines = report.lines
    counts = [line.counts for line in lines]
    score = sum((line.score for line in lines), start=Decimal(0))
    said = [
        f"{report.month}月份，{len(lines)}个单位共提交信息{sum(c.submitted for c in counts)}条，"
        f"报送中心{sum(c.at_centre for c in counts)}条，其中迟报{sum(c.late for c in counts)}条；"
        f"被采用信息{sum(c.adopted_items for c in counts)}条、"
        f"{sum(c.adoptions for c in counts)}次，合计得分{numbers.points(score)}分。"
    ]
    below = [line.counts.name for line in lines if not line.quota_met]
    if below:
        said.append(f"{len(below)}个单位未完成月度报送任务：{'、'.join(below)}。")
    elif lines:
        said.append("各单位均完成月度报送任务。")
    missing = [c.name for c in counts if not c.has_informant]
    if missing:
        said.append(f"{len(missing)}个单位未落实信息员：{'、'.join(missing)}。")
    return said


def styled(
    element: BaseOxmlElement, style: str, text: str, *, bold: bool = False, left: bool = False
) -> None:
    """Fills an empty paragraph: its style, flush left if asked, and one run of the text (bold
    if asked), written as XML at once (python-docx's setters take a run letter by letter);
    control characters, which XML cannot hold, become spaces."""
    properties = OxmlElement("w:pPr")
    named = OxmlElement("w:pStyle")
    named.set(qn("w:val"), style)
    properties.append(named)
    if left:
        aligned = OxmlElement("w:jc")
        aligned.set(qn("w:val"), "left")
        properties.append(aligned)
    element.insert(0, properties)
    run = OxmlElement("w:r")
    if bold:
        run_properties = OxmlElement("w:rPr")
        run_properties.append(OxmlElement("w:b"))
        run.append(run_properties)
    said = OxmlElement("w:t")
    said.text = text.translate(CONTROL_AS_SPACE)
    said.set(qn("xml:space"), "preserve")
    run.append(said)
    element.append(run)


def _cell_text(cell_paragraph: Paragraph, style: str, text: str, *, bold: bool = False) -> None:
    """A table cell's text in the table's style: centred, 仿宋 五号 (digits in Times New Roman)."""
    styled(cell_paragraph._p, style, text, bold=bold)


def _narrow_margins(table: Table) -> None:
    """Cells keep less space at their sides than Word's default, so the ten columns fit."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(CELL_MARGIN.twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.append(margins)


def _repeat_header(table: Table, rows: int) -> None:
    """The first rows repeat at the top of every page the table runs onto."""
    for row in table.rows[:rows]:
        mark = OxmlElement("w:tblHeader")
        mark.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(mark)


def figures_table(
    document: DocxDocument, style: str, report: MonthReport, levels: dict[str, dict[int, int]]
) -> Table:
    """二、the table: a two-row header (adoptions split by level), a row per unit in rank order
    ("—" for ranks while nobody has points, as the bulletin prints), and 合计."""
    table: Table = document.add_table(rows=3 + len(report.lines), cols=len(COLUMNS))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _narrow_margins(table)
    for column, (_, width) in zip(table.columns, COLUMNS, strict=True):
        column.width = width
    first, second = table.rows[0].cells, table.rows[1].cells
    level_at = [header for header, _ in COLUMNS].index(LEVEL_NAMES[1])
    for index, (header, width) in enumerate(COLUMNS):
        first[index].width = second[index].width = width
        if level_at <= index < level_at + len(LEVELS):
            _cell_text(second[index].paragraphs[0], style, header, bold=True)
        else:
            _cell_text(first[index].paragraphs[0], style, header, bold=True)
    for index in range(len(COLUMNS)):
        if not level_at <= index < level_at + len(LEVELS):
            first[index].merge(second[index]).vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    merged = first[level_at].merge(first[level_at + len(LEVELS) - 1])
    _cell_text(merged.paragraphs[0], style, BY_LEVEL_HEADER, bold=True)
    _repeat_header(table, 2)
    ranked = any_points(report.lines)
    totals = [0] * (3 + len(LEVELS))
    rows = list(table.rows)[2:]  # once: each table.rows[i] walks every row
    for row, line in zip(rows, report.lines, strict=False):
        counts = line.counts
        by_level = levels.get(counts.name, {})
        figures = [
            counts.at_centre,
            counts.late,
            counts.adopted_items,
            *(by_level.get(level, 0) for level in LEVELS),
        ]
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
        values = [
            str(line.rank) if ranked else "—",
            counts.name,
            *map(str, figures),
            numbers.points(line.score),
        ]
        _fill(row, style, values)
    score = sum((line.score for line in report.lines), start=Decimal(0))
    _fill(rows[-1], style, ["合计", "", *map(str, totals), numbers.points(score)], bold=True)
    last = rows[-1].cells
    last[0].merge(last[1])
    return table


def _fill(row: _Row, style: str, values: Sequence[str], *, bold: bool = False) -> None:
    """One row of the table; the unit's name is set flush left."""
    cells = row.cells
    for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
        if not value:
            continue  # left empty, so that a merge takes nothing of it
        (paragraph,) = cell._tc.p_lst
        styled(paragraph, style, value, bold=bold, left=index == 1)


def adopted_lines(adopted: dict[int, list[AdoptionLine]]) -> Iterable[str]:
    """Each adopted item once, numbered: its title, then every outlet and level it reached."""
    for index, found in enumerate(adopted.values(), 1):
        where = "；".join(f"{a.outlet}，{LEVEL_NAMES.get(a.level, a.level)}" for a in found)
        yield f"{index}. {found[0].title}（{where}）"


def late_lines(late: Sequence[LateLine]) -> Iterable[str]:
    """Each late item, numbered: its title, the day of the work, the day it reached the centre
    and by how many working days it was late."""
    for index, item in enumerate(late, 1):
        yield (
            f"{index}. {item.title}（{month_day(item.event_date)}的工作，"
            f"{month_day(item.centre_on)}报送中心，迟报{item.late_days}个工作日）"
        )


def correction_line(index: int, line: CorrectionLine) -> str:
    """A correction of a closed month, as the 通报 lists it."""
    year, month = line.period.split("-")
    return (
        f"{index}. {year}年{int(month)}月，{line.unit}第{line.item_id}号信息，"
        f"{line.outlet}，{line.points:+d}分（{line.reason}）"
    )


def signature(document: DocxDocument, issuing_body: str, dated: date) -> None:
    """The issuing body centred over the date, the date four characters from the right margin."""
    when = chinese_date(dated)
    date_width = sum(BODY_PT if ord(ch) > 0x2E80 else BODY_PT / 2 for ch in when)
    name_width = BODY_PT * len(issuing_body)
    name = document.add_paragraph()
    name.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    name.paragraph_format.right_indent = Pt(max(0.0, BODY_PT * 4 + (date_width - name_width) / 2))
    name.paragraph_format.keep_with_next = True
    exact_lines(name)
    name.paragraph_format.space_before = Pt(LINE_PT_GAP)
    font(name.add_run(issuing_body), BODY_FONT, BODY_PT)
    day = document.add_paragraph()
    day.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    day.paragraph_format.right_indent = Pt(BODY_PT * 4)
    day.paragraph_format.keep_with_next = True
    exact_lines(day)
    font(day.add_run(when), BODY_FONT, BODY_PT, latin=LATIN_FONT)


def month_document(
    report: MonthReport,
    details: MonthDetails,
    number: DocumentNumber,
    issuing_body: str,
    addressees: Sequence[str] = (),
    code: str = "",
) -> bytes:
    """The month's 通报 as .docx bytes, numbered (after `code`) and dated as `number` says."""
    document = Document()
    setup(document)
    title = title_of(report.year, report.month)
    properties = document.core_properties
    properties.title = title
    properties.subject = "信息报送通报"
    properties.keywords = number_label(number, code)
    properties.author = issuing_body
    masthead(document, issuing_body, number_label(number, code))

    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.space_before = Pt(12)
    heading.paragraph_format.space_after = Pt(LINE_PT_GAP / 2)
    font(heading.add_run(title), HEADING_FONT, HEADING_PT, bold=True)

    write = Writer(document)
    if addressees:
        write.body("，".join(addressees) + "：", indent=False)
    write.body(f"现将{report.year}年{report.month}月份各单位信息报送、采用和得分情况通报如下。")

    write.part("总体情况")
    for said in summary(report):
        write.body(said)

    write.part("各单位报送情况")
    write.body(
        "各单位报送、采用和得分情况见下表（按得分排名）。"
    ).paragraph_format.keep_with_next = True
    figures_table(document, write.cell, report, level_counts(details))
    points = report.policy.level_points
    note = document.add_paragraph()
    note.paragraph_format.space_after = Pt(BODY_PT / 2)
    font(
        note.add_run(
            "注：采用次数按采用渠道级别统计，一级至四级每次分别计"
            f"{points[1]}、{points[2]}、{points[3]}、{points[4]}分；得分含编辑加分。"
        ),
        BODY_FONT,
        TABLE_PT,
        latin=LATIN_FONT,
    )

    grouped = by_unit(report, details)
    write.part("各单位采用信息")
    adopted = [(unit, items) for unit, items in grouped.items() if items.adopted]
    for index, (unit, items) in enumerate(adopted, 1):
        write.unit(index, f"{unit}（{len(items.adopted)}条）")
        for said in adopted_lines(items.adopted):
            write.body(said)
    if not adopted:
        write.body("本月无采用信息。")

    write.part("迟报信息")
    late = [(unit, items) for unit, items in grouped.items() if items.late]
    for index, (unit, items) in enumerate(late, 1):
        write.unit(index, f"{unit}（{len(items.late)}条）")
        for said in late_lines(items.late):
            write.body(said)
    if not late:
        write.body("本月无迟报信息。")

    if report.corrections:
        write.part("更正")
        for index, correction in enumerate(report.corrections, 1):
            write.body(correction_line(index, correction))

    closing = write.body(CLOSING)
    closing.paragraph_format.space_before = Pt(BODY_PT)
    closing.paragraph_format.keep_with_next = True  # the signature never stands alone
    signature(document, issuing_body, number.issued_on)

    spacer = document.add_paragraph()
    spacer.paragraph_format.keep_with_next = True  # nor does the print line
    printed = imprint(document, issuing_body, number.issued_on)
    border(printed, "top", size=8, color="000000")
    border(printed, "bottom", size=8, color="000000")
    page_number_footer(document)
    return save(document, number.issued_on)


def month_document_from_ledger(
    report: MonthReport,
    ledger: Path,
    number: DocumentNumber,
    issuing_body: str,
    addressees: Sequence[str] = (),
    recorded_before: datetime | None = None,
    code: str = "",
) -> bytes:
    """`month_document` with the month's adoptions and late items read from the ledger file,
    in the render's child process (as the workbook reads its detail sheets)."""
    first, last = month_span(report.year, report.month)
    found, late = read_month_details(ledger, first, last, recorded_before)
    details = MonthDetails(found, late)
    return month_document(report, details, number, issuing_body, addressees, code)
