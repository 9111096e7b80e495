"""Routing hints (第六条): the pure suggestion, the bit-mask choice, and confirming routes."""

from __future__ import annotations

from datetime import date

import pytest

from bot.settings.loader import load_settings
from bot.wiring import centre_rules
from scoring.vocab import Role
from storage import audit, people, routes, webnews
from storage.db import Database
from storage.models import Person
from tests.conftest import tg_account
from tests.flow import REPO, TOKEN, load_units
from workflow import centre, routing, submission
from workflow import webnews as news_flow
from workflow.outcomes import Refused
from workflow.rules import CentreRules, RoutingHint

WEBSITE = "市政务服务中心网站"
BRIEF = "《工作简报》"
PROVINCE = "省政务服务中心"

HINTS = (
    RoutingHint(
        "领导调研、创新做法",
        ("research", "measures"),
        ("调研", "视察", "创新"),
        (WEBSITE, PROVINCE),
    ),
    RoutingHint("特色工作", ("culture", "service_stations"), ("特色", "亮点"), (BRIEF,)),
)


def test_category_alone_matches() -> None:
    found = routing.suggest(HINTS, category="research", title="标题", body="正文")
    assert found.outlets == (WEBSITE, PROVINCE)
    (match,) = found.matches
    assert (match.label, match.by_category, match.markers) == ("领导调研、创新做法", True, ())


def test_a_marker_in_the_body_matches() -> None:
    found = routing.suggest(HINTS, category="public_work", title="便民", body="打造服务亮点")
    assert found.outlets == (BRIEF,)
    assert found.matches[0].markers == ("亮点",)
    assert not found.matches[0].by_category


def test_both_hints_match_and_outlets_keep_hint_order_without_repeats() -> None:
    found = routing.suggest(
        HINTS, category="culture", title="市领导调研窗口创新做法", body="形成特色品牌"
    )
    assert [m.label for m in found.matches] == ["领导调研、创新做法", "特色工作"]
    assert found.matches[0].markers == ("调研", "创新")
    assert found.matches[1].by_category
    assert found.outlets == (WEBSITE, PROVINCE, BRIEF)
    overlapping = (*HINTS, RoutingHint("又一条", (), ("窗口",), (BRIEF, WEBSITE)))
    again = routing.suggest(overlapping, category="culture", title="市领导调研窗口", body="")
    assert again.outlets == (WEBSITE, PROVINCE, BRIEF)


def test_no_hint_matches() -> None:
    found = routing.suggest(HINTS, category="public_work", title="政策解读", body="办事指南")
    assert found == routing.Suggestion((), ())
    assert routing.suggest((), category="research", title="调研", body="").outlets == ()


def test_markers_ignore_case_and_empty_markers_never_match() -> None:
    hints = (RoutingHint("英文", (), ("", "APP"), (BRIEF,)),)
    assert routing.suggest(hints, category="x", title="上线政务app", body="").outlets == (BRIEF,)
    assert routing.suggest(hints, category="x", title="无", body="").outlets == ()


def test_mask_round_trip_and_forged_bits() -> None:
    outlets = (WEBSITE, BRIEF, "市委、市政府", PROVINCE)
    mask = routing.mask_of(outlets, (PROVINCE, WEBSITE))
    assert mask == 0b1001
    assert routing.chosen_of(outlets, mask) == (WEBSITE, PROVINCE)
    assert routing.chosen_of(outlets, 0) == ()
    with pytest.raises(Refused, match="forged"):
        routing.chosen_of(outlets, 0b10000)


# -- confirming routes in the ledger


@pytest.fixture
def rules() -> CentreRules:
    """The shipped rules (the two hints of 第六条)."""
    return centre_rules(load_settings(REPO / "config.yaml", {"BAOSONG_BOT_TOKEN": TOKEN}))


async def crew(db: Database) -> dict[str, Person]:
    """Units loaded; an informant of 综合科, an editor, a centre leader."""
    await load_units(db, load_settings(REPO / "config.yaml", {"BAOSONG_BOT_TOKEN": TOKEN}))
    found = {}
    async with db.transaction() as tx:
        for tg, key, unit_name, role in (
            (1, "informant", "综合科", Role.INFORMANT),
            (2, "editor", "办公室", Role.EDITOR),
            (3, "leader", "办公室", Role.CENTRE_LEADER),
        ):
            person = await people.ensure_person(tx, tg_account(tg), key)
            unit = await tx.fetchone("SELECT id FROM units WHERE name = ?", (unit_name,))
            assert unit is not None
            await people.grant_role(tx, person.id, int(unit["id"]), role, None)
            found[key] = person
    return found


async def item(db: Database, rules: CentreRules, who: Person) -> int:
    """A section item about a leader's research (the first hint), at the centre."""
    async with db.reading() as tx:
        unit = await tx.fetchone("SELECT id FROM units WHERE name = '综合科'")
    assert unit is not None
    draft = submission.Draft(
        unit_id=int(unit["id"]),
        category="public_work",
        title="市领导到综合科调研",
        body="正文。",
        event_date=date(2026, 10, 14),
    )
    made = (await submission.submit(db, rules, who, draft)).item
    return made.id


async def test_view_and_confirm(db: Database, rules: CentreRules) -> None:
    people_ = await crew(db)
    editor = people_["editor"]
    item_id = await item(db, rules, people_["informant"])
    with pytest.raises(Refused, match="route_not_registered"):
        await routing.confirm(db, rules, editor, item_id, [BRIEF])
    await centre.register(db, editor, item_id)
    with pytest.raises(Refused, match="not_editor"):
        await routing.view(db, rules, people_["leader"], item_id)
    shown = await routing.view(db, rules, editor, item_id)
    assert shown.suggestion.outlets == (WEBSITE, PROVINCE)  # the marker 调研
    assert shown.initial == (WEBSITE, PROVINCE)
    with pytest.raises(Refused, match="route_none_chosen"):
        await routing.confirm(db, rules, editor, item_id, [])
    with pytest.raises(Refused, match="outlet_unknown"):
        await routing.confirm(db, rules, editor, item_id, ["人民日报"])

    routed = await routing.confirm(db, rules, editor, item_id, [BRIEF, PROVINCE])
    assert (routed.added, routed.removed, routed.started) == ((BRIEF, PROVINCE), (), None)
    with pytest.raises(Refused, match="route_same"):
        await routing.confirm(db, rules, editor, item_id, [PROVINCE, BRIEF])
    assert (await routing.view(db, rules, editor, item_id)).initial == (BRIEF, PROVINCE)

    # Adding the website starts website news, and its leaders are asked, in one transaction.
    routed = await routing.confirm(db, rules, editor, item_id, [BRIEF, WEBSITE])
    assert routed.added == (WEBSITE,)
    assert routed.removed == (PROVINCE,)
    assert routed.started is not None
    assert routed.started.leaders == 1
    assert [n.key for n in routed.notices] == ["web_sign_request"]

    # Dropping the website stops the unpublished news; adding it again starts a new one.
    routed = await routing.confirm(db, rules, editor, item_id, [BRIEF])
    assert routed.stopped is not None
    stopped = routed.stopped.id
    async with db.reading() as tx:
        assert await webnews.news_of_item(tx, item_id) is None
        candidates = [r.item_id for r in await routes.routed_to(tx, BRIEF)]
        trail = [e.action for e in await audit.audit_trail(tx, "item", item_id)]
    assert candidates == [item_id]
    assert trail.count("route.set") == 3
    routed = await routing.confirm(db, rules, editor, item_id, [BRIEF, WEBSITE])
    assert routed.started is not None
    assert routed.started.news.id != stopped


async def test_a_published_website_route_stays(db: Database, rules: CentreRules) -> None:
    people_ = await crew(db)
    editor = people_["editor"]
    async with db.transaction() as tx:
        admin = await people.ensure_person(tx, tg_account(4), "netadmin")
        await people.grant_role(tx, admin.id, None, Role.NETWORK_ADMIN, None)
    item_id = await item(db, rules, people_["informant"])
    await centre.register(db, editor, item_id)
    await routing.confirm(db, rules, editor, item_id, [WEBSITE])
    async with db.reading() as tx:
        news = await webnews.news_of_item(tx, item_id)
    assert news is not None
    await news_flow.decide(db, people_["leader"], news.id, 1, approve=True)
    await news_flow.publish(db, rules, admin, news.id, 1, "https://zwfw.example.gov.cn/1")
    with pytest.raises(Refused, match="route_web_published"):
        await routing.confirm(db, rules, editor, item_id, [BRIEF])
    async with db.reading() as tx:
        assert [r.outlet for r in await routes.routes_of(tx, item_id)] == [WEBSITE]
