"""The month's formal 通报 .docx: opened with python-docx, its 红头, number, title, table,
items per unit, signature and print line checked, and its bytes the same for the same month."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import date
from decimal import Decimal

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from bot.documents.bulletin_doc import chinese_number, month_document
from bot.documents.gongwen import HEI_FONT, KAI_FONT
from scoring.figures import UnitCounts, month_figures
from scoring.policy import ScoringPolicy
from scoring.vocab import UnitKind
from storage.document_numbers import BULLETIN, DocumentNumber
from storage.figures import AdoptionLine, LateLine
from workflow.figures import CorrectionLine, MonthDetails, MonthReport

POLICY = ScoringPolicy()
NUMBER = DocumentNumber(BULLETIN, "2026-11", 2026, 3, date(2026, 12, 1))
BODY = "市政务服务中心"
ADDRESSEES = ("各市直部门，各乡镇便民服务中心，中心各科室",)


def counts(
    unit_id: int, name: str, kind: UnitKind, *, at_centre: int, late: int, adopted: int,
    adoptions: int, points: int, quota: int = 2, informant: bool = True,
) -> UnitCounts:  # fmt: skip
    """One unit's month, as the aggregate query would count it."""
    return UnitCounts(
        unit_id=unit_id,
        name=name,
        kind=kind,
        monthly_quota=quota,
        annual_target=Decimal(20),
        has_informant=informant,
        submitted=at_centre,
        at_centre=at_centre,
        late=late,
        adopted_items=adopted,
        adoptions=adoptions,
        own_points=points,
        monthly_quota_counts=(at_centre,),
    )


UNITS = [
    counts(1, "市人社局窗口", UnitKind.WINDOW, at_centre=3, late=1, adopted=2, adoptions=3,
           points=6),
    counts(2, "城关镇便民服务中心", UnitKind.TOWNSHIP, at_centre=1, late=0, adopted=1,
           adoptions=1, points=3),
    counts(3, "小汉镇政务服务中心", UnitKind.TOWN_CENTRE, at_centre=0, late=0, adopted=0,
           adoptions=0, points=0, informant=False),
]  # fmt: skip

ADOPTIONS = [
    AdoptionLine("市人社局窗口", 11, "市人社局推行“一窗通办”", "市政务服务中心网站", 1, 1,
                 date(2026, 11, 3)),
    AdoptionLine("市人社局窗口", 11, "市人社局推行“一窗通办”", "市委、市政府", 2, 2,
                 date(2026, 11, 9)),
    AdoptionLine("市人社局窗口", 14, "社保卡即办即取", "省政务服务中心", 3, 3,
                 date(2026, 11, 20)),
    AdoptionLine("城关镇便民服务中心", 15, "城关镇“15分钟便民服务圈”", "省政务服务中心", 3, 3,
                 date(2026, 11, 25)),
]  # fmt: skip
LATE = [LateLine("市人社局窗口", 12, "窗口延时服务", date(2026, 11, 2), date(2026, 11, 9), 3)]


def report(corrections: tuple[CorrectionLine, ...] = ()) -> MonthReport:
    """November's report over the three units."""
    return MonthReport(2026, 11, month_figures(POLICY, UNITS), [], POLICY, corrections)


def render(month: MonthReport | None = None, number: DocumentNumber = NUMBER) -> bytes:
    """The 通报 of `month` (November by default) with its adoptions and late items."""
    return month_document(
        month or report(), MonthDetails(ADOPTIONS, LATE), number, BODY, ADDRESSEES
    )


def lines_of(data: bytes) -> list[str]:
    """The document's non-empty paragraphs, in order."""
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs if p.text.strip()]


def table_of(data: bytes) -> Table:
    """The document's one table."""
    (table,) = docx.Document(io.BytesIO(data)).tables
    return table


def row_texts(table: Table) -> list[list[str]]:
    """Each row's cell texts (a merged cell once per grid column, as python-docx gives it)."""
    return [[cell.text for cell in row.cells] for row in table.rows]


def face(paragraph: Paragraph) -> str:
    """The East-Asian face a paragraph's style sets."""
    style = paragraph.style
    assert style is not None
    return str(style.element.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia")))


def test_red_masthead_number_rule_and_title() -> None:
    document = docx.Document(io.BytesIO(render()))
    found = [p for p in document.paragraphs if p.text.strip()]
    masthead, number, title, addressed = found[:4]
    assert masthead.text == "市政务服务中心文件"
    assert masthead.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert masthead.runs[0].font.color.rgb == RGBColor(0xFF, 0x00, 0x00)
    assert number.text == "〔2026〕3号"
    rule = number._p.find(qn("w:pPr")).find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000"
    assert title.text == "关于2026年11月份信息报送情况的通报"
    assert addressed.text == "各市直部门，各乡镇便民服务中心，中心各科室："
    assert document.core_properties.title == title.text
    assert document.core_properties.keywords == "〔2026〕3号"
    assert document.core_properties.author == BODY


def test_the_issuing_bodys_code_goes_before_the_number() -> None:
    data = month_document(report(), MonthDetails([], []), NUMBER, BODY, ADDRESSEES, "市政务通")
    document = docx.Document(io.BytesIO(data))
    number = [p for p in document.paragraphs if p.text.strip()][1]
    assert number.text == "市政务通〔2026〕3号"
    assert document.core_properties.keywords == "市政务通〔2026〕3号"


def test_a_long_issuing_body_keeps_the_masthead_on_one_line() -> None:
    body = "某某省某某市人民政府政务服务管理局"
    data = month_document(report(), MonthDetails([], []), NUMBER, body)
    head = docx.Document(io.BytesIO(data)).paragraphs[0]
    size = head.runs[0].font.size
    assert head.text == body + "文件"
    assert size is not None and size.pt * len(head.text) <= 15.6 / 2.54 * 72


def test_summary_names_units_below_quota_and_without_informant() -> None:
    lines = lines_of(render())
    assert lines[5] == "一、总体情况"
    assert lines[6] == (
        "11月份，3个单位共提交信息4条，报送中心4条，其中迟报1条；被采用信息3条、4次，合计得分9.0分。"
    )
    assert lines[7] == "2个单位未完成月度报送任务：城关镇便民服务中心、小汉镇政务服务中心。"
    assert lines[8] == "1个单位未落实信息员：小汉镇政务服务中心。"


def test_the_table_ranks_units_with_adoptions_by_level_and_totals() -> None:
    rows = row_texts(table_of(render()))
    head = ["名次", "单位", "报送", "迟报", "采用", "采用次数（按级别）", "", "", "", "得分"]
    assert [c if c != "采用次数（按级别）" or i == 5 else "" for i, c in enumerate(rows[0])] == head
    assert rows[1][5:9] == ["一级", "二级", "三级", "四级"]
    assert rows[2] == ["1", "市人社局窗口", "3", "1", "2", "1", "1", "1", "0", "6.0"]
    assert rows[3] == ["2", "城关镇便民服务中心", "1", "0", "1", "0", "0", "1", "0", "3.0"]
    assert rows[4] == ["3", "小汉镇政务服务中心", "0", "0", "0", "0", "0", "0", "0", "0.0"]
    assert rows[5][0] == rows[5][1] == "合计"  # merged across rank and unit
    assert rows[5][2:] == ["4", "1", "3", "1", "1", "2", "0", "9.0"]
    header = table_of(render()).rows[0]._tr.find(qn("w:trPr")).find(qn("w:tblHeader"))
    assert header is not None  # the header repeats on every page


def test_nobody_ranked_while_every_unit_has_zero_points() -> None:
    zero = [replace(u, adopted_items=0, adoptions=0, own_points=0) for u in UNITS]
    month = MonthReport(2026, 11, month_figures(POLICY, zero), [], POLICY)
    data = month_document(month, MonthDetails([], []), NUMBER, BODY)
    assert [row[0] for row in row_texts(table_of(data))[2:5]] == ["—", "—", "—"]
    lines = lines_of(data)
    assert "本月无采用信息。" in lines and "本月无迟报信息。" in lines


def test_each_units_adopted_and_late_items() -> None:
    lines = lines_of(render())
    start = lines.index("三、各单位采用信息")
    assert lines[start + 1 : start + 6] == [
        "（一）市人社局窗口（2条）",
        "1. 市人社局推行“一窗通办”（市政务服务中心网站，一级；市委、市政府，二级）",
        "2. 社保卡即办即取（省政务服务中心，三级）",
        "（二）城关镇便民服务中心（1条）",
        "1. 城关镇“15分钟便民服务圈”（省政务服务中心，三级）",
    ]
    assert lines[start + 6 : start + 9] == [
        "四、迟报信息",
        "（一）市人社局窗口（1条）",
        "1. 窗口延时服务（11月2日的工作，11月9日报送中心，迟报3个工作日）",
    ]
    document = docx.Document(io.BytesIO(render()))
    faces = {
        p.text: face(p)
        for p in document.paragraphs
        if p.text in ("三、各单位采用信息", "（一）市人社局窗口（2条）")
    }
    assert faces == {"三、各单位采用信息": HEI_FONT, "（一）市人社局窗口（2条）": KAI_FONT}


def test_closing_signature_and_print_line() -> None:
    lines = lines_of(render())
    assert lines[-4].startswith("希望各单位对照本通报查找差距")
    assert lines[-3:] == ["市政务服务中心", "2026年12月1日", "市政务服务中心\t2026年12月1日印发"]
    assert "五、更正" not in lines


def test_corrections_of_closed_months_are_listed() -> None:
    fix = CorrectionLine(1, "2026-10", "市人社局窗口", 9, "省政务服务中心", 3, "漏录")
    lines = lines_of(render(report((fix,))))
    start = lines.index("五、更正")
    assert lines[start + 1] == "1. 2026年10月，市人社局窗口第9号信息，省政务服务中心，+3分（漏录）"


def test_the_same_month_gives_the_same_bytes() -> None:
    first = render()
    assert render() == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    created = docx.Document(io.BytesIO(first)).core_properties.created
    assert created is not None and created.date() == date(2026, 12, 1)
    later = replace(NUMBER, number=4)
    assert "〔2026〕4号" in lines_of(render(number=later)) and render(number=later) != first


@pytest.mark.parametrize(
    ("value", "said"),
    [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (105, "一百零五"), (1010, "一千零一十")],
)
def test_chinese_numbers(value: int, said: str) -> None:
    assert chinese_number(value) == said


def test_a_control_character_in_a_title_becomes_a_space() -> None:
    odd = replace(ADOPTIONS[2], title="社保卡\x0b即办即取")
    data = month_document(report(), MonthDetails([*ADOPTIONS[:2], odd], []), NUMBER, BODY)
    assert "2. 社保卡 即办即取（省政务服务中心，三级）" in lines_of(data)


def test_an_issue_of_the_brief_gives_the_same_bytes_too() -> None:
    from bot.documents import briefdoc
    from tests.test_briefdoc import CONTENT

    assert briefdoc.render(CONTENT) == briefdoc.render(CONTENT)
