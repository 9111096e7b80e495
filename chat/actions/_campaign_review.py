"""Assessment campaign buttons of review and correction (`ca:`, decoded by `campaign`): a
unit's evidence opened beside on-site scoring, the grades under review and a grade changed
with its reason, and the office's correction (更正) of a closed campaign."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ._wire import ID, digits, fits

__all__ = [
    "ChangeGrade",
    "ConfirmCorrect",
    "ConfirmGrade",
    "Correct",
    "CorrectCheck",
    "CorrectGrade",
    "Evidence",
    "GradeReview",
    "PickGrade",
]

#: Their alternatives in `campaign`'s pattern.
REVIEW_PATTERN: Final = (
    rf"|ev:(?P<ev_c>{ID}):(?P<ev_u>{ID}):(?P<ev_i>[0-9]{{1,3}})"
    rf"|gr:(?P<gr_c>{ID})"
    rf"|gc:(?P<gc_c>{ID}):(?P<gc_u>{ID})"
    rf"|gk:(?P<gk_c>{ID}):(?P<gk_u>{ID}):(?P<gk_g>[0-9]{{1,2}})"
    rf"|gx:(?P<gx_c>{ID}):(?P<gx_u>{ID}):(?P<gx_v>[cx])"
    rf"|cr:(?P<cr_c>{ID})"
    rf"|cc:(?P<cc_c>{ID}):(?P<cc_u>{ID}):(?P<cc_i>[0-9]{{1,3}})"
    rf"|cg:(?P<cg_c>{ID}):(?P<cg_u>{ID})"
    rf"|ck:(?P<ck_c>{ID}):(?P<ck_u>{ID}):(?P<ck_v>[cx])"
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """📎 查看材料: a unit's evidence for one check (by its place), opened while scoring."""

    campaign_id: int
    unit_id: int
    index: int


@dataclass(frozen=True, slots=True)
class GradeReview:
    """🔍 查看等次: the preliminary grades under review, with any change and its reason."""

    campaign_id: int


@dataclass(frozen=True, slots=True)
class ChangeGrade:
    """✏️ a unit's grade changed by a leading-group member under review."""

    campaign_id: int
    unit_id: int


@dataclass(frozen=True, slots=True)
class PickGrade:
    """A grade picked by its place in the template's grades (a change or a correction)."""

    campaign_id: int
    unit_id: int
    grade: int


@dataclass(frozen=True, slots=True)
class ConfirmGrade:
    """A grade change shown back with its reason: made (✅) or dropped (✖️)."""

    campaign_id: int
    unit_id: int
    confirmed: bool


@dataclass(frozen=True, slots=True)
class Correct:
    """✏️ 更正结果: the office starts a correction of a closed campaign."""

    campaign_id: int


@dataclass(frozen=True, slots=True)
class CorrectCheck:
    """The check (by its place) whose score a correction changes."""

    campaign_id: int
    unit_id: int
    index: int


@dataclass(frozen=True, slots=True)
class CorrectGrade:
    """A correction of the unit's grade itself."""

    campaign_id: int
    unit_id: int


@dataclass(frozen=True, slots=True)
class ConfirmCorrect:
    """A correction shown back with its reason: published (✅) or dropped (✖️)."""

    campaign_id: int
    unit_id: int
    confirmed: bool


Reviewing = (
    Evidence
    | GradeReview
    | ChangeGrade
    | PickGrade
    | ConfirmGrade
    | Correct
    | CorrectCheck
    | CorrectGrade
    | ConfirmCorrect
)
REVIEWING: Final = (
    Evidence,
    GradeReview,
    ChangeGrade,
    PickGrade,
    ConfirmGrade,
    Correct,
    CorrectCheck,
    CorrectGrade,
    ConfirmCorrect,
)


def _ids(*values: int) -> str:
    """Ids joined as a button carries them."""
    return ":".join(digits(value, 12) for value in values)


def encode_review(press: Reviewing) -> str:
    """The callback data of the review and correction presses."""
    if isinstance(press, GradeReview | Correct):
        code = "gr" if isinstance(press, GradeReview) else "cr"
        return f"ca:{code}:{_ids(press.campaign_id)}"
    unit = _ids(press.campaign_id, press.unit_id)
    if isinstance(press, Evidence | CorrectCheck):
        code = "ev" if isinstance(press, Evidence) else "cc"
        return fits(f"ca:{code}:{unit}:{digits(press.index, 3)}")
    if isinstance(press, PickGrade):
        return fits(f"ca:gk:{unit}:{digits(press.grade, 2)}")
    if isinstance(press, ConfirmGrade | ConfirmCorrect):
        code = "gx" if isinstance(press, ConfirmGrade) else "ck"
        return fits(f"ca:{code}:{unit}:{'c' if press.confirmed else 'x'}")
    code = "gc" if isinstance(press, ChangeGrade) else "cg"
    return fits(f"ca:{code}:{unit}")


def decode_review(g: dict[str, str | None]) -> Reviewing | None:
    """The review and correction presses, from the matched groups (None: not one of them)."""

    def n(name: str) -> int:
        return int(g[name] or 0)

    if g["ev_c"]:
        return Evidence(n("ev_c"), n("ev_u"), n("ev_i"))
    if g["gr_c"]:
        return GradeReview(n("gr_c"))
    if g["gc_c"]:
        return ChangeGrade(n("gc_c"), n("gc_u"))
    if g["gk_c"]:
        return PickGrade(n("gk_c"), n("gk_u"), n("gk_g"))
    if g["gx_c"]:
        return ConfirmGrade(n("gx_c"), n("gx_u"), g["gx_v"] == "c")
    if g["cr_c"]:
        return Correct(n("cr_c"))
    if g["cc_c"]:
        return CorrectCheck(n("cc_c"), n("cc_u"), n("cc_i"))
    if g["cg_c"]:
        return CorrectGrade(n("cg_c"), n("cg_u"))
    if g["ck_c"]:
        return ConfirmCorrect(n("ck_c"), n("ck_u"), g["ck_v"] == "c")
    return None
