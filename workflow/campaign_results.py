"""A closed campaign's results in writing: each unit's check-by-check lines (what its people
are told), and the results 通报 (.docx) with the campaign workbook, stored once per published
version and sent to the distribution (the configured chats, the leading group, the office)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from scoring.assessment import AssessmentTemplate
from storage import campaign_scores, campaign_sheets, campaigns, files, outbox
from storage.db import Database, Tx
from storage.models import Recipient
from workflow.campaign_common import LEADING, local_today, member_ids
from workflow.rules import CentreRules

DOCX_MIME: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMERALS: Final = "一二三四五六七八九十"
#: The longest comment quoted in a unit's result (the workbook keeps them whole).
COMMENT_LIMIT: Final = 80


def _short(text: str) -> str:
    """A comment cut to what a chat line quotes."""
    return text if len(text) <= COMMENT_LIMIT else text[: COMMENT_LIMIT - 1] + "…"


def check_lines(
    template: AssessmentTemplate, line: Mapping[str, Any], comments: Mapping[str, Sequence[str]]
) -> str:
    """A unit's result check by check: the check, its final score of its maximum, the group's
    comments and any settlement's reason (one line each, in the checklist's order)."""
    out = []
    for number, section in enumerate(template.sections):
        for place, check in enumerate(section.checks, start=1):
            check_id = f"{section.key}.{check.key}"
            entry = line["checks"][check_id]
            said = [c for c in comments.get(check_id, ()) if c]
            notes = []
            if said:
                notes.append("评语：" + _short("；".join(said)))
            if entry.get("settled_reason"):
                notes.append("核定理由：" + _short(str(entry["settled_reason"])))
            note = f"（{'；'.join(notes)}）" if notes else ""
            final = entry["final"] if entry["final"] is not None else "—"
            maximum = f"{check.max_points.normalize():f}"
            out.append(f"{NUMERALS[number]}.{place} {check.title}：{final}/{maximum}{note}")
    return "\n".join(out)


async def comments_of(tx: Tx, campaign_id: int) -> dict[int, dict[str, list[str]]]:
    """The group's comments per unit and check, in member order."""
    found: dict[int, dict[str, list[str]]] = {}
    for score in sorted(await campaign_scores.scores(tx, campaign_id), key=lambda s: s.member_id):
        if score.comment:
            found.setdefault(score.unit_id, {}).setdefault(score.check_id, []).append(score.comment)
    return found


@dataclass(frozen=True, slots=True)
class ResultsContent:
    """What the results 通报 says, as plain data (the renderer runs in a child process)."""

    issuing_body: str
    title: str  # the campaign's title
    template_name: str
    year: int
    number: int  # the campaign's number: 〔year〕number号
    version: int
    issue_date: date
    scope: str
    rows: tuple[tuple[str, str, str], ...]  # unit, total, grade, best total first
    grades: tuple[tuple[str, str], ...]  # grade name, its threshold
    praise: tuple[str, ...]
    failed: tuple[str, ...]
    fail_grade: str
    praise_grade: str
    rectification_days: int
    correction: str  # a corrected version's reason
    report_to: tuple[str, ...]
    send_to: tuple[str, ...]


def content_of(
    rules: CentreRules, sheet: Mapping[str, Any], issued_on: date, reason: str | None
) -> ResultsContent:
    """The 通报's content from a published sheet: the same sheet gives the same content."""
    template = AssessmentTemplate.model_validate(sheet["template"])
    units = list(sheet["units"])
    names = {int(u["unit_id"]): str(u["name"]) for u in units}
    ordered = sorted(units, key=lambda u: (-float(u["total"]), units.index(u)))
    return ResultsContent(
        issuing_body=rules.publishing.issuing_body,
        title=str(sheet["campaign"]["title"]),
        template_name=template.name,
        year=int(sheet["campaign"]["year"]),
        number=int(sheet["campaign"]["id"]),
        version=int(sheet.get("version") or 1),
        issue_date=issued_on,
        scope="普遍考核" if sheet["campaign"]["scope"] == "general" else "重点考核",
        rows=tuple((str(u["name"]), str(u["total"]), str(u["grade"])) for u in ordered),
        grades=tuple((g.name, f"{g.min_total.normalize():f}") for g in template.grades),
        praise=tuple(names[int(unit)] for unit in sheet["praise"]),
        failed=tuple(str(u["name"]) for u in units if u["grade"] == template.fail_grade),
        fail_grade=template.fail_grade,
        praise_grade=template.praise_grade,
        rectification_days=template.rectification_days,
        correction=reason or "",
        report_to=rules.publishing.report_to,
        send_to=rules.publishing.send_to,
    )


async def distribution(tx: Tx, rules: CentreRules, campaign_id: int) -> list[Recipient]:
    """Where the results go: the configured distribution chats, then the leading group and
    the office that ran the campaign, each once."""
    found: dict[Recipient, None] = dict.fromkeys(rules.publishing.brief_rooms)
    campaign = await campaigns.get(tx, campaign_id)
    for person_id in await member_ids(tx, campaign_id, LEADING):
        found[person_id] = None
    if campaign is not None:
        found[campaign.created_by] = None
    return list(found)


Render = Callable[[ResultsContent], Awaitable[bytes]]
RenderBook = Callable[[dict[str, Any]], Awaitable[bytes]]


async def unsent(db: Database) -> list[tuple[int, int]]:
    """The closed campaigns' latest published versions whose 通报 is not stored yet."""
    found = []
    async with db.reading() as tx:
        for campaign in await campaigns.listed(tx):
            if campaign.state != "closed":
                continue
            latest = await campaign_sheets.sheet(tx, campaign.id)
            if latest is None:
                continue
            if await files.get(tx, doc_key(campaign.id, latest.version)) is None:
                found.append((campaign.id, latest.version))
    return sorted(found)


def doc_key(campaign_id: int, version: int) -> str:
    """The stored 通报 of a published version."""
    return f"campaign:{campaign_id}:results:v{version}.docx"


async def publish(
    db: Database,
    rules: CentreRules,
    campaign_id: int,
    version: int,
    *,
    render: Render,
    render_book: RenderBook,
) -> int:
    """Renders a published version's 通报 and workbook (outside the transaction), then in one
    transaction stores both and queues them to the distribution, with an audit row; a version
    already published is left alone. Returns the messages queued."""
    async with db.reading() as tx:
        found = await campaign_sheets.sheet(tx, campaign_id, version)
        if found is None or await files.get(tx, doc_key(campaign_id, version)) is not None:
            return 0
    content = content_of(rules, found.sheet, local_today(found.closed_at, rules.zone), found.reason)
    document = await render(content)
    book = await render_book(found.sheet)
    stem = f"{content.title}考核结果通报" + (f"（第{version}版）" if version > 1 else "")
    queued = 0
    async with db.transaction() as tx:
        if await files.get(tx, doc_key(campaign_id, version)) is not None:
            return 0  # another pass published it meanwhile
        book_key = f"campaign:{campaign_id}:results:v{version}:" + hashlib.sha256(book).hexdigest()
        await files.put(tx, doc_key(campaign_id, version), f"{stem}.docx", DOCX_MIME, document)
        await files.put(
            tx, book_key, f"{content.title}考核结果（第{version}版）.xlsx", XLSX_MIME, book
        )
        for recipient in await distribution(tx, rules, campaign_id):
            for part, key, caption in (
                ("doc", doc_key(campaign_id, version), stem),
                ("book", book_key, f"{content.title}考核结果汇总表"),
            ):
                queued += await outbox.enqueue(
                    tx,
                    f"campaign_results:{campaign_id}:{version}:{part}",
                    recipient,
                    {"file": key, "caption": caption, "plain_caption": True},
                    kind="document",
                )
        await tx.audit(
            None,
            "campaign.results_sent",
            "campaign",
            campaign_id,
            version=version,
            document=doc_key(campaign_id, version),
            workbook=book_key,
            messages=queued,
        )
    return queued


async def publish_pending(
    db: Database, rules: CentreRules, *, render: Render, render_book: RenderBook
) -> int:
    """Publishes every closed campaign's latest version not yet sent (the sweep's pass)."""
    queued = 0
    for campaign_id, version in await unsent(db):
        queued += await publish(
            db, rules, campaign_id, version, render=render, render_book=render_book
        )
    return queued
