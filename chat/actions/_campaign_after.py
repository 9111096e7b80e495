"""Assessment campaign buttons after the results (`ca:`, decoded by `campaign`): the results
view, the office's 诫勉谈话, a unit's rectification report and its review, 报备上级."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from ._wire import ID, ROUND, digits, fits, word

__all__ = [
    "ConfirmReview",
    "ConfirmTalk",
    "FileUpward",
    "NoNote",
    "Rectify",
    "RectifyDone",
    "ReportFiles",
    "Results",
    "Review",
    "SubmitRectify",
    "Talk",
]

#: Their alternatives in `campaign`'s pattern.
AFTER_PATTERN: Final = (
    rf"|rv:(?P<rvc>{ID})"
    rf"|tk:(?P<tkc>{ID}):(?P<tku>{ID})"
    rf"|tc:(?P<tcc>{ID}):(?P<tcu>{ID}):(?P<tcv>[cx])"
    rf"|tn:(?P<tnc>{ID}):(?P<tnu>{ID})"
    rf"|rf:(?P<rfc>{ID}):(?P<rfu>{ID})"
    rf"|rd:(?P<rdc>{ID}):(?P<rdu>{ID})"
    rf"|ru:(?P<ruc>{ID}):(?P<ruu>{ID}):(?P<ruv>[cx])"
    rf"|rk:(?P<rkc>{ID}):(?P<rku>{ID}):(?P<rkr>{ROUND}):(?P<rkv>[ar])"
    rf"|rc:(?P<rcc>{ID}):(?P<rcu>{ID}):(?P<rcr>{ROUND}):(?P<rcv>[cx])"
    rf"|rm:(?P<rmc>{ID}):(?P<rmu>{ID}):(?P<rmr>{ROUND})"
    rf"|fu:(?P<fuc>{ID})"
)


@dataclass(frozen=True, slots=True)
class Results:
    """📊 考核结果: a closed campaign's results (the office, the leading group, the upper
    office it files to)."""

    campaign_id: int


@dataclass(frozen=True, slots=True)
class Talk:
    """🗣 诫勉谈话: the office records the talk held with a failing unit."""

    campaign_id: int
    unit_id: int


@dataclass(frozen=True, slots=True)
class ConfirmTalk:
    """A talk shown back: recorded (✅) or dropped (✖️)."""

    campaign_id: int
    unit_id: int
    confirmed: bool


@dataclass(frozen=True, slots=True)
class NoNote:
    """跳过: a talk recorded without a note."""

    campaign_id: int
    unit_id: int


@dataclass(frozen=True, slots=True)
class Rectify:
    """✍️ 整改报告: a failing unit writes its rectification report."""

    campaign_id: int
    unit_id: int


@dataclass(frozen=True, slots=True)
class RectifyDone:
    """完成: the report's text and evidence are all sent."""

    campaign_id: int
    unit_id: int


@dataclass(frozen=True, slots=True)
class SubmitRectify:
    """The report shown back: submitted to the office (✅) or dropped (✖️)."""

    campaign_id: int
    unit_id: int
    confirmed: bool


@dataclass(frozen=True, slots=True)
class Review:
    """The office's 验收通过 (`a`) or 退回 (`r`) of one round of a unit's report."""

    campaign_id: int
    unit_id: int
    round: int
    decision: Literal["a", "r"]


@dataclass(frozen=True, slots=True)
class ConfirmReview:
    """A report's return shown back with its reason: confirmed (✅) or kept (✖️)."""

    campaign_id: int
    unit_id: int
    round: int
    confirmed: bool


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """📎 整改材料: one round of a unit's report, its text and evidence sent."""

    campaign_id: int
    unit_id: int
    round: int


@dataclass(frozen=True, slots=True)
class FileUpward:
    """🏛 报备上级: the office names the upper office a campaign files its results to."""

    campaign_id: int


After = (
    Results
    | Talk
    | ConfirmTalk
    | NoNote
    | Rectify
    | RectifyDone
    | SubmitRectify
    | Review
    | ConfirmReview
    | ReportFiles
    | FileUpward
)


def _ids(*values: int) -> str:
    """Ids joined as a button carries them."""
    return ":".join(digits(value, 12) for value in values)


def _cx(confirmed: bool) -> str:
    """✅ or ✖️ as a button carries it."""
    return "c" if confirmed else "x"


def encode_after(press: After) -> str:
    """The callback data of the presses after the results: talks, rectification, filing."""
    if isinstance(press, Results):
        return f"ca:rv:{_ids(press.campaign_id)}"
    if isinstance(press, FileUpward):
        return f"ca:fu:{_ids(press.campaign_id)}"
    if isinstance(press, Review | ConfirmReview | ReportFiles):
        where = f"{_ids(press.campaign_id, press.unit_id)}:{digits(press.round, 6)}"
        if isinstance(press, Review):
            return fits(f"ca:rk:{where}:{word(press.decision, '[ar]')}")
        if isinstance(press, ConfirmReview):
            return fits(f"ca:rc:{where}:{_cx(press.confirmed)}")
        return fits(f"ca:rm:{where}")
    assert isinstance(press, Talk | ConfirmTalk | NoNote | Rectify | RectifyDone | SubmitRectify), (
        press
    )
    unit = _ids(press.campaign_id, press.unit_id)
    if isinstance(press, ConfirmTalk):
        return fits(f"ca:tc:{unit}:{_cx(press.confirmed)}")
    if isinstance(press, SubmitRectify):
        return fits(f"ca:ru:{unit}:{_cx(press.confirmed)}")
    code = {Talk: "tk", NoNote: "tn", Rectify: "rf", RectifyDone: "rd"}[type(press)]
    return fits(f"ca:{code}:{unit}")


def decode_after(g: dict[str, str | None]) -> After:
    """The presses after the results, from the matched groups."""
    if g["rvc"]:
        return Results(int(g["rvc"]))
    if g["fuc"]:
        return FileUpward(int(g["fuc"]))
    for prefix, kind in (("tk", Talk), ("tn", NoNote), ("rf", Rectify), ("rd", RectifyDone)):
        if g[f"{prefix}c"]:
            return kind(int(g[f"{prefix}c"] or 0), int(g[f"{prefix}u"] or 0))
    if g["tcc"]:
        return ConfirmTalk(int(g["tcc"]), int(g["tcu"] or 0), g["tcv"] == "c")
    if g["ruc"]:
        return SubmitRectify(int(g["ruc"]), int(g["ruu"] or 0), g["ruv"] == "c")
    if g["rkc"]:
        decision: Literal["a", "r"] = "a" if g["rkv"] == "a" else "r"
        return Review(int(g["rkc"]), int(g["rku"] or 0), int(g["rkr"] or 0), decision)
    if g["rcc"]:
        return ConfirmReview(int(g["rcc"]), int(g["rcu"] or 0), int(g["rcr"] or 0), g["rcv"] == "c")
    return ReportFiles(int(g["rmc"] or 0), int(g["rmu"] or 0), int(g["rmr"] or 0))
