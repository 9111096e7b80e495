"""The item's whole path through the services: invite, submit, sign off, return, adopt, edit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from scoring.vocab import ItemState, Role
from storage import audit, outbox, people, units
from storage.db import Database
from storage.models import TELEGRAM, Account, Person
from storage.units import UnitSpec
from tests.conftest import FakeClock
from workflow import centre, joining, revision, signoff, submission
from workflow.figures import month_report
from workflow.outcomes import Refused
from workflow.rules import CentreRules
from workflow.typed_dates import parse_day

REPO = Path(__file__).resolve().parent.parent
WINDOW = "市人社局窗口"
TOWNSHIP = "城关镇便民服务中心"
SECTION = "综合科"


@pytest.fixture
def rules() -> CentreRules:
    """The rules of the shipped config.yaml."""
    settings = load_settings(REPO / "config.yaml", {})
    return centre_rules(settings)


@pytest.fixture
async def loaded(db: Database) -> Database:
    """The ledger with the units of the shipped config.yaml."""
    settings = load_settings(REPO / "config.yaml", {})
    async with db.transaction() as tx:
        await units.sync_units(
            tx,
            [
                UnitSpec(u.name, u.kind, u.monthly_quota, u.annual_target, u.key)
                for u in settings.units
            ],
        )
    return db


@pytest.fixture
async def cast(loaded: Database, rules: CentreRules) -> dict[str, Person]:
    """One person per role, each joined through an invite."""
    db = loaded
    people: dict[str, Person] = {}
    for key, tg, unit, role in [
        ("informant", 101, WINDOW, Role.INFORMANT),
        ("head", 102, WINDOW, Role.WINDOW_HEAD),
        ("leader", 103, WINDOW, Role.LEADER),
        ("editor", 104, SECTION, Role.EDITOR),
        ("section_head", 105, SECTION, Role.INFORMANT),
        ("other_informant", 106, TOWNSHIP, Role.INFORMANT),
        ("section_staff", 107, SECTION, Role.SECTION_STAFF),
    ]:
        invite, _ = await joining.create_invite(db, rules, unit_name=unit, role=role)
        joined = await joining.redeem(
            db, invite.code, account=Account(TELEGRAM, str(tg)), name=key, username=None
        )
        people[key] = joined.person
    return people


async def unit_id(db: Database, name: str) -> int:
    """A unit's id by name."""
    async with db.reading() as tx:
        unit = await units.unit_by_name(tx, name)
    assert unit is not None
    return unit.id


def draft(unit: int, **kw: object) -> submission.Draft:
    """A valid draft for a unit, fields overridable."""
    fields: dict[str, object] = {
        "unit_id": unit,
        "category": "measures",
        "title": "推行“一窗通办”",
        "body": "10月9日，市人社局窗口推行“一窗通办”。",
        "event_date": date(2026, 10, 14),
    }
    fields.update(kw)
    return submission.Draft(**fields)  # type: ignore[arg-type]


# Joining


async def test_messages_go_to_the_account_used_last(
    loaded: Database, rules: CentreRules, clock: FakeClock
) -> None:
    db = loaded
    invite, _ = await joining.create_invite(db, rules, unit_name=WINDOW, role=Role.INFORMANT)
    telegram, wecom = Account(TELEGRAM, "31"), Account("wecom", "wangfang")
    joined = await joining.redeem(db, invite.code, account=telegram, name="王芳", username=None)
    person = joined.person.id
    async with db.transaction() as tx:
        assert await outbox.enqueue(tx, "first", person, {"text": "1"})
    clock.now += timedelta(minutes=1)
    async with db.transaction() as tx:
        await people.add_account(tx, person, wecom, actor_id=None)  # bound later, on WeCom
        assert await outbox.enqueue(tx, "second", person, {"text": "2"})
        assert not await outbox.enqueue(tx, "second", person, {"text": "again"})  # once each
    assert (await joining.whoami(db, wecom))[0] == joined.person  # nothing changes: latest
    clock.now += timedelta(minutes=1)
    found, _ = await joining.whoami(db, telegram)  # writes from Telegram again
    assert found is not None and found.id == person
    async with db.transaction() as tx:
        assert await outbox.enqueue(tx, "third", person, {"text": "3"})
        accounts = await people.accounts_of(tx, person)
        rows = await tx.fetchall("SELECT purpose, channel, address FROM outbox ORDER BY id")
        trail = [e.action for e in await audit.audit_trail(tx, "account", 1)]
    assert accounts == [telegram, wecom]
    assert [tuple(r) for r in rows] == [
        ("first", "telegram", "31"),
        ("second", "wecom", "wangfang"),
        ("third", "telegram", "31"),
    ]
    assert trail == ["account.add", "account.use"]


async def test_invite_is_single_use(loaded: Database, rules: CentreRules) -> None:
    db = loaded
    invite, unit = await joining.create_invite(db, rules, unit_name=WINDOW, role=Role.INFORMANT)
    assert unit is not None
    assert len(invite.code) <= 64
    await joining.redeem(db, invite.code, account=Account(TELEGRAM, "1"), name="甲", username=None)
    with pytest.raises(Refused) as refused:
        await joining.redeem(
            db, invite.code, account=Account(TELEGRAM, "2"), name="乙", username=None
        )
    assert refused.value.key == "invite_used"


async def test_invite_expires(loaded: Database, rules: CentreRules, clock: FakeClock) -> None:
    db = loaded
    invite, _ = await joining.create_invite(db, rules, unit_name=WINDOW, role=Role.INFORMANT)
    clock.now += rules.invite_ttl + timedelta(seconds=1)
    with pytest.raises(Refused) as refused:
        await joining.redeem(
            db, invite.code, account=Account(TELEGRAM, "1"), name="甲", username=None
        )
    assert refused.value.key == "invite_expired"


@pytest.mark.parametrize("code", ["nope", "", "x" * 64])
async def test_unknown_invite(db: Database, code: str) -> None:
    with pytest.raises(Refused) as refused:
        await joining.redeem(db, code, account=Account(TELEGRAM, "1"), name="甲", username=None)
    assert refused.value.key == "invite_unknown"


async def test_unit_role_needs_a_unit(loaded: Database, rules: CentreRules) -> None:
    db = loaded
    with pytest.raises(Refused) as refused:
        await joining.create_invite(db, rules, unit_name=None, role=Role.INFORMANT)
    assert refused.value.key == "role_needs_unit"
    with pytest.raises(Refused) as refused:
        await joining.create_invite(db, rules, unit_name="不存在的单位", role=Role.LEADER)
    assert refused.value.key == "unknown_unit"


# Submitting


async def test_submit_judges_lateness_in_working_days(
    db: Database, rules: CentreRules, cast: dict[str, Person]
) -> None:
    """Event Fri 2026-10-09; Sat 10-10 is a make-up working day, so the deadline is Mon 10-12;
    submitted Thu 10-15: three working days late (13, 14, 15)."""
    window = await unit_id(db, WINDOW)
    result = await submission.submit(
        db, rules, cast["informant"], draft(window, event_date=date(2026, 10, 9))
    )
    assert result.deadline == date(2026, 10, 12)
    assert result.late_days == 3
    assert (result.judged, result.item.late_days) == (False, 0)  # judged when at the centre
    assert result.item.state is ItemState.PENDING
    assert result.item.chain_roles == (Role.WINDOW_HEAD, Role.LEADER)
    assert [n.to for n in result.notices] == [cast["head"].id]


async def test_submit_on_time(db: Database, rules: CentreRules, cast: dict[str, Person]) -> None:
    window = await unit_id(db, WINDOW)
    result = await submission.submit(db, rules, cast["informant"], draft(window))
    assert result.late_days == 0
    assert result.item.submitted_on == date(2026, 10, 15)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"title": "   "}, "title_empty"),
        ({"title": "\u200b\u200f"}, "title_empty"),
        ({"title": "长" * 101}, "title_too_long"),
        ({"body": ""}, "body_empty"),
        ({"category": "gossip"}, "category_unknown"),
        ({"event_date": date(2026, 10, 16)}, "date_in_future"),
        ({"event_date": date(2025, 1, 1)}, "date_too_old"),
    ],
)
async def test_submit_refuses_bad_fields(
    db: Database,
    rules: CentreRules,
    cast: dict[str, Person],
    change: dict[str, object],
    key: str,
) -> None:
    window = await unit_id(db, WINDOW)
    with pytest.raises(Refused) as refused:
        await submission.submit(db, rules, cast["informant"], draft(window, **change))
    assert refused.value.key == key


async def test_only_the_units_informant_submits(
    db: Database, rules: CentreRules, cast: dict[str, Person]
) -> None:
    window = await unit_id(db, WINDOW)
    with pytest.raises(Refused) as refused:
        await submission.submit(db, rules, cast["other_informant"], draft(window))
    assert refused.value.key == "not_informant"


async def test_section_head_item_goes_straight_to_centre(
    db: Database, rules: CentreRules, cast: dict[str, Person]
) -> None:
    section = await unit_id(db, SECTION)
    result = await submission.submit(db, rules, cast["section_head"], draft(section))
    assert result.reached_centre
    assert result.item.state is ItemState.SUBMITTED
    assert [(n.to, n.key) for n in result.notices] == [(cast["editor"].id, "editor_new_item")]


async def test_item_without_sign_offs_is_judged_at_submission(
    db: Database, rules: CentreRules, cast: dict[str, Person]
) -> None:
    """A section head's item reaches the centre as it is submitted: judged then (3 days late)."""
    section = await unit_id(db, SECTION)
    late = draft(section, event_date=date(2026, 10, 9))
    result = await submission.submit(db, rules, cast["section_head"], late)
    assert (result.judged, result.item.late_days, result.item.centre_on) == (
        True,
        3,
        date(2026, 10, 15),
    )


async def test_section_staff_item_goes_through_section_head(
    db: Database, rules: CentreRules, cast: dict[str, Person]
) -> None:
    section = await unit_id(db, SECTION)
    result = await submission.submit(db, rules, cast["section_staff"], draft(section))
    assert result.item.chain_roles == (Role.INFORMANT,)
    assert [n.to for n in result.notices] == [cast["section_head"].id]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20", date(2026, 11, 20)),
        ("2026/11/20", date(2026, 11, 20)),
        ("11月20日", date(2026, 11, 20)),
        ("2026年11月20日", date(2026, 11, 20)),
        ("20.11", date(2026, 11, 20)),
        (" 11-20 ", date(2026, 11, 20)),
    ],
)
def test_parse_event_date(text: str, expected: date) -> None:
    assert parse_day(text, date(2026, 11, 24)) == expected


def test_a_date_without_a_year_is_the_latest_one_gone_by() -> None:
    """In early January, December's adoptions are recorded: 12月30日 is last December."""
    assert parse_day("12月30日", date(2027, 1, 4)) == date(2026, 12, 30)
    assert parse_day("30.12", date(2027, 1, 4)) == date(2026, 12, 30)
    assert parse_day("1月4日", date(2027, 1, 4)) == date(2027, 1, 4)
    assert parse_day("2027-12-30", date(2027, 1, 4)) == date(2027, 12, 30)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2026-02-30", "date_impossible"),
        ("昨天下午", "date_unreadable"),
        ("13.13", "date_impossible"),
    ],
)
def test_parse_event_date_refuses(text: str, key: str) -> None:
    with pytest.raises(Refused) as refused:
        parse_day(text, date(2026, 11, 24))
    assert refused.value.key == key


# Signing off


async def test_two_step_chain_reaches_centre(
    db: Database, rules: CentreRules, cast: dict[str, Person]
) -> None:
    window = await unit_id(db, WINDOW)
    item = (await submission.submit(db, rules, cast["informant"], draft(window))).item

    with pytest.raises(Refused) as refused:
        await signoff.decide(
            db, rules, cast["leader"], item_id=item.id, round_=0, step=0, approve=True
        )
    assert refused.value.key == "not_signer"

    first = await signoff.decide(
        db, rules, cast["head"], item_id=item.id, round_=0, step=0, approve=True
    )
    assert first.result is signoff.Result.NEXT_STEP
    assert sorted((n.to, n.key) for n in first.notices) == [
        (cast["informant"].id, "author_step_approved"),
        (cast["leader"].id, "signoff_request"),
    ]
    with pytest.raises(Refused) as refused:
        await signoff.decide(
            db, rules, cast["head"], item_id=item.id, round_=0, step=0, approve=True
        )
    assert refused.value.key == "already_decided"

    second = await signoff.decide(
        db, rules, cast["leader"], item_id=item.id, round_=0, step=1, approve=True
    )
    assert second.result is signoff.Result.AT_CENTRE
    assert second.item.state is ItemState.SUBMITTED
    assert second.item.centre_on == date(2026, 10, 15)
    assert (cast["editor"].id, "editor_new_item") in {(n.to, n.key) for n in second.notices}


async def test_return_revise_resubmit_restarts_chain(
    db: Database, rules: CentreRules, cast: dict[str, Person]
) -> None:
    window = await unit_id(db, WINDOW)
    item = (await submission.submit(db, rules, cast["informant"], draft(window))).item
    with pytest.raises(Refused) as refused:
        await signoff.decide(
            db, rules, cast["head"], item_id=item.id, round_=0, step=0, approve=False, reason=" "
        )
    assert refused.value.key == "return_needs_reason"
    returned = await signoff.decide(
        db,
        rules,
        cast["head"],
        item_id=item.id,
        round_=0,
        step=0,
        approve=False,
        reason="请补充办件数量",
    )
    assert returned.result is signoff.Result.RETURNED
    assert returned.notices[0].params["reason"] == "请补充办件数量"

    was = revision.as_returned(*await revision.returned_version(db, cast["informant"], item.id))
    changed = replace(was, title="推行“一窗通办” 办件3000件", body="补充后正文")
    again = await revision.resubmit(db, rules, cast["informant"], item.id, changed)
    assert (again.item.chain_round, again.item.chain_step) == (1, 0)
    assert again.item.state is ItemState.PENDING

    with pytest.raises(Refused) as refused:  # the old round's button is spent
        await signoff.decide(
            db, rules, cast["head"], item_id=item.id, round_=0, step=0, approve=True
        )
    assert refused.value.key == "already_decided"
    fresh = await signoff.decide(
        db, rules, cast["head"], item_id=item.id, round_=1, step=0, approve=True
    )
    assert fresh.result is signoff.Result.NEXT_STEP


async def test_stale_button_after_item_moved(
    db: Database, rules: CentreRules, cast: dict[str, Person]
) -> None:
    window = await unit_id(db, WINDOW)
    item = (await submission.submit(db, rules, cast["informant"], draft(window))).item
    with pytest.raises(Refused) as refused:  # a forged button for a step not reached yet
        await signoff.decide(
            db, rules, cast["leader"], item_id=item.id, round_=0, step=1, approve=True
        )
    assert refused.value.key == "stale"
    with pytest.raises(Refused) as refused:
        await signoff.decide(
            db, rules, cast["head"], item_id=999_999, round_=0, step=0, approve=True
        )
    assert refused.value.key == "item_unknown"


# Centre: adoptions and edits feed the figures


async def at_centre(db: Database, rules: CentreRules, cast: dict[str, Person]) -> int:
    """A window item signed off by both signers; returns its id."""
    window = await unit_id(db, WINDOW)
    item = (await submission.submit(db, rules, cast["informant"], draft(window))).item
    for who, step in (("head", 0), ("leader", 1)):
        await signoff.decide(
            db, rules, cast[who], item_id=item.id, round_=0, step=step, approve=True
        )
    return item.id


async def test_adoptions_edit_credit_and_withdrawal(
    db: Database, rules: CentreRules, cast: dict[str, Person], clock: FakeClock
) -> None:
    item_id = await at_centre(db, rules, cast)
    editor = cast["editor"]
    assert [i.id for i in (await centre.desk(db, editor, centre.DeskFilter())).items] == [item_id]
    edit = await centre.edit(db, rules, editor, item_id, title="新标题", body="编辑后的正文")
    assert edit is not None

    clock.now = datetime(2026, 10, 20, 2, tzinfo=UTC)
    totals = []
    for outlet in ("市政务服务中心网站", "市委、市政府", "省级报纸"):
        adopted = await centre.adopt(
            db, rules, editor, item_id, outlet_name=outlet, adopted_on=date(2026, 10, 20)
        )
        totals.append(adopted.item_points)
    assert totals == [1, 3, 6]
    assert adopted.item.state is ItemState.REGISTERED
    assert {n.to for n in adopted.notices} == {
        cast["informant"].id,
        cast["head"].id,
        cast["leader"].id,
    }
    with pytest.raises(Refused) as refused:
        await centre.adopt(
            db, rules, editor, item_id, outlet_name="省级报纸", adopted_on=date(2026, 10, 20)
        )
    assert refused.value.key == "already_adopted"
    assert await centre.section_credit_preview(db, rules, item_id) == {SECTION: Decimal(3)}

    report = await month_report(db, rules.policy, rules.zone, 2026, 10)
    scores = {line.counts.name: line.score for line in report.lines}
    assert scores[WINDOW] == Decimal(6)
    assert scores[SECTION] == Decimal(3)

    withdrawn, notices = await centre.withdraw(db, editor, adopted.adoption.id, "录入错误")
    assert withdrawn.withdrawn_at is not None
    assert notices[0].params["total"] == 3
    report = await month_report(db, rules.policy, rules.zone, 2026, 10)
    assert {line.counts.name: line.score for line in report.lines}[WINDOW] == Decimal(3)
    async with db.reading() as tx:
        trail = [e.action for e in await audit.audit_trail(tx, "item", item_id)]
    assert trail.count("adoption.record") == 3
    assert trail.count("adoption.withdraw") == 1


async def test_adoption_refusals(db: Database, rules: CentreRules, cast: dict[str, Person]) -> None:
    item_id = await at_centre(db, rules, cast)
    cases = [
        (cast["informant"], "市委、市政府", date(2026, 10, 15), "not_editor"),
        (cast["editor"], "人民日报", date(2026, 10, 15), "outlet_unknown"),
        (cast["editor"], "市委、市政府", date(2026, 10, 16), "date_in_future"),
        (cast["editor"], "市委、市政府", date(2026, 10, 14), "adopted_before_centre"),
    ]
    for person, outlet, day, key in cases:
        with pytest.raises(Refused) as refused:
            await centre.adopt(db, rules, person, item_id, outlet_name=outlet, adopted_on=day)
        assert refused.value.key == key


async def test_pending_item_cannot_be_adopted(
    db: Database, rules: CentreRules, cast: dict[str, Person]
) -> None:
    window = await unit_id(db, WINDOW)
    item = (await submission.submit(db, rules, cast["informant"], draft(window))).item
    with pytest.raises(Refused) as refused:
        await centre.adopt(
            db,
            rules,
            cast["editor"],
            item.id,
            outlet_name="市委、市政府",
            adopted_on=date(2026, 10, 15),
        )
    assert refused.value.key == "not_at_centre"


async def test_revoked_informant_cannot_resubmit(
    db: Database, rules: CentreRules, cast: dict[str, Person]
) -> None:
    window = await unit_id(db, WINDOW)
    item = (await submission.submit(db, rules, cast["informant"], draft(window))).item
    await signoff.decide(
        db, rules, cast["head"], item_id=item.id, round_=0, step=0, approve=False, reason="补充"
    )
    for grant, holder, _ in await joining.grants(db):
        if holder.id == cast["informant"].id:
            await joining.revoke(db, grant.id, None)
    with pytest.raises(Refused) as refused:
        changed = revision.Revised(item.category, "新", "新", item.event_date, ())
        await revision.resubmit(db, rules, cast["informant"], item.id, changed)
    assert refused.value.key == "not_informant"


async def test_confirming_one_draft_twice_stores_one_item(
    db: Database, rules: CentreRules, cast: dict[str, Person]
) -> None:
    window = await unit_id(db, WINDOW)
    once = draft(window, token="draft-token-1")
    first = await submission.submit(db, rules, cast["informant"], once)
    again = await submission.submit(db, rules, cast["informant"], once)
    assert again.item.id == first.item.id
    assert again.notices == []
    other = await submission.submit(db, rules, cast["informant"], draft(window, token="t2"))
    assert other.item.id != first.item.id
