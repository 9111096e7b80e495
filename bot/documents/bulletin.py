"""The monthly bulletin (通报) as Telegram text: short lines that read well on a phone."""

from __future__ import annotations

from fractions import Fraction

from chat import numbers
from chat.capabilities import TELEGRAM
from chat.render import TELEGRAM_HTML
from chat.split import split_lines
from chat.texts import Raw, Texts
from scoring.figures import UnitMonth, UnitYear, any_points
from scoring.policy import ScoringPolicy
from scoring.vocab import UnitKind
from workflow.figures import CorrectionLine, MonthReport


def rank_text(texts: Texts, rank: int, ranked: bool) -> str:
    """A rank as a listing prints it; "—" when nobody has points yet (no 第 1 名 for 0)."""
    return str(rank) if ranked else texts("bulletin.no_rank")


def footer(texts: Texts, policy: ScoringPolicy) -> str:
    """The rules footer, from the settings in force (第九条 points and the edit share)."""
    share = Fraction(policy.edit_credit_share).limit_denominator(100)
    if share == 0 or not policy.edit_credit_author_kinds:
        credit = texts("bulletin.footer_no_credit")
    else:
        kinds = "、".join(
            texts(f"kind.{kind.value}")
            for kind in UnitKind
            if kind in policy.edit_credit_author_kinds
        )
        credit = texts(
            "bulletin.footer_credit", kinds=kinds, share=f"{share.numerator}/{share.denominator}"
        )
    points = policy.level_points
    return texts(
        "bulletin.footer",
        p1=points[1],
        p2=points[2],
        p3=points[3],
        p4=points[4],
        credit=Raw(credit),
    )


def _line(texts: Texts, line: UnitMonth, mine: bool, ranked: bool = True) -> str:
    """One unit's line; the reader's own unit is marked and bold."""
    counts = line.counts
    return texts(
        "bulletin.line_mine" if mine else "bulletin.line",
        rank=rank_text(texts, line.rank, ranked),
        unit=counts.name,
        score=numbers.points(line.score),
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
        self._ranked = any_points(report.lines)
        lines = [texts("bulletin.head", year=report.year, month=report.month), ""]
        for line in report.lines:
            self._month_at[line.counts.unit_id] = len(lines)
            lines.append(_line(texts, line, False, self._ranked))
        lines += ["", texts("bulletin.ytd_head", month=report.month)]
        year_ranked = any_points(report.year_to_date)
        for ytd in report.year_to_date:
            self._year_at[ytd.counts.unit_id] = len(lines)
            lines.append(_ytd_line(texts, ytd, year_ranked))
        if report.corrections:
            lines += ["", texts("bulletin.corrections_head")]
            lines += [_correction_line(texts, line) for line in report.corrections]
        lines += ["", footer(texts, report.policy)]
        self.lines = lines

    def parts(self, mine: int | None = None) -> list[str]:
        """The messages of the bulletin, the reader's own unit marked when `mine` is given."""
        if mine is None or (mine not in self._month_at and mine not in self._year_at):
            return messages(self.lines)
        lines = list(self.lines)
        if mine in self._month_at:
            index = self._month_at[mine]
            unit_line = next(x for x in self._report.lines if x.counts.unit_id == mine)
            lines[index] = _line(self._texts, unit_line, True, self._ranked)
        if mine in self._year_at:
            index = self._year_at[mine]
            lines[index] = f"<b>{lines[index]}</b>"
        return messages(lines)


def _ytd_line(texts: Texts, ytd: UnitYear, ranked: bool = True) -> str:
    """A unit's year-to-date line; a unit with target 0 is shown as not assessed (不考核)."""
    if not ytd.counts.assessed:
        return texts(
            "bulletin.ytd_not_assessed",
            rank=rank_text(texts, ytd.rank, ranked),
            unit=ytd.counts.name,
            score=numbers.points(ytd.score),
        )
    return texts(
        "bulletin.ytd_line",
        rank=rank_text(texts, ytd.rank, ranked),
        unit=ytd.counts.name,
        score=numbers.points(ytd.score),
        target=numbers.points(ytd.counts.annual_target),
    )


def _correction_line(texts: Texts, line: CorrectionLine) -> str:
    """A correction of a closed month, as the bulletin lists it."""
    year, month = line.period.split("-")
    return texts(
        "bulletin.correction_line",
        period=f"{year}年{int(month)}月",
        unit=line.unit,
        item=line.item_id,
        outlet=line.outlet,
        points=f"{line.points:+d}",
        reason=line.reason,
    )


def bulletin_text(texts: Texts, report: MonthReport, mine: int | None = None) -> list[str]:
    """The bulletin in messages Telegram holds, split between lines."""
    return BulletinText(texts, report).parts(mine)


def messages(lines: list[str]) -> list[str]:
    """Lines joined into Telegram messages, a line never straddling two (`chat.split`)."""
    return split_lines(lines, TELEGRAM.fits, TELEGRAM_HTML.cut)


def annual_text(
    texts: Texts, year: int, lines: list[UnitYear], policy: ScoringPolicy | None = None
) -> list[str]:
    """The year-end report (score, target, reward, assessment, deductions) as messages."""
    rows = [texts("annual.head", year=year), ""]
    ranked = any_points(lines)
    for line in lines:
        rank = rank_text(texts, line.rank, ranked)
        if not line.counts.assessed:
            rows.append(
                texts(
                    "annual.not_assessed",
                    rank=rank,
                    unit=line.counts.name,
                    score=numbers.points(line.score),
                )
            )
            continue
        reasons = "、".join(texts(f"deduction.{d.reason.value}") for d in line.deductions)
        rows.append(
            texts(
                "annual.line",
                rank=rank,
                unit=line.counts.name,
                score=numbers.points(line.score),
                target=numbers.points(line.counts.annual_target),
                reward=numbers.yuan(line.reward_yuan),
                assessment=numbers.assessment(line.assessment),
                deductions=Raw(texts("annual.deductions", reasons=reasons) if reasons else ""),
            )
        )
    owing = [line.counts.name for line in lines if line.research_duty_met is False]
    if owing:
        rows += ["", texts("annual.owing", units="、".join(owing))]
    if policy is not None:
        rows += ["", footer(texts, policy)]
    return messages(rows)
