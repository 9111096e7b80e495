"""The results 通报 of an assessment campaign (.docx), laid out as a 公文 like the 《工作简报》.

Red masthead (the issuing body's 文件) with the document number 〔year〕N号 and date above a red
rule; the title 关于……考核结果的通报; the body in 仿宋 三号 (28 pt exact lines, first lines
indented two characters): how the campaign ran, the grades table (best total first), the
units listed for 通报表扬 and the 不合格 units for 通报批评 with their 限期整改; the issuing body
and date; the 报 / 送 lines between rules at the end. The same content gives the same bytes.
"""

from __future__ import annotations

from typing import Final

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from bot.documents.gongwen import (
    BODY_FONT,
    BODY_PT,
    HEADING_FONT,
    HEADING_PT,
    LATIN_FONT,
    MASTHEAD_FONT,
    RED,
    RED_HEX,
    back_matter,
    border,
    exact_lines,
    font,
    indent_two_chars,
    page_number_footer,
    save,
    setup,
)
from workflow.briefs import chinese_date
from workflow.campaign_results import ResultsContent

MASTHEAD_PT: Final = 36  # 小初: a long body's name on one line
TABLE_PT: Final = 14  # 四号
NUMERALS: Final = "一二三四五六七八九十"


def _body(document: object, text: str, *, indent: bool = True, bold: bool = False) -> Paragraph:
    """A paragraph of the body: justified, exact lines, its first line indented."""
    paragraph: Paragraph = document.add_paragraph()  # type: ignore[attr-defined]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    exact_lines(paragraph)
    if indent:
        indent_two_chars(paragraph)
    font(paragraph.add_run(text), BODY_FONT, BODY_PT, bold=bold, latin=LATIN_FONT)
    return paragraph


def _heading(document: object, text: str) -> Paragraph:
    """A numbered part's heading (一、…) in 黑体, as 公文 set their first-level headings."""
    paragraph: Paragraph = document.add_paragraph()  # type: ignore[attr-defined]
    exact_lines(paragraph)
    indent_two_chars(paragraph)
    paragraph.paragraph_format.keep_with_next = True
    font(paragraph.add_run(text), "黑体", BODY_PT, latin=LATIN_FONT)
    return paragraph


def _cell(cell: object, text: str, *, bold: bool = False) -> None:
    """A table cell's text, centred, in 仿宋 四号."""
    paragraph = cell.paragraphs[0]  # type: ignore[attr-defined]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    exact_lines(paragraph, 22)
    font(paragraph.add_run(text), BODY_FONT, TABLE_PT, bold=bold, latin=LATIN_FONT)


def _repeat_header(row: object) -> None:
    """The table's first row repeated on every page it runs onto."""
    properties = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _listed(names: tuple[str, ...]) -> str:
    """Units named in a sentence."""
    return "、".join(names)


def render(content: ResultsContent) -> bytes:
    """The results 通报 as .docx bytes."""
    document = Document()
    setup(document)
    properties = document.core_properties
    properties.title = f"关于{content.title}结果的通报"
    properties.author = content.issuing_body

    masthead = document.add_paragraph()
    masthead.alignment = WD_ALIGN_PARAGRAPH.CENTER
    masthead.paragraph_format.space_before = Pt(24)
    masthead.paragraph_format.space_after = Pt(18)
    font(
        masthead.add_run(f"{content.issuing_body}文件"),
        MASTHEAD_FONT,
        MASTHEAD_PT,
        bold=True,
        color=RED,
    )
    number = document.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number.paragraph_format.space_after = Pt(6)
    font(
        number.add_run(f"考核〔{content.year}〕{content.number}号"),
        BODY_FONT,
        BODY_PT,
        latin=LATIN_FONT,
    )
    border(number, "bottom", size=18, color=RED_HEX)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(24)
    title.paragraph_format.space_after = Pt(18)
    font(title.add_run(f"关于{content.title}结果的通报"), HEADING_FONT, HEADING_PT, bold=True)

    if content.version > 1:
        _body(
            document,
            f"（第{content.version}版，更正：{content.correction}。此前各版同时作废。）",
            indent=False,
        )
    count = len(content.rows)
    _body(
        document,
        f"根据《{content.template_name}》，{content.year}年对{count}个单位开展了{content.scope}。"
        "经单位自查、实地考核、民主测评和领导小组审定，现将考核结果通报如下。",
    )

    part = 0
    _heading(document, f"{NUMERALS[part]}、考核结果")
    part += 1
    standard = "，".join(f"{name}{threshold}分以上" for name, threshold in content.grades[:-1])
    _body(
        document,
        f"考核满分100分。{standard}，其余为{content.grades[-1][0]}。各单位得分和等次如下：",
    )
    table = document.add_table(rows=1, cols=4)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ("序号", "单位", "总分", "等次"), strict=True):
        _cell(cell, text, bold=True)
    _repeat_header(table.rows[0])
    for place, (unit, total, grade) in enumerate(content.rows, 1):
        cells = table.add_row().cells
        for cell, text in zip(cells, (str(place), unit, total, grade), strict=True):
            _cell(cell, text)
    table.autofit = False  # the widths below hold (a viewer would size columns by content)
    widths = (Pt(48), Pt(230), Pt(80), Pt(84))  # the text's width, 15.6 cm
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width

    _heading(document, f"{NUMERALS[part]}、通报表扬")
    part += 1
    if content.praise:
        _body(
            document,
            f"{_listed(content.praise)}政务公开工作扎实，考核等次为{content.praise_grade}、"
            "排名靠前，予以通报表扬。",
        )
    else:
        _body(document, f"本次考核没有等次为{content.praise_grade}的单位。")

    _heading(document, f"{NUMERALS[part]}、通报批评")
    part += 1
    if content.failed:
        _body(
            document,
            f"{_listed(content.failed)}考核等次为{content.fail_grade}，予以通报批评，"
            "考核结果抄送目标考核办公室，并对其主要负责人、分管领导进行诫勉谈话。"
            # a corrected version's units keep the deadlines they were each given
            + (
                f"请以上单位自本通报印发之日起{content.rectification_days}日内完成整改，"
                if content.version == 1
                else "请以上单位在限期整改通知的期限内完成整改，"
            )
            + "并向领导小组办公室提交整改报告。",
        )
    else:
        _body(document, f"本次考核没有{content.fail_grade}单位。")

    _heading(document, f"{NUMERALS[part]}、工作要求")
    _body(
        document,
        "各单位要对照考核中发现的问题认真整改，进一步规范公开内容、丰富公开形式、"
        "完善公开制度，推动政务公开工作取得实效。",
    )

    signature = document.add_paragraph()
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signature.paragraph_format.space_before = Pt(36)
    signature.paragraph_format.right_indent = Pt(BODY_PT * 2)
    font(signature.add_run(content.issuing_body), BODY_FONT, BODY_PT)
    day = document.add_paragraph()
    day.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    day.paragraph_format.right_indent = Pt(BODY_PT * 2)
    font(day.add_run(chinese_date(content.issue_date)), BODY_FONT, BODY_PT, latin=LATIN_FONT)

    back_matter(
        document,
        [("报", content.report_to), ("送", content.send_to)],
        content.issuing_body,
        content.issue_date,
    )

    page_number_footer(document)
    return save(document, content.issue_date)
