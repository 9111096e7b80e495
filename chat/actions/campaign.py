"""Assessment campaign buttons (`ca:`): planning (template, scope, units, people, dates), the
leading group's decisions, a unit's self-check, its leader's signature, the office's list,
the settling of differing scores, the score workbook sent and sent back, and the satisfaction
survey (an answer and 跳过 carry the link's opaque token, never the unit's id; the office's
QR codes); the presses after the results (talks, rectification, filing) are in
`_campaign_after`, re-exported here.

A check is carried by its place in the campaign's checklist (its id can be longer than a
button holds); the services look the place up in the template the campaign was planned with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, cast

from ._campaign_after import *  # noqa: F403 (the presses after the results, re-exported)
from ._campaign_after import AFTER_PATTERN, After, decode_after, encode_after
from ._campaign_review import *  # noqa: F403 (review and correction presses, re-exported)
from ._campaign_review import REVIEW_PATTERN, REVIEWING, Reviewing, decode_review, encode_review
from ._wire import ID, ROUND, digits, fits, word

PATTERN: Final = r"^ca:"
#: A template's key, as templates name them.
TEMPLATE: Final = "[a-z][a-z0-9_]{0,31}"
Subject = Literal["p", "g"]  # the plan, the grades
Scope = Literal["general", "focus"]
Mark = Literal["m", "p", "n"]  # met, partly, not met
Rating = Literal["s", "b", "d"]  # 满意, 基本满意, 不满意
#: A survey link's token, as `workflow.campaign_survey` makes them.
TOKEN: Final = "[A-Za-z0-9_-]{16,43}"
#: The survey's presses, answered for anyone (a stranger too) before the other `ca:` presses.
SURVEY_PATTERN: Final = r"^ca:q[axr]:"
_DATA: Final = re.compile(
    "ca:(?:"
    rf"t:(?P<template>{TEMPLATE})"
    r"|sc:(?P<scope>general|focus)"
    rf"|u:(?P<unit>{ID})"
    rf"|p:(?P<person>{ID})"
    r"|(?P<done>ok)|(?P<same>same)|(?P<go>go)|(?P<cancel>x)"
    rf"|d:(?P<ds>[pg]):(?P<dc>{ID}):(?P<dr>{ROUND}):(?P<dt>[0-9]{{1,3}}):(?P<dv>[ar])"
    rf"|dc:(?P<cs>[pg]):(?P<cc>{ID}):(?P<cr>{ROUND}):(?P<ct>[0-9]{{1,3}}):(?P<cv>[cx])"
    rf"|s:(?P<sc>{ID}):(?P<su>{ID})"
    rf"|v:(?P<vc>{ID}):(?P<vu>{ID}):(?P<vi>[0-9]{{1,3}}):(?P<vm>[mpn])"
    rf"|n:(?P<nc>{ID}):(?P<nu>{ID}):(?P<ni>[0-9]{{1,3}})"
    rf"|e:(?P<ec>{ID}):(?P<eu>{ID})"
    rf"|sg:(?P<gc>{ID}):(?P<gu>{ID})"
    rf"|rs:(?P<rc>{ID})"
    rf"|od:(?P<oc>{ID})"
    rf"|sf:(?P<fc>{ID}):(?P<fu>{ID})"
    rf"|gp:(?P<gpc>{ID})"
    rf"|pg:(?P<pc>{ID})"
    rf"|sl:(?P<lc>{ID})"
    rf"|ar:(?P<ac>{ID}):(?P<au>{ID}):(?P<ai>[0-9]{{1,3}})"
    rf"|aa:(?P<aac>{ID})"
    rf"|sv:(?P<xc>{ID}):(?P<xu>{ID}):(?P<xi>[0-9]{{1,3}})"
    rf"|sk:(?P<kc>{ID}):(?P<ku>{ID}):(?P<ki>[0-9]{{1,3}}):(?P<kv>[cx])"
    rf"|ws:(?P<wc>{ID})"
    rf"|wu:(?P<uc>{ID})"
    rf"|qa:(?P<qt>{TOKEN}):(?P<qv>[sbd])"
    rf"|qx:(?P<qx>{TOKEN})"
    rf"|qr:(?P<qc>{ID})" + AFTER_PATTERN + REVIEW_PATTERN + ")"
)


@dataclass(frozen=True, slots=True)
class PickTemplate:
    """The checklist a new campaign uses."""

    key: str


@dataclass(frozen=True, slots=True)
class PickScope:
    """普遍考核 (every unit) or 重点考核 (units chosen)."""

    scope: Scope


@dataclass(frozen=True, slots=True)
class ToggleUnit:
    """A unit taken into (or out of) a focus campaign."""

    unit_id: int


@dataclass(frozen=True, slots=True)
class TogglePerson:
    """A person put into (or out of) the group being chosen; the order pressed is kept."""

    person_id: int


@dataclass(frozen=True, slots=True)
class Done:
    """The units or the group chosen: on to the next step."""


@dataclass(frozen=True, slots=True)
class SameDate:
    """This unit's on-site date is the one given for the unit before it."""


@dataclass(frozen=True, slots=True)
class Submit:
    """The plan shown back: save it and send it to the leading group."""


@dataclass(frozen=True, slots=True)
class Cancel:
    """Give up planning."""


@dataclass(frozen=True, slots=True)
class Decide:
    """A leading-group member's approve (`a`) or return (`r`) of one step of one round of the
    plan (`p`) or the grades (`g`)."""

    subject: Subject
    campaign_id: int
    round: int
    step: int
    decision: Literal["a", "r"]


@dataclass(frozen=True, slots=True)
class ConfirmReturn:
    """A return shown back with its reason: confirmed (✅) or kept (✖️)."""

    subject: Subject
    campaign_id: int
    round: int
    step: int
    confirmed: bool


@dataclass(frozen=True, slots=True)
class SelfCheck:
    """A unit's self-check opened (from its notice or the list)."""

    campaign_id: int
    unit_id: int


@dataclass(frozen=True, slots=True)
class Answer:
    """The unit's answer to the check at `index` of the checklist."""

    campaign_id: int
    unit_id: int
    index: int
    mark: Mark


@dataclass(frozen=True, slots=True)
class NextCheck:
    """The evidence of the check at `index` is complete: on to the next check."""

    campaign_id: int
    unit_id: int
    index: int


@dataclass(frozen=True, slots=True)
class Pause:
    """Stop answering for now (the answers given are kept)."""

    campaign_id: int
    unit_id: int


@dataclass(frozen=True, slots=True)
class Sign:
    """The unit leader signs the unit's self-check report."""

    campaign_id: int
    unit_id: int


@dataclass(frozen=True, slots=True)
class Resubmit:
    """A returned plan sent to the leading group again."""

    campaign_id: int


@dataclass(frozen=True, slots=True)
class Redate:
    """A unit's on-site date changed in a returned plan."""

    campaign_id: int


@dataclass(frozen=True, slots=True)
class ScoreUnit:
    """An assessment-group member scores a unit on site, check by check."""

    campaign_id: int
    unit_id: int


@dataclass(frozen=True, slots=True)
class ProposeGrades:
    """The office proposes the preliminary grades to the leading group."""

    campaign_id: int


@dataclass(frozen=True, slots=True)
class Progress:
    """The office's list of who has not finished the self-check."""

    campaign_id: int


@dataclass(frozen=True, slots=True)
class SettleList:
    """The office's list of the checks the group scored differently."""

    campaign_id: int


@dataclass(frozen=True, slots=True)
class AcceptRule:
    """The office takes the template's rule (average by default) for a unit's differing check
    at `index` of the checklist."""

    campaign_id: int
    unit_id: int
    index: int


@dataclass(frozen=True, slots=True)
class AcceptAll:
    """The office takes the template's rule for every differing check not yet resolved."""

    campaign_id: int


@dataclass(frozen=True, slots=True)
class SettleCheck:
    """The office settles a unit's differing check at `index` with a score and a reason."""

    campaign_id: int
    unit_id: int
    index: int


@dataclass(frozen=True, slots=True)
class ConfirmSettle:
    """A settlement shown back with its score and reason: confirmed (✅) or dropped (✖️)."""

    campaign_id: int
    unit_id: int
    index: int
    confirmed: bool


@dataclass(frozen=True, slots=True)
class ScoreSheet:
    """The blank score workbook sent as a file (to the office or a group member)."""

    campaign_id: int


@dataclass(frozen=True, slots=True)
class UploadScores:
    """A filled score workbook is to be sent back (by a member, or by the office for one)."""

    campaign_id: int


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    """Someone's answer to a unit's satisfaction survey, the link's token carried."""

    token: str
    rating: Rating


@dataclass(frozen=True, slots=True)
class SurveySkip:
    """跳过: no comment after a survey answer."""

    token: str


@dataclass(frozen=True, slots=True)
class SurveyCodes:
    """📊 测评二维码: each unit's survey link and QR code, for the office."""

    campaign_id: int


Press = (
    PickTemplate
    | PickScope
    | ToggleUnit
    | TogglePerson
    | Done
    | SameDate
    | Submit
    | Cancel
    | Decide
    | ConfirmReturn
    | SelfCheck
    | Answer
    | NextCheck
    | Pause
    | Sign
    | Resubmit
    | Redate
    | ScoreUnit
    | ProposeGrades
    | Progress
    | SettleList
    | AcceptRule
    | AcceptAll
    | SettleCheck
    | ConfirmSettle
    | ScoreSheet
    | UploadScores
    | SurveyAnswer
    | SurveySkip
    | SurveyCodes
    | After
    | Reviewing
)
#: The presses of planning (a press of another kind ends the planning dialogue).
PLANNING: Final = (
    PickTemplate,
    PickScope,
    ToggleUnit,
    TogglePerson,
    Done,
    SameDate,
    Submit,
    Cancel,
)
#: The presses of a self-check (and of on-site scoring) under way.
ANSWERING: Final = (Answer, NextCheck, Pause)


def _ids(*values: int) -> str:
    """Ids joined as a button carries them."""
    return ":".join(digits(value, 12) for value in values)


def _steps(press: Decide | ConfirmReturn, code: str) -> str:
    """`<subject>:<campaign>:<round>:<step>:<code>`."""
    subject = word(press.subject, "[pg]")
    round_, step = digits(press.round, 6), digits(press.step, 3)
    return f"{subject}:{digits(press.campaign_id, 12)}:{round_}:{step}:{code}"


def encode(press: Press) -> str:
    """The press's callback data (at most 64 bytes)."""
    simple = {Done: "ca:ok", SameDate: "ca:same", Submit: "ca:go", Cancel: "ca:x"}
    if type(press) in simple:
        return simple[type(press)]
    if isinstance(press, PickTemplate):
        return f"ca:t:{word(press.key, TEMPLATE)}"
    if isinstance(press, PickScope):
        return f"ca:sc:{word(press.scope, 'general|focus')}"
    if isinstance(press, ToggleUnit):
        return f"ca:u:{_ids(press.unit_id)}"
    if isinstance(press, TogglePerson):
        return f"ca:p:{_ids(press.person_id)}"
    if isinstance(press, Decide):
        return fits(f"ca:d:{_steps(press, word(press.decision, '[ar]'))}")
    if isinstance(press, ConfirmReturn):
        return fits(f"ca:dc:{_steps(press, 'c' if press.confirmed else 'x')}")
    if isinstance(press, SelfCheck):
        return fits(f"ca:s:{_ids(press.campaign_id, press.unit_id)}")
    if isinstance(press, Answer):
        index = digits(press.index, 3)
        return fits(
            f"ca:v:{_ids(press.campaign_id, press.unit_id)}:{index}:{word(press.mark, '[mpn]')}"
        )
    if isinstance(press, NextCheck):
        return fits(f"ca:n:{_ids(press.campaign_id, press.unit_id)}:{digits(press.index, 3)}")
    if isinstance(press, Pause):
        return fits(f"ca:e:{_ids(press.campaign_id, press.unit_id)}")
    if isinstance(press, Sign):
        return fits(f"ca:sg:{_ids(press.campaign_id, press.unit_id)}")
    if isinstance(press, Resubmit):
        return f"ca:rs:{_ids(press.campaign_id)}"
    if isinstance(press, Redate):
        return f"ca:od:{_ids(press.campaign_id)}"
    if isinstance(press, ScoreUnit):
        return fits(f"ca:sf:{_ids(press.campaign_id, press.unit_id)}")
    if isinstance(press, ProposeGrades):
        return f"ca:gp:{_ids(press.campaign_id)}"
    if isinstance(press, Progress):
        return f"ca:pg:{_ids(press.campaign_id)}"
    if isinstance(press, SettleList):
        return f"ca:sl:{_ids(press.campaign_id)}"
    if isinstance(press, AcceptRule):
        return fits(f"ca:ar:{_ids(press.campaign_id, press.unit_id)}:{digits(press.index, 3)}")
    if isinstance(press, AcceptAll):
        return f"ca:aa:{_ids(press.campaign_id)}"
    if isinstance(press, SettleCheck):
        return fits(f"ca:sv:{_ids(press.campaign_id, press.unit_id)}:{digits(press.index, 3)}")
    if isinstance(press, ConfirmSettle):
        where = f"{_ids(press.campaign_id, press.unit_id)}:{digits(press.index, 3)}"
        return fits(f"ca:sk:{where}:{'c' if press.confirmed else 'x'}")
    if isinstance(press, ScoreSheet):
        return f"ca:ws:{_ids(press.campaign_id)}"
    if isinstance(press, SurveyAnswer):
        return fits(f"ca:qa:{word(press.token, TOKEN)}:{word(press.rating, '[sbd]')}")
    if isinstance(press, SurveySkip):
        return fits(f"ca:qx:{word(press.token, TOKEN)}")
    if isinstance(press, SurveyCodes):
        return f"ca:qr:{_ids(press.campaign_id)}"
    if isinstance(press, UploadScores):
        return f"ca:wu:{_ids(press.campaign_id)}"
    if isinstance(press, REVIEWING):
        return encode_review(press)
    return encode_after(cast(After, press))


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    match = _DATA.fullmatch(data)
    if match is None:
        return None
    g = match.groupdict()
    if g["template"]:
        return PickTemplate(g["template"])
    if g["scope"]:
        return PickScope(cast(Scope, g["scope"]))
    if g["unit"]:
        return ToggleUnit(int(g["unit"]))
    if g["person"]:
        return TogglePerson(int(g["person"]))
    for name, simple in (("done", Done), ("same", SameDate), ("go", Submit), ("cancel", Cancel)):
        if g[name]:
            return simple()
    if g["ds"]:
        subject = cast(Subject, g["ds"])
        decision: Literal["a", "r"] = "a" if g["dv"] == "a" else "r"
        return Decide(subject, int(g["dc"]), int(g["dr"]), int(g["dt"]), decision)
    if g["cs"]:
        subject = cast(Subject, g["cs"])
        return ConfirmReturn(subject, int(g["cc"]), int(g["cr"]), int(g["ct"]), g["cv"] == "c")
    if g["sc"]:
        return SelfCheck(int(g["sc"]), int(g["su"]))
    if g["vc"]:
        return Answer(int(g["vc"]), int(g["vu"]), int(g["vi"]), cast(Mark, g["vm"]))
    if g["nc"]:
        return NextCheck(int(g["nc"]), int(g["nu"]), int(g["ni"]))
    if g["ec"]:
        return Pause(int(g["ec"]), int(g["eu"]))
    if g["gc"]:
        return Sign(int(g["gc"]), int(g["gu"]))
    if g["rc"]:
        return Resubmit(int(g["rc"]))
    if g["oc"]:
        return Redate(int(g["oc"]))
    if g["fc"]:
        return ScoreUnit(int(g["fc"]), int(g["fu"]))
    if g["gpc"]:
        return ProposeGrades(int(g["gpc"]))
    if g["pc"]:
        return Progress(int(g["pc"]))
    if g["lc"]:
        return SettleList(int(g["lc"]))
    if g["ac"]:
        return AcceptRule(int(g["ac"]), int(g["au"]), int(g["ai"]))
    if g["aac"]:
        return AcceptAll(int(g["aac"]))
    if g["xc"]:
        return SettleCheck(int(g["xc"]), int(g["xu"]), int(g["xi"]))
    if g["kc"]:
        return ConfirmSettle(int(g["kc"]), int(g["ku"]), int(g["ki"]), g["kv"] == "c")
    if g["wc"]:
        return ScoreSheet(int(g["wc"]))
    if g["qt"]:
        return SurveyAnswer(g["qt"], cast(Rating, g["qv"]))
    if g["qx"]:
        return SurveySkip(g["qx"])
    if g["qc"]:
        return SurveyCodes(int(g["qc"]))
    if g["uc"]:
        return UploadScores(int(g["uc"]))
    return decode_review(g) or decode_after(g)
