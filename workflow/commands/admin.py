"""The admins' commands and presses and the announcers' reports, for every channel: 单位
/units (units and their people), 未落实信息员 /noinformant, 撤销角色 /revoke with its ✅ 确认,
更正 /correct (a closed month's adoption recorded or withdrawn), 通知送达 /announced (the
delivery of announcements) and 报送指南 /guide. Each returns an `Answer` (see the package);
/invite and /announce are conversation flows (`workflow/dialogues/`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from chat.actions import Button, Rows
from chat.actions import admin as ad
from chat.actions import announce as an
from chat.dialogue import Ref, Reply
from chat.texts import Raw
from scoring.vocab import Role, UnitKind
from storage import people, units
from storage.db import Database
from storage.models import Account, Person, RoleGrant
from workflow import announce, joining
from workflow import periods as closing
from workflow.announce import DeliveryReport
from workflow.dialogues.submit import MAX_FILE_BYTES, MAX_FILES
from workflow.outcomes import Refused
from workflow.rules import CentreRules
from workflow.typed_dates import parse_day

from . import Answer, refusal, say
from .lookup import confirm_rows, stranger
from .start import is_admin

#: Roles offered for revoking, at most (one button each).
REVOKE_BUTTONS: Final = 60
#: Characters of a revoke button's unit and name (its role follows: Telegram's label stays
#: within 60 characters).
REVOKE_LABEL: Final = 48
#: People a delivery report names as not reached, at most.
REPORT_NAMES: Final = 60
NUMBER: Final = re.compile(r"[0-9]{1,12}")


async def enrol(db: Database, rules: CentreRules, account: Account, name: str) -> Person | None:
    """A configured admin who never joined, made a person of the ledger (their flows and the
    audit need one); None for anybody else, who is left as they are."""
    if account not in rules.admins:
        return None
    async with db.transaction() as tx:
        found = await people.person_by_account(tx, account)
        return found or await people.ensure_person(tx, account, name)


def _refused_unless_admin(
    rules: CentreRules, account: Account, grants: Sequence[RoleGrant]
) -> Answer | None:
    """Admins are listed in config.yaml or hold the admin role; anybody else is told so."""
    return None if is_admin(rules, account, grants) else say("admin.only")


def _holder(person: Person, role: Role) -> Reply:
    """A person with the role they hold, as a list of people names them."""
    return Reply("admin.holder", {"name": person.name, "role": Ref(f"role.{role.value}")})


async def list_units(
    db: Database, rules: CentreRules, account: Account, grants: Sequence[RoleGrant]
) -> Answer:
    """/units: the centre's own people (roles held without a unit), then every active unit
    with its people and their roles."""
    if (denied := _refused_unless_admin(rules, account, grants)) is not None:
        return denied
    lines = []
    async with db.reading() as tx:
        centre = tuple(
            [
                _holder(holder, role)
                for role in Role
                for holder in await people.role_holders(tx, None, role)
            ]
        )
        if centre:
            unit_line = {"unit": Ref("admin.invite_centre"), "people": centre}
            lines.append(Reply("admin.unit_line", unit_line))
        for unit in await units.list_units(tx):
            held = tuple(
                [
                    _holder(holder, role)
                    for role in Role
                    for holder in await people.role_holders(tx, unit.id, role)
                ]
            )
            unit_line = {"unit": unit.name, "people": held or Ref("admin.no_people")}
            lines.append(Reply("admin.unit_line", unit_line))
    return Answer([Reply("admin.units_head", also=tuple(lines))])


async def no_informant(
    db: Database, rules: CentreRules, account: Account, grants: Sequence[RoleGrant]
) -> Answer:
    """/noinformant: units that have not designated an informant (第三条, 第十一条)."""
    if (denied := _refused_unless_admin(rules, account, grants)) is not None:
        return denied
    async with db.reading() as tx:
        missing = await people.units_without_informant(tx)
    if not missing:
        return say("admin.noinformant_none")
    lines = tuple(Reply("admin.noinformant_line", {"unit": u.name}) for u in missing)
    return Answer([Reply("admin.noinformant_head", also=lines)])


async def revoke_menu(
    db: Database, rules: CentreRules, account: Account, grants: Sequence[RoleGrant]
) -> Answer:
    """/revoke: one button per role held now."""
    if (denied := _refused_unless_admin(rules, account, grants)) is not None:
        return denied
    held = await joining.grants(db)
    if not held:
        return say("admin.revoke_none")
    rows: Rows = tuple(
        (
            Button(
                "btn.revoke_grant",
                ad.Revoke(grant.id),
                {  # a label is plain text on every channel: the names are not escaped
                    "holder": Raw(
                        f"{unit.name + ' · ' if unit else ''}{person.name}"[:REVOKE_LABEL]
                    ),
                    "role": Ref(f"role.{grant.role.value}"),
                },
            ),
        )
        for grant, person, unit in held[:REVOKE_BUTTONS]
    )
    return say("admin.revoke_head", buttons=rows)


async def admin_press(
    db: Database,
    rules: CentreRules,
    account: Account,
    person: Person | None,
    grants: Sequence[RoleGrant],
    press: ad.Press | None,
) -> Answer:
    """An admin button: revoke (below), or an /invite choice its flow did not take (that
    invite was made, given up or expired).

    A revoke button shows what it will do with ✅ 确认 / ✖️ 取消; only the confirmation ends
    the role, re-checking that the presser is an admin and the role still held; its holder
    is told (queued)."""
    if not is_admin(rules, account, grants):
        return Answer([Reply("admin.only", how="alert")])
    if press is None:
        return Answer([refusal(Refused("forged"))])
    if not isinstance(press, ad.Revoke):  # an /invite button the flow did not take
        return Answer([refusal(Refused("invite_step_passed"))])
    grant_id, step = press.grant_id, press.step
    if step == "no":
        return Answer([Reply("confirm.kept", how="toast"), Reply("admin.revoke_kept", how="mark")])
    try:
        if step is None:  # shown back first: nothing changes yet
            async with db.reading() as tx:
                grant = await people.get_grant(tx, grant_id)
                if grant is None or grant.revoked_at is not None:
                    raise Refused("already_revoked")
            rows = confirm_rows(ad.Revoke(grant_id, "ok"), ad.Revoke(grant_id, "no"))
            return say("admin.confirm_revoke", await _grant_params(db, grant), rows)
        ended = await joining.revoke(db, grant_id, person)
    except Refused as refused:
        return Answer([refusal(refused)])
    named = await _grant_params(db, ended.grant)
    also: tuple[Reply, ...] = ()
    if ended.waiting:
        key = "admin.revoked_waiting_others" if ended.others else "admin.revoked_waiting_nobody"
        more = {"count": ended.waiting, "others": "、".join(ended.others)}
        also = (Reply(key, {**named, **more}),)
    done = [Reply("admin.revoked", named, also=also, how=how) for how in ("mark", "say")]
    return Answer(done, queued=True)  # the holder is told


async def _grant_params(db: Database, grant: RoleGrant) -> dict[str, Any]:
    """What a text naming a role grant shows: its holder, unit and role."""
    async with db.reading() as tx:
        holder = await people.get_person(tx, grant.person_id)
        unit = await units.get_unit(tx, grant.unit_id) if grant.unit_id else None
    return {
        "name": holder.name if holder else "?",
        "unit": f"{unit.name} " if unit else "",
        "role": Ref(f"role.{grant.role.value}"),
    }


async def correct(
    db: Database,
    rules: CentreRules,
    account: Account,
    person: Person | None,
    grants: Sequence[RoleGrant],
    typed: str,
) -> Answer:
    """/correct: an admin's correction (更正) of a closed month — an adoption recorded there
    after its bulletin (`12 渠道 2026-10-28 原因`) or withdrawn (`撤销 12 渠道 原因`); the
    next bulletin lists it, the closed sheet stays. `person` is the admin as a person of the
    ledger (a configured admin enrolled first)."""
    if (denied := _refused_unless_admin(rules, account, grants)) is not None:
        return denied
    args = typed.split()
    withdrawing = bool(args) and args[0] == "撤销"
    fields = args[1:] if withdrawing else args
    wanted = 3 if withdrawing else 4
    if len(fields) < wanted or not fields[0].lstrip("#").isdigit():
        return say("admin.correct_usage")
    item_id, outlet = int(fields[0].lstrip("#")), fields[1]
    try:
        if person is None:
            raise Refused("not_allowed")
        if withdrawing:
            reason = " ".join(fields[2:])
            adoption = await closing.correct_withdrawal(db, rules, person, item_id, outlet, reason)
        else:
            today = rules.local_now(db.clock()).date()
            try:
                day = parse_day(fields[2], today)
            except ValueError:
                return say("admin.correct_usage")
            adoption = await closing.correct_adoption(
                db,
                rules,
                person,
                item_id,
                outlet_name=outlet,
                adopted_on=day,
                reason=" ".join(fields[3:]),
            )
    except Refused as refused:
        return Answer([refusal(refused)])
    key = "admin.corrected_withdrawal" if withdrawing else "admin.corrected_adoption"
    params = {
        "item": adoption.item_id,
        "outlet": adoption.outlet,
        "points": adoption.points,
        "day": adoption.adopted_on.isoformat(),
        "year": adoption.adopted_on.year,
        "month": adoption.adopted_on.month,
    }
    return say(key, params)


# ----------------------------------------------------------------------------- /announced


def _local(rules: CentreRules, announcement: Any) -> str:
    """When an announcement was made, on the centre's clock."""
    return rules.local_now(announcement.created_at).strftime("%Y-%m-%d %H:%M")


def _summary(text: str, limit: int = 30) -> str:
    """The start of an announcement's text on one line."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit] + "…"


def report_reply(rules: CentreRules, report: DeliveryReport) -> Reply:
    """An announcement's delivery: counts, then who has not been reached and why; with
    刷新 under it."""
    item, counts = report.announcement, report.counts
    params = {
        "id": item.id,
        "when": _local(rules, item),
        "author": report.author,
        "summary": _summary(item.text),
        "total": report.total,
        **{state: counts[state] for state in ("sent", "pending", "failed", "uncertain")},
    }
    lines: list[Reply] = []
    if not report.unreached:
        lines.append(Reply("ann.report_all_sent"))
    else:
        lines.append(Reply("ann.report_unreached"))
        for delivery in report.unreached[:REPORT_NAMES]:
            state = Ref(f"ann.state.{delivery.state}")
            line = {"name": delivery.name or delivery.address, "state": state}
            lines.append(Reply("ann.report_line", line))
        if len(report.unreached) > REPORT_NAMES:
            more = len(report.unreached) - REPORT_NAMES
            lines.append(Reply("ann.report_more", {"count": more}))
        if counts["failed"]:
            lines.append(Reply("ann.report_failed_note"))
        if counts["uncertain"]:
            lines.append(Reply("ann.report_uncertain_note"))
    refresh = ((Button("btn.ann_refresh", an.Report(item.id)),),)
    return Reply("ann.report", params, refresh, also=tuple(lines))


async def report(db: Database, rules: CentreRules, account: Account, number: int) -> Answer:
    """One announcement's delivery report (refusals explained), for 通知送达 N and the
    查看发送情况 / 刷新 buttons."""
    try:
        found = await announce.delivery_report(db, rules, account, number)
    except Refused as refused:
        return Answer([refusal(refused)])
    return Answer([report_reply(rules, found)])


async def announced(db: Database, rules: CentreRules, account: Account, typed: str) -> Answer:
    """/announced: recent announcements with their counts; /announced N: one report."""
    args = typed.split()
    if args:
        if len(args) != 1 or not NUMBER.fullmatch(args[0].lstrip("#")):
            return say("ann.report_usage")
        return await report(db, rules, account, int(args[0].lstrip("#")))
    try:
        found = await announce.recent(db, rules, account)
    except Refused as refused:
        return Answer([refusal(refused)])
    if not found:
        return say("ann.list_empty")
    lines = []
    for each in found:
        item = each.announcement
        params = {
            "id": item.id,
            "when": _local(rules, item),
            "author": each.author,
            "summary": _summary(item.text, 20),
            "sent": each.counts["sent"],
            "total": each.total,
        }
        lines.append(Reply("ann.list_line", params))
    buttons = [
        Button("btn.ann_report_of", an.Report(r.announcement.id), {"id": r.announcement.id})
        for r in found
    ]
    rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    return Answer([Reply("ann.list_head", {"count": len(found)}, rows, also=tuple(lines))])


async def announce_press(
    db: Database, rules: CentreRules, account: Account, press: an.Press | None
) -> Answer:
    """An announcement's button outside its flow: 查看发送情况 / 刷新 (rights re-checked), or
    a step's button whose step has passed (sent, cancelled, an old message): no change."""
    if isinstance(press, an.Report):
        return await report(db, rules, account, press.announcement_id)
    if press is None:
        return Answer([refusal(Refused("forged"))])
    return Answer([Reply("ann.stale", how="alert")])


# ----------------------------------------------------------------------------- /guide


def _share(value: Decimal) -> str:
    """A share (0.5) as people say it (50%)."""
    percent = (value * 100).normalize()
    return f"{percent:f}%"


def _steps(chain: tuple[Role, ...]) -> Reply:
    """A sign-off chain in words."""
    if not chain:
        return Reply("guide.chain_direct")
    signers = [Reply("guide.chain_sign", {"role": Ref(f"role.{r.value}")}) for r in chain]
    joined = signers[0]
    for signer in signers[1:]:
        joined = Reply("guide.chain_then", {"before": joined, "next": signer})
    return Reply("guide.chain_steps", {"signers": joined})


async def guide(
    db: Database,
    rules: CentreRules,
    account: Account,
    person: Person | None,
    grants: Sequence[RoleGrant],
) -> Answer:
    """/guide: what to report, how to write it, by when, who signs, how it scores; in five
    messages (topics, format, deadline, the asker's sign-off chain, scoring)."""
    if person is None and not announce.may_announce(rules, account, grants):
        return stranger()
    policy = rules.policy
    topics = [Reply(""), Reply("guide.topics_head")]
    for number, (key, label) in enumerate(rules.categories.items(), start=1):
        topics.append(Reply("guide.topic_line", {"n": number, "label": label}))
        if key == policy.research_category:
            topics.append(Reply("guide.research", {"count": policy.research_articles_per_year}))
    writing = {"title_max": rules.title_max, "files": MAX_FILES, "mb": MAX_FILE_BYTES // 2**20}
    today = rules.local_now(db.clock()).date()
    days = rules.deadline_working_days
    deadline = {
        "days": days,
        "event": today.isoformat(),
        "last": rules.calendar.deadline(today, days).isoformat(),
    }
    chains = []
    mine = await announce.my_chains(db, rules, grants)
    for unit, chain in mine:
        kind = Ref(f"ann.kind.{unit.kind.value}")
        line = {"unit": unit.name, "kind": kind, "steps": _steps(chain)}
        chains.append(Reply("guide.chain_line", line))
    if not mine:  # centre staff and admins: every kind of unit
        for each in UnitKind:
            line = {"kind": Ref(f"ann.kind.{each.value}"), "steps": _steps(rules.chain(each))}
            chains.append(Reply("guide.chain_kind", line))
        staff = {"kind": Ref("guide.section_staff"), "steps": _steps((Role.INFORMANT,))}
        chains.append(Reply("guide.chain_kind", staff))
    chains.append(Reply("guide.chain_note"))
    scoring = []
    for level in range(1, 5):
        outlets = "、".join(o.name for o in rules.outlets.values() if o.level == level)
        line = {
            "level": level,
            "outlets": outlets or Ref(f"guide.level.{level}"),
            "points": policy.points_for_level(level),
        }
        scoring.append(Reply("guide.level_line", line))
    rules_line = {
        "share": _share(policy.edit_credit_share),
        "no_informant": _share(policy.deduction_no_informant),
        "quota_missed": _share(policy.deduction_quota_missed),
        "base": f"{policy.reward_base_yuan.normalize():f}",
        "per_point": f"{policy.reward_per_point_yuan.normalize():f}",
    }
    scoring += [Reply("guide.scoring_rules", rules_line), Reply(""), Reply("guide.footer")]
    return Answer(
        [
            Reply("guide.head", also=tuple(topics)),
            Reply("guide.format", writing),
            Reply("guide.deadline", deadline),
            Reply("guide.chain_head", also=tuple(chains)),
            Reply("guide.scoring_head", also=tuple(scoring)),
        ]
    )
