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


class BulletinText:
    """The bulletin's lines, rendered once; each unit's own copy marks its two lines (the
    month's and the year's), so 2,000 units' copies cost a list copy each, not a re-render."""

    def __init__(self, texts: Texts, report: MonthReport) -> None:
        self._texts = texts
        self._report = report
        self._month_at: dict[int, int] = {}
        self._year_at: dict[int, int] = {}
        lines = [texts("bulletin.head", year=report.year, month=report.month), ""]
        for line in report.lines:
            self._month_at[line.counts.unit_id] = len(lines)
            lines.append(_line(texts, line, False))
        lines += ["", texts("bulletin.ytd_head", month=report.month)]
        for ytd in report.year_to_date:
            self._year_at[ytd.counts.unit_id] = len(lines)
            lines.append(_ytd_line(texts, ytd))
        lines += ["", texts("bulletin.footer")]
        self.lines = lines

    def parts(self, mine: int | None = None) -> list[str]:
        """The messages of the bulletin, the reader's own unit marked when `mine` is given."""
        if mine is None or (mine not in self._month_at and mine not in self._year_at):
            return split_lines(self.lines)
        lines = list(self.lines)
        if mine in self._month_at:
            index = self._month_at[mine]
            unit_line = next(x for x in self._report.lines if x.counts.unit_id == mine)
            lines[index] = _line(self._texts, unit_line, True)
        if mine in self._year_at:
            index = self._year_at[mine]
            lines[index] = f"<b>{lines[index]}</b>"
        return split_lines(lines)


def _ytd_line(texts: Texts, ytd: UnitYear) -> str:
    """A unit's year-to-date line."""
    return texts(
        "bulletin.ytd_line",
        rank=ytd.rank,
        unit=ytd.counts.name,
        score=number(ytd.score),
        target=number(ytd.counts.annual_target),
    )


def bulletin_text(texts: Texts, report: MonthReport, mine: int | None = None) -> list[str]:
    """The bulletin in messages of at most 4096 characters, split between lines."""
    return BulletinText(texts, report).parts(mine)


def split_lines(lines: list[str], limit: int = LIMIT) -> list[str]:
    """Joins lines into messages no longer than the limit (a line never straddles two)."""
    messages: list[str] = []
    current: list[str] = []
    size = 0  # length of the message being built ("\n".join(current))
    for line in lines:
        line = line[:limit]
        if size == 0:  # nothing but blank lines yet: start afresh
            current, size = [line], len(line)
        elif size + 1 + len(line) > limit:
            messages.append("\n".join(current))
            current, size = [line], len(line)
        else:
            current.append(line)
            size += 1 + len(line)
    if size:
        messages.append("\n".join(current))
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
