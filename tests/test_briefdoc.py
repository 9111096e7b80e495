"""The 《工作简报》 .docx: opened with python-docx, its masthead, number, items and foot checked."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date
from io import BytesIO
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from bot.documents.briefdoc import render
from bot.documents.gongwen import BODY_FONT
from workflow.briefs import BriefContent

CONTENT = BriefContent(
    title="工作简报",
    issuing_body="市政务服务中心",
    year=2026,
    number=7,
    issue_date=date(2026, 10, 15),
    entries=(
        (
            "市人社局窗口推行“一窗通办”",
            "10月14日，市人社局窗口推行“一窗通办”改革。\n\n当天办件 3000 余件，群众满意率 99%。",
        ),
        ("城关镇打造“15分钟便民服务圈”", "城关镇便民服务中心推行代办帮办 <b>&</b> 上门服务。"),
    ),
    report_to=("省政务服务中心",),
    send_to=("市委、市人大、市政府、市政协领导",),
    issue_to=("各市直部门", "各乡镇便民服务中心"),
)


def texts_of(data: bytes) -> list[str]:
    """The document's non-empty paragraphs, in order."""
    document = docx.Document(BytesIO(data))
    return [p.text for p in document.paragraphs if p.text.strip()]


def paragraphs(data: bytes) -> list[Paragraph]:
    """The document's non-empty paragraphs."""
    return [p for p in docx.Document(BytesIO(data)).paragraphs if p.text.strip()]


def test_masthead_number_date_and_red_rule() -> None:
    found = paragraphs(render(CONTENT))
    masthead, number, issuer = found[0], found[1], found[2]
    assert masthead.text == "工作简报"
    assert masthead.alignment == WD_ALIGN_PARAGRAPH.CENTER
    run = masthead.runs[0]
    assert run.font.color.rgb == RGBColor(0xFF, 0x00, 0x00)
    assert run.font.size is not None and run.font.size >= Pt(36)
    assert run.font.bold
    assert number.text == "第7期"
    assert number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert issuer.text == "市政务服务中心\t2026年10月15日"
    rule = issuer._p.find(qn("w:pPr")).find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000"


def test_items_and_headings_in_order_with_indented_fangsong_bodies() -> None:
    data = render(CONTENT)
    lines = texts_of(data)
    first, second = (
        lines.index("市人社局窗口推行“一窗通办”"),
        lines.index("城关镇打造“15分钟便民服务圈”"),
    )
    assert 2 < first < second
    assert lines[first + 1 : second] == [
        "10月14日，市人社局窗口推行“一窗通办”改革。",
        "当天办件 3000 余件，群众满意率 99%。",
    ]
    assert lines[second + 1] == "城关镇便民服务中心推行代办帮办 <b>&</b> 上门服务。"  # as typed
    found = paragraphs(data)
    heading = found[first]
    assert heading.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert heading.runs[0].font.bold
    body = found[first + 1]
    assert body.paragraph_format.first_line_indent == Pt(32)
    indent = body._p.find(qn("w:pPr")).find(qn("w:ind"))
    assert indent.get(qn("w:firstLineChars")) == "200"
    fonts = body.runs[0]._r.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == BODY_FONT
    assert "仿宋" in BODY_FONT


def test_distribution_lines_at_the_end() -> None:
    lines = texts_of(render(CONTENT))
    assert lines[-4:] == [
        "报：省政务服务中心",
        "送：市委、市人大、市政府、市政协领导",
        "发：各市直部门、各乡镇便民服务中心",
        "市政务服务中心\t2026年10月15日印发",
    ]
    document = docx.Document(BytesIO(render(CONTENT)))
    assert document.core_properties.title == "工作简报 2026年第7期"
    assert document.sections[0].page_width is not None
    assert round(document.sections[0].page_width.cm, 1) == 21.0


def test_empty_distribution_lines_are_left_out() -> None:
    bare = BriefContent(
        title="工作简报",
        issuing_body="市政务服务中心",
        year=2026,
        number=1,
        issue_date=date(2026, 1, 5),
        entries=(("标题", "正文。"),),
    )
    lines = texts_of(render(bare))
    assert not any(line.startswith(("报：", "送：", "发：")) for line in lines)
    assert lines[-1] == "市政务服务中心\t2026年1月5日印发"


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice and poppler are not installed",
)
def test_renders_to_a_page_with_libreoffice(tmp_path: Path) -> None:
    source = tmp_path / "brief.docx"
    source.write_bytes(render(CONTENT))
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "brief.pdf"
    assert pdf.exists()
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert list(tmp_path.glob("page*.png"))


def test_running_number_contents_and_contributing_units() -> None:
    content = replace(CONTENT, units=("市人社局窗口", "城关镇便民服务中心"), total_number=31)
    lines = texts_of(render(content))
    assert lines[1] == "第7期（总第31期）"
    contents = lines.index("本期要目")
    assert lines[contents + 1 : contents + 3] == [
        "1. 市人社局窗口推行“一窗通办”",
        "2. 城关镇打造“15分钟便民服务圈”",
    ]
    second = lines.index("城关镇打造“15分钟便民服务圈”")
    assert lines[second - 1] == "（市人社局窗口供稿）"
    assert lines[second + 2] == "（城关镇便民服务中心供稿）"
