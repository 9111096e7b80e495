"""PNG bar charts of a month's bulletin (通报) and the year-end report, with CJK labels."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from pylopdf_fonts_zh_cn import sans_path

from scoring.figures import UnitYear
from workflow.figures import MonthReport

#: Rows a chart shows at most; the rest are summarised in the subtitle.
MAX_ROWS = 30
#: Unit names longer than this are shortened with an ellipsis so the bars keep their room.
MAX_NAME_CHARS = 12

WIDTH_PX = 1200
DPI = 100
HEADER_IN = 1.75  # title, subtitle and panel headings
FOOTER_IN = 0.5  # the axis ticks below the last row
ROW_IN = 0.44
MIN_HEIGHT_IN = 3.6
LABEL_SHARE = 0.275  # of the width, for the rank and unit name left of the bars
TITLE_PT = 24
SUBTITLE_PT = 14
LABEL_PT = 15
VALUE_PT = 14

MONTH_COLOUR = "#2f6db5"
YEAR_COLOUR = "#8fb3de"
MET_COLOUR = "#3a9a5b"
MISSED_COLOUR = "#b9bec7"
HIGHLIGHT_COLOUR = "#e8772e"
TARGET_COLOUR = "#1f2937"
TEXT_COLOUR = "#1f2937"
MUTED_COLOUR = "#6b7280"


def cjk_font_path() -> Path:
    """The Noto Sans SC file every label is set in, shipped on PyPI so no system font is needed."""
    return Path(sans_path())


@cache
def cjk_font_family() -> str:
    """Registers the CJK font with matplotlib (once) and returns the family name to ask for."""
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _fonts() -> list[str]:
    """The families every text is set in: the CJK font first, matplotlib's own as a fallback."""
    return [cjk_font_family(), "DejaVu Sans"]


@dataclass(frozen=True, slots=True)
class _Row:
    """One bar row: its label, values for the panels, and how it is drawn."""

    label: str
    values: tuple[float, ...]
    targets: tuple[float | None, ...]
    colours: tuple[str, ...]


def _number(value: Decimal | float) -> str:
    """A value as a bar label: no trailing zeros, at most two decimals (3, 2.5, 0.63)."""
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _short(name: str) -> str:
    """A unit name cut to MAX_NAME_CHARS characters, so long names do not squeeze the bars."""
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 1] + "…"


def _pick(count: int, highlight_at: int | None) -> list[int]:
    """Indices of the rows to draw: the top MAX_ROWS, plus the highlighted one if below them."""
    shown = list(range(min(count, MAX_ROWS)))
    if highlight_at is not None and highlight_at >= MAX_ROWS:
        shown.append(highlight_at)
    return shown


def _figure(rows: int) -> Figure:
    """A figure 1200 px wide whose height grows with the rows (at most MAX_ROWS + 1)."""
    height = max(MIN_HEIGHT_IN, HEADER_IN + FOOTER_IN + ROW_IN * rows)
    return Figure(figsize=(WIDTH_PX / DPI, height), dpi=DPI)


def _panel(ax: Axes, rows: Sequence[_Row], column: int, heading: str, width_px: float) -> None:
    """Draws one panel of horizontal bars, best at the top, with the value at each bar's end."""
    values = [row.values[column] for row in rows]
    positions = list(range(len(rows)))
    ax.barh(positions, values, height=0.68, color=[row.colours[column] for row in rows], zorder=2)
    top = max([*values, *(t for row in rows if (t := row.targets[column]) is not None), 0.0])
    limit = top * 1.2 if top > 0 else 1.0
    per_px = limit / width_px
    ax.set_xlim(0, limit)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_title(
        heading, loc="left", fontsize=VALUE_PT + 3, fontfamily=_fonts(), color=TEXT_COLOUR, pad=10
    )
    for position, row in zip(positions, rows, strict=True):
        value = row.values[column]
        target = row.targets[column]
        text = _number(value)
        at = value + 6 * per_px
        if target is not None:
            ax.plot(
                [target, target],
                [position - 0.45, position + 0.45],
                color=TARGET_COLOUR,
                linewidth=2.4,
                zorder=3,
            )
            label_px = len(text) * VALUE_PT * 0.62 * DPI / 72 + 6
            if value - 4 * per_px <= target <= value + label_px * per_px:
                at = target + 6 * per_px  # keep the number clear of the target line
        ax.text(
            at,
            position,
            text,
            va="center",
            ha="left",
            fontsize=VALUE_PT,
            fontfamily=_fonts(),
            color=TEXT_COLOUR,
        )
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.grid(axis="x", color="#e5e7eb", linewidth=0.8, zorder=0)
    ax.tick_params(axis="x", labelsize=11, labelfontfamily=cjk_font_family(), colors=MUTED_COLOUR)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color("#d1d5db")


def _render(title: str, subtitle: str, rows: Sequence[_Row], panels: Sequence[str]) -> bytes:
    """Lays out the title, the shared unit labels and the panels, and returns the PNG bytes."""
    figure = _figure(len(rows))
    height_in = figure.get_figheight()
    top = 1 - HEADER_IN / height_in
    bottom = FOOTER_IN / height_in
    family = _fonts()
    figure.text(0.02, 1 - 0.45 / height_in, title, fontsize=TITLE_PT, fontfamily=family)
    figure.text(0.02, 1 - 0.92 / height_in, subtitle, fontsize=SUBTITLE_PT, fontfamily=family)
    for text, colour in zip(figure.texts, (TEXT_COLOUR, MUTED_COLOUR), strict=True):
        text.set_color(colour)
        text.set_verticalalignment("center")
    label_width = LABEL_SHARE
    gap = 0.04
    right = 0.975
    span = (right - label_width - gap * (len(panels) - 1)) / len(panels)
    axes: list[Axes] = []
    for index in range(len(panels)):
        left = label_width + index * (span + gap)
        axes.append(figure.add_axes((left, bottom, span, top - bottom)))
    for index, (ax, heading) in enumerate(zip(axes, panels, strict=True)):
        _panel(ax, rows, index, heading, span * WIDTH_PX)
    positions = list(range(len(rows)))
    axes[0].set_yticks(
        positions,
        [row.label for row in rows],
        fontsize=LABEL_PT,
        fontfamily=family,
        color=TEXT_COLOUR,
    )
    for label, row in zip(axes[0].get_yticklabels(), rows, strict=True):
        if HIGHLIGHT_COLOUR in row.colours:
            label.set_color(HIGHLIGHT_COLOUR)
    for ax in axes[1:]:
        ax.set_yticks(positions, [""] * len(rows))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _subtitle(total: int, shown: int, extra: str) -> str:
    """The subtitle: how many units there are, and that only the top ones are drawn if so."""
    head = f"共 {total} 个单位" + (f"，仅显示前 {shown} 名" if total > shown else "")
    return f"{head}　{extra}" if extra else head


def points_chart(report: MonthReport, *, highlight: str | None = None) -> bytes:
    """A PNG of each unit's points this month beside its year-to-date points, best first."""
    ytd = {line.counts.unit_id: line for line in report.year_to_date}
    names = [line.counts.name for line in report.lines]
    highlight_at = names.index(highlight) if highlight in names else None
    picked = _pick(len(report.lines), highlight_at)
    rows = []
    for index in picked:
        line = report.lines[index]
        year = ytd.get(line.counts.unit_id)
        marked = index == highlight_at
        rows.append(
            _Row(
                label=f"{line.rank}. {_short(line.counts.name)}",
                values=(float(line.score), float(year.score) if year else 0.0),
                targets=(None, float(line.counts.annual_target)),
                colours=(
                    HIGHLIGHT_COLOUR if marked else MONTH_COLOUR,
                    HIGHLIGHT_COLOUR if marked else YEAR_COLOUR,
                ),
            )
        )
    title = f"{report.year}年{report.month}月 各单位信息得分"
    ranked = "按本月得分排名" + ("，橙色为本单位" if highlight_at is not None else "")
    subtitle = _subtitle(len(report.lines), min(len(report.lines), MAX_ROWS), ranked)
    through = "1月累计" if report.month == 1 else f"1—{report.month}月累计"
    return _render(title, subtitle, rows or [_empty()], ["本月得分", f"{through}（竖线为目标分）"])


def year_chart(year: int, lines: Sequence[UnitYear]) -> bytes:
    """A PNG of each unit's year score against its target (green where met) and its reward."""
    picked = _pick(len(lines), None)
    rows = []
    for index in picked:
        line = lines[index]
        colour = MET_COLOUR if line.target_met else MISSED_COLOUR
        rows.append(
            _Row(
                label=f"{line.rank}. {_short(line.counts.name)}",
                values=(float(line.score), float(line.reward_yuan)),
                targets=(float(line.counts.annual_target), None),
                colours=(colour, MONTH_COLOUR),
            )
        )
    met = sum(1 for line in lines if line.target_met)
    subtitle = _subtitle(len(lines), min(len(lines), MAX_ROWS), f"达到目标分 {met} 个（绿色）")
    panels = ["得分（竖线为目标分）", "奖励（元）"]
    return _render(f"{year}年度 各单位信息得分与奖励", subtitle, rows or [_empty()], panels)


def _empty() -> _Row:
    """A placeholder row for a period with no units, so the chart still renders."""
    return _Row(
        label="（无单位）",
        values=(0.0, 0.0),
        targets=(None, None),
        colours=(MISSED_COLOUR, MISSED_COLOUR),
    )
