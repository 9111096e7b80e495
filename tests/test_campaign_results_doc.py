"""The results 通报 of a closed campaign, for both shipped templates: what it says (红头, number,
date, the grades table best first, 通报表扬 and 通报批评), the same bytes every time it is made,
stored and sent to the distribution once per published version with the campaign workbook, and
a correction published as a new version that says so."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.documents import campaign_doc
from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from storage import campaign_sheets, files
from storage.db import Database
from storage.models import Room
from tests.campaign_cast import TEMPLATE_KEYS, ZONE
from tests.conftest import FakeClock
from tests.test_campaign_grades import closed
from tests.test_campaign_plan import approved
from tests.test_campaign_scoring import scored
from tests.test_campaign_selfcheck import self_checked
from workflow import campaign_corrections as cx
from workflow import campaign_results as cr
from workflow.campaign_common import local_today
from workflow.campaign_workbook import campaign_workbook

REPO = Path(__file__).resolve().parent.parent


async def render(content: cr.ResultsContent) -> bytes:
    """The 通报, rendered in this process."""
    return campaign_doc.render(content)


async def book(sheet: dict[str, Any]) -> bytes:
    """The campaign workbook, rendered in this process."""
    return campaign_workbook(sheet)


def paragraphs(data: bytes) -> list[str]:
    """The document's paragraphs' texts."""
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


async def sent(db: Database, prefix: str) -> list[tuple[Any, ...]]:
    """The outbox rows queued under a purpose prefix: purpose, person, address, payload."""
    async with db.reading() as tx:
        rows = await tx.fetchall(
            "SELECT purpose, person_id, address, payload FROM outbox WHERE purpose LIKE ?"
            " ORDER BY id",
            (prefix + "%",),
        )
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("template_key", TEMPLATE_KEYS)
async def test_the_results_notice_is_a_red_headed_document_sent_once_per_version(
    db: Database, clock: FakeClock, template_key: str
) -> None:
    life = await approved(db, clock, template_key)
    await self_checked(life)
    await scored(life)
    result = await closed(life)
    cast, template, c = life.cast, life.template, life.campaign_id
    base = centre_rules(load_settings(REPO / "config.yaml", {}))
    rules = replace(
        base, publishing=replace(base.publishing, brief_rooms=(Room("telegram", "-7"),))
    )

    assert await cr.unsent(db) == [(c, 1)]
    queued = await cr.publish(db, rules, c, 1, render=render, render_book=book)
    # the configured chat, the leading group (two) and the office: the document and workbook
    assert queued == 2 * 4
    assert await cr.unsent(db) == []
    assert await cr.publish(db, rules, c, 1, render=render, render_book=book) == 0
    rows = await sent(db, f"campaign_results:{c}:1:")
    assert {(r[1], r[2]) for r in rows if r[0].endswith(":doc")} == {
        (None, "-7"),
        *((p.id, str(5001 + n)) for n, p in enumerate([cast.office, *cast.leaders])),
    }

    async with db.reading() as tx:
        stored = await files.get(tx, cr.doc_key(c, 1))
        published = await campaign_sheets.sheet(tx, c, 1)
    assert stored is not None and published is not None
    assert stored.name == "2026年度政务公开工作考核考核结果通报.docx"
    # Regenerated from the published sheet at any time: the same bytes.
    content = cr.content_of(rules, published.sheet, local_today(published.closed_at, ZONE), None)
    assert campaign_doc.render(content) == stored.data == campaign_doc.render(content)

    text = paragraphs(stored.data)
    day = local_today(published.closed_at, ZONE)
    assert text[0] == "市政务服务中心文件"
    assert text[1] == f"考核〔2026〕{c}号"
    assert text[2] == "关于2026年度政务公开工作考核结果的通报"
    body = "\n".join(text)
    assert "根据《" in body and "对2个单位开展了重点考核" in body
    window, township = "市人社局窗口", "城关镇便民服务中心"
    assert f"{window}政务公开工作扎实，考核等次为{template.praise_grade}" in body
    assert f"{township}考核等次为{template.fail_grade}，予以通报批评" in body
    assert f"{template.rectification_days}日内完成整改" in body
    assert f"{day.year}年{day.month}月{day.day}日印发" in body
    assert "报：省政务服务中心" in body
    (table,) = Document(io.BytesIO(stored.data)).tables
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    lines = {line["name"]: line for line in published.sheet["units"]}
    assert cells == [
        ["序号", "单位", "总分", "等次"],
        ["1", window, str(result.window_total.normalize()), lines[window]["grade"]],
        ["2", township, lines[township]["total"], template.fail_grade],
    ]
    workbook_key = next(r[3] for r in rows if r[0].endswith(":book"))
    async with db.reading() as tx:
        sheet_file = await files.get(tx, str(json.loads(workbook_key)["file"]))
    assert sheet_file is not None
    assert load_workbook(io.BytesIO(sheet_file.data)).sheetnames == ["结果", "检查项"]

    # A correction is a new version: its own 通报, saying what was corrected.
    checks = template.check_ids()
    version = (
        await cx.correct_check(
            db, cast.office, ZONE, c, cast.township, checks[0], Decimal(0), "复核后更正"
        )
    ).version
    assert await cr.unsent(db) == [(c, version)]
    assert await cr.publish_pending(db, rules, render=render, render_book=book) == 8
    async with db.reading() as tx:
        corrected = await files.get(tx, cr.doc_key(c, version))
    assert corrected is not None
    assert corrected.name == f"2026年度政务公开工作考核考核结果通报（第{version}版）.docx"
    said = next(p for p in paragraphs(corrected.data) if p.startswith(f"（第{version}版，更正："))
    assert said.endswith(" 更正为 0，理由：复核后更正。此前各版同时作废。）"), said
    assert f"更正：城关镇便民服务中心第 1 项“{template.sections[0].checks[0].title}”" in said
