"""What the campaign services share: who to tell what, who may do what, the loaded campaign."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from chat.actions import Button, Rows
from chat.actions import campaign as ca
from scoring.assessment import AssessmentTemplate, ScoreOutOfRange, check_score
from scoring.vocab import Role
from storage import campaign_decisions, campaigns, files, people, units
from storage.campaigns import Campaign
from storage.db import Tx
from storage.models import Person
from workflow import notices as outbox_notices
from workflow.outcomes import Notice, Refused

#: Who runs campaigns (领导小组办公室): the centre's editors and admins.
OFFICE_ROLES: Final = frozenset({Role.ADMIN, Role.EDITOR})
#: Who answers a unit's self-check and writes its reports: anyone working for the unit.
UNIT_ROLES: Final = frozenset({Role.INFORMANT, Role.WINDOW_HEAD, Role.LEADER, Role.SECTION_STAFF})
#: Who signs a unit's self-check report (its leader).
SIGNER_ROLE: Final = Role.LEADER
#: The longest note, comment or reason kept.
TEXT_LIMIT: Final = 500
#: Evidence and reports larger than this are refused (the ledger keeps their bytes).
FILE_LIMIT: Final = 20 * 1024 * 1024
#: The kinds of file taken as evidence or a report: photos, PDF, office documents, plain text.
FILE_TYPES: Final = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "text/plain",
    }
)
#: The plan's two groups: the leading group (approves, in order) and the assessment group.
LEADING: Final = "leading"
ASSESSOR: Final = "assessor"


@dataclass(frozen=True, slots=True)
class Tell:
    """Who to tell what, by person id (not a chat id: people may reach the bot on several
    channels). The chat layer renders `key` with `params` and sends it once per `event`."""

    person_id: int
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    event: str = ""


async def post(tx: Tx, tells: list[Tell]) -> list[Tell]:
    """Queues what a service decided to tell, in its own transaction (the one place a Tell
    becomes outbox rows: one per person and event), and hands the Tells back."""
    await outbox_notices.post(tx, [await _notice(tx, tell) for tell in tells])
    return tells


async def _notice(tx: Tx, tell: Tell) -> Notice:
    """A Tell as an outbox notice: the campaign's title and the units' names added, so the
    text names them as people know them."""
    params = dict(tell.params)
    if "campaign" in params and "title" not in params:
        found = await campaigns.get(tx, int(params["campaign"]))
        params["title"] = found.title if found is not None else ""
    if params.get("unit") is not None:
        params["unit_name"] = await _unit_name(tx, int(params["unit"]))
    for listed in ("praise", "failed"):
        if listed in params:
            names = [await _unit_name(tx, int(unit)) for unit in params[listed]]
            params[f"{listed}_names"] = "、".join(names) or "—"
    key = tell.key
    if key == "campaign_result" and params.get("rectify_by"):
        key = "campaign_result_rectify"  # a failing unit is told its deadline too
    if key == "campaign_grades_to_approve":
        changes = await _grade_changes(tx, int(params["campaign"]))
        if changes:  # the next member sees what the group changed before approving
            key, params["changes"] = "campaign_grades_to_approve_changed", changes
    if key == "campaign_report_to_sign":
        line = await campaigns.unit_of(tx, int(params["campaign"]), int(params["unit"]))
        stored = await files.get(tx, line.report_file) if line and line.report_file else None
        params["report"] = (
            ((line.report_text or "") if stored is None else f"📎 {stored.name}") if line else ""
        )
    rows = buttons(tell)
    if rows:
        params["buttons"] = rows
    return Notice(tell.person_id, key, params, event=tell.event)


async def _grade_changes(tx: Tx, campaign_id: int) -> str:
    """The grades the leading group changed under review, a line each: the unit, the grade
    proposed and the grade now, who changed it and why ("" when none)."""
    lines = []
    for row in (await campaign_decisions.grades(tx, campaign_id)).values():
        if row.final is None or row.final == row.preliminary:
            continue
        who = await people.get_person(tx, row.changed_by) if row.changed_by else None
        lines.append(
            f"{await _unit_name(tx, row.unit_id)}：{row.preliminary} → {row.final}"
            f"（{who.name if who else ''}，理由：{row.reason or '—'}）"
        )
    return "\n".join(sorted(lines))


def buttons(tell: Tell) -> Rows:
    """The buttons a notice carries: what its reader does next, right from it."""
    params = tell.params
    campaign_id = int(params.get("campaign") or 0)
    if tell.key in ("campaign_plan_to_approve", "campaign_grades_to_approve"):
        subject: ca.Subject = "p" if tell.key == "campaign_plan_to_approve" else "g"
        round_, step = int(params["round"]), int(params["step"])
        decide: Rows = (
            (
                Button("btn.campaign_approve", ca.Decide(subject, campaign_id, round_, step, "a")),
                Button("btn.campaign_return", ca.Decide(subject, campaign_id, round_, step, "r")),
            ),
        )
        if subject == "g":  # the grades themselves, and a change of one, on the review card
            return (*decide, (Button("btn.campaign_grade_review", ca.GradeReview(campaign_id)),))
        return decide
    if tell.key in ("campaign_grade_changed", "campaign_grade_changed_again"):
        return ((Button("btn.campaign_grade_review", ca.GradeReview(campaign_id)),),)
    if tell.key == "campaign_notice":
        return (
            (Button("btn.campaign_selfcheck", ca.SelfCheck(campaign_id, int(params["unit"]))),),
        )
    if tell.key == "campaign_report_to_sign":
        return ((Button("btn.campaign_sign", ca.Sign(campaign_id, int(params["unit"]))),),)
    if tell.key == "campaign_plan_returned":
        return (
            (
                Button("btn.campaign_redate", ca.Redate(campaign_id)),
                Button("btn.campaign_resubmit", ca.Resubmit(campaign_id)),
            ),
        )
    if tell.key == "campaign_started":
        return (
            (
                Button("btn.campaign_progress", ca.Progress(campaign_id)),
                Button("btn.campaign_survey_qr", ca.SurveyCodes(campaign_id)),
            ),
        )
    if tell.key == "campaign_report_signed":
        return ((Button("btn.campaign_progress", ca.Progress(campaign_id)),),)
    if (tell.key == "campaign_result" and params.get("rectify_by")) or (
        tell.key
        in (
            "campaign_rectification_reminder",
            "campaign_rectification_overdue",
            "campaign_corrected_failed",
        )
    ):
        return ((Button("btn.campaign_rectify", ca.Rectify(campaign_id, int(params["unit"]))),),)
    if tell.key == "campaign_corrected_failed_office":
        return (
            (
                Button("btn.campaign_record_talk", ca.Talk(campaign_id, int(params["unit"]))),
                Button("btn.campaign_results", ca.Results(campaign_id)),
            ),
        )
    if tell.key in ("campaign_closed", "campaign_rectification_late"):
        return ((Button("btn.campaign_results", ca.Results(campaign_id)),),)
    return ()


async def _unit_name(tx: Tx, unit_id: int) -> str:
    """A unit's name (its id if it is gone)."""
    unit = await units.get_unit(tx, unit_id)
    return unit.name if unit is not None else str(unit_id)


def local_today(now: datetime, zone: ZoneInfo) -> date:
    """The centre's calendar day at a moment."""
    return now.astimezone(zone).date()


def clean_text(text: str, *, required: bool, key: str = "campaign_reason_missing") -> str:
    """A reason, note or comment trimmed; refused empty (when required) or over the limit."""
    clean = text.strip()
    if required and not clean:
        raise Refused(key)
    if len(clean) > TEXT_LIMIT:
        raise Refused("campaign_text_too_long", limit=TEXT_LIMIT)
    return clean


async def load(tx: Tx, campaign_id: int) -> tuple[Campaign, AssessmentTemplate]:
    """The campaign and the template it was planned with, or Refused."""
    campaign = await campaigns.get(tx, campaign_id)
    if campaign is None:
        raise Refused("campaign_unknown")
    return campaign, AssessmentTemplate.model_validate(campaign.template)


def expect_state(campaign: Campaign, *states: str) -> None:
    """Refuses a step the campaign's state does not allow now."""
    if campaign.state not in states:
        raise Refused("campaign_wrong_state", state=campaign.state)


async def is_office(tx: Tx, person: Person) -> bool:
    """Whether the person works in the office."""
    return any(grant.role in OFFICE_ROLES for grant in await people.active_roles(tx, person.id))


async def office_only(tx: Tx, person: Person) -> None:
    """Refuses anyone outside the office."""
    if not await is_office(tx, person):
        raise Refused("not_allowed")


async def works_for(
    tx: Tx, person: Person, unit_id: int, roles: frozenset[Role] = UNIT_ROLES
) -> bool:
    """Whether the person holds one of the roles in the unit."""
    return any(
        grant.unit_id == unit_id and grant.role in roles
        for grant in await people.active_roles(tx, person.id)
    )


async def member_ids(tx: Tx, campaign_id: int, role: str) -> list[int]:
    """The people of the leading group (in approval order) or the assessment group."""
    return [member.person_id for member in await campaigns.members(tx, campaign_id, role)]


async def unit_people(tx: Tx, unit_id: int, roles: frozenset[Role] = UNIT_ROLES) -> list[int]:
    """The ids of everyone holding one of the roles in the unit."""
    found: set[int] = set()
    for role in roles:
        found.update(person.id for person in await people.role_holders(tx, unit_id, role))
    return sorted(found)


async def unit_in_campaign(tx: Tx, campaign_id: int, unit_id: int) -> campaigns.CampaignUnit:
    """The unit's line in the campaign, or Refused."""
    line = await campaigns.unit_of(tx, campaign_id, unit_id)
    if line is None:
        raise Refused("campaign_unit_not_assessed")
    return line


async def may_open_unit(
    tx: Tx, person: Person, campaign: Campaign, template: AssessmentTemplate, unit_id: int
) -> bool:
    """The one rule for a unit's self-check and its evidence: the office, the campaign's two
    groups and the unit's own people; another unit of the campaign never before the results,
    and after them only where the template's `peers_after_results` says so."""
    if (
        await works_for(tx, person, unit_id)
        or await is_office(tx, person)
        or person.id in await member_ids(tx, campaign.id, LEADING)
        or person.id in await member_ids(tx, campaign.id, ASSESSOR)
    ):
        return True
    if campaign.state != "closed" or not template.peers_after_results:
        return False
    for other in await campaigns.units_of(tx, campaign.id):
        if await works_for(tx, person, other.unit_id):
            return True
    return False


def check_known(template: AssessmentTemplate, check_id: str) -> None:
    """Refuses a check the campaign's template does not have."""
    if template.check(check_id) is None:
        raise Refused("campaign_unknown_check", check=check_id)


def valid_score(template: AssessmentTemplate, check_id: str, points: Decimal) -> Decimal:
    """The points a person gave a check, refused if the check is unknown or they are out of
    its range (0 to its maximum, in steps of 0.1)."""
    check_known(template, check_id)
    check = template.check(check_id)
    assert check is not None
    try:
        return check_score(points, check.max_points)
    except ScoreOutOfRange:
        number = template.check_ids().index(check_id) + 1  # as the questions count them
        raise Refused(
            "campaign_score_out_of_range", number=number, max=str(check.max_points)
        ) from None


@dataclass(frozen=True, slots=True)
class Upload:
    """A photo or document someone sent: its name, type and bytes."""

    name: str
    mime_type: str
    data: bytes


def check_upload(mime_type: str | None, size: int | None) -> None:
    """Refuses a file too large or of a kind not taken, before anyone fetches its bytes."""
    if size is not None and size > FILE_LIMIT:
        raise Refused("campaign_file_too_large", limit_mb=FILE_LIMIT // (1024 * 1024))
    if (mime_type or "") not in FILE_TYPES:
        raise Refused("campaign_file_type", mime_type=mime_type or "?")


async def received_file(tx: Tx, key: str) -> str:
    """A file a channel received and stored (`workflow.attachments`), checked like an upload
    (not empty, not too large, of a kind taken); its key."""
    found = await files.get(tx, key)
    if found is None or not found.data:
        raise Refused("campaign_file_empty")
    check_upload(found.mime_type, len(found.data))
    return key


async def store_file(tx: Tx, campaign_id: int, unit_id: int, upload: Upload) -> str:
    """Keeps a file's bytes in the ledger, once per content; returns its key."""
    if not upload.data:
        raise Refused("campaign_file_empty")
    if len(upload.data) > FILE_LIMIT:
        raise Refused("campaign_file_too_large", limit_mb=FILE_LIMIT // (1024 * 1024))
    digest = hashlib.sha256(upload.data).hexdigest()
    key = f"campaign:{campaign_id}:{unit_id}:{digest}"
    await files.put(tx, key, upload.name, upload.mime_type, upload.data)
    return key
