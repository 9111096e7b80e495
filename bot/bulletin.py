"""The monthly bulletin (通报) as Telegram text: short lines that read well on a phone."""

from __future__ import annotations

from decimal import Decimal

from bot.texts import Raw, Texts
from scoring.figures import UnitMonth, UnitYear
from workflow.figures import MonthReport

LIMIT = 4096


def number(value: Decimal | int) -> str:
    """A score without trailing zeros (6, 2.5)."""
    if isinstance(value, int):
        return str(value)
    return format(value.normalize(), "f")


def _line(texts: Texts, line: UnitMonth, mine: bool) -> str:
    """One unit's line; the reader's own unit is marked and bold."""
    counts = line.counts
    return texts(
        "bulletin.line_mine" if mine else "bulletin.line",
        rank=line.rank,
        unit=counts.name,
        score=number(line.score),
        count=line.quota_count,
        quota=counts.monthly_quota,
        met=Raw(texts("bulletin.met" if line.quota_met else "bulletin.not_met")),
        adopted=counts.adopted_items,
        late=Raw(texts("bulletin.late", late=counts.late) if counts.late else ""),
        informant=Raw("" if counts.has_informant else texts("bulletin.no_informant")),
    )


def bulletin_text(texts: Texts, report: MonthReport, mine: int | None = None) -> list[str]:
    """The bulletin in messages of at most 4096 characters, split between lines."""
    lines = [texts("bulletin.head", year=report.year, month=report.month), ""]
    lines += [_line(texts, line, line.counts.unit_id == mine) for line in report.lines]
    lines += ["", texts("bulletin.ytd_head", month=report.month)]
    for ytd in report.year_to_date:
        text = texts(
            "bulletin.ytd_line",
            rank=ytd.rank,
            unit=ytd.counts.name,
            score=number(ytd.score),
            target=number(ytd.counts.annual_target),
        )
        lines.append(f"<b>{text}</b>" if ytd.counts.unit_id == mine else text)
    lines += ["", texts("bulletin.footer")]
    return split_lines(lines)


def split_lines(lines: list[str], limit: int = LIMIT) -> list[str]:
    """Joins lines into messages no longer than the limit (a line never straddles two)."""
    messages: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            messages.append(current)
            current = line
        else:
            current = candidate
    if current:
        messages.append(current)
    return messages


def annual_text(texts: Texts, year: int, lines: list[UnitYear]) -> list[str]:
    """The year-end report (score, target, reward, assessment, deductions) as messages."""
    rows = [texts("annual.head", year=year), ""]
    for line in lines:
        reasons = "、".join(texts(f"deduction.{d.reason.value}") for d in line.deductions)
        rows.append(
            texts(
                "annual.line",
                rank=line.rank,
                unit=line.counts.name,
                score=number(line.score),
                target=number(line.counts.annual_target),
                reward=number(line.reward_yuan),
                assessment=number(line.assessment),
                deductions=Raw(texts("annual.deductions", reasons=reasons) if reasons else ""),
            )
        )
    owing = [line.counts.name for line in lines if line.research_duty_met is False]
    if owing:
        rows += ["", texts("annual.owing", units="、".join(owing))]
    return split_lines(rows)
