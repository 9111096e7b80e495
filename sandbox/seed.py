"""The sandbox's demo centre: units from config, a person for every role, a month of history.

`seed` fills an empty, migrated ledger. The demo people on Telegram are bound to their units
directly (`storage.people`), as if they had redeemed invites, since January; their Telegram ids
are fixed (1001…) so the page and the emulator agree on them. Two are on WeCom (a township's
second informant and a centre editor): each redeems an invite through the joining service, as
a member who sends "绑定 CODE" does, so a WeCom informant's item is signed on Telegram and a
Telegram informant's item reaches an editor on WeCom. History comes in through `storage.bulk`, the importer a
centre uses for its spreadsheets: about thirty days of items before "now" for several units,
most registered, some adopted at every level, one edited by the centre, so `/unit`, `/rank` and
the bulletin have numbers at once. One item of today waits for a sign-off, so moving the clock
a working day on shows a reminder. Last month's bulletin counts as already posted: the sandbox
starts as a centre whose bot has been running for a while. Two assessment campaigns, one closed
with a rectification open and one running, come last (`sandbox.seed_campaigns`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from bot.settings.schema import Settings
from bot.wiring import centre_rules
from sandbox.cast import ASSESSORS, LEADING, OFFICE, TOWNSHIP, WINDOW, DemoCast, demo_cast
from sandbox.seed_campaigns import DemoPeople, seed_campaigns
from scoring import periods
from scoring.vocab import ItemState, Role, UnitKind
from scoring.workdays import WorkCalendar
from storage import bulk, jobs, people, units
from storage.db import Database, Tx
from storage.models import Person, Unit
from storage.units import UnitSpec, sync_units
from workflow import joining, schedule
from workflow import periods as closing
from workflow.rules import CentreRules
from workflow.submission import Draft, submit

Clock = Callable[[], datetime]

#: How many days of history lie before "now".
HISTORY_DAYS = 30
#: The random generator's seed: the same history (relative to now) after every reset.
HISTORY_SEED = 20261124


#: Units with history written by people who have no Telegram account in the sandbox.
_OTHER_INFORMANTS: tuple[tuple[str, str], ...] = (
    ("市市场监管局窗口", "黄丽"),
    ("市税务局窗口", "吴昊"),
    ("小汉镇政务服务中心", "郑洁"),
    ("东岭乡便民服务中心", "马超"),
    ("办公室", "何军"),
    ("综合科", "林峰"),
)

#: Items per unit in the history (units not named: 2).
_ITEMS_PER_UNIT = {
    "市人社局窗口": 4,
    "城关镇便民服务中心": 3,
    "市市场监管局窗口": 5,
    "市税务局窗口": 2,
    "小汉镇政务服务中心": 4,
    "东岭乡便民服务中心": 1,
    "办公室": 3,
    "综合科": 2,
}

#: (category key, title, body) with {unit} and {day} (e.g. 11月3日) filled in.
_STORIES: tuple[tuple[str, str, str], ...] = (
    (
        "measures",
        "{unit}推行“一窗受理、集成服务”",
        "{day}，{unit}全面推行“一窗受理、集成服务”，群众办事平均用时缩短三成以上。",
    ),
    (
        "centre_building",
        "{unit}开展窗口服务标准化建设",
        "{day}，{unit}对照服务清单逐项梳理办事指南，统一受理标准和一次性告知内容。",
    ),
    (
        "culture",
        "{unit}组织“岗位练兵”业务竞赛",
        "{day}，{unit}组织窗口人员开展业务知识竞赛，以赛促学，提升服务能力。",
    ),
    (
        "public_work",
        "{unit}开展政策解读进社区活动",
        "{day}，{unit}工作人员走进社区，面对面解读惠民政策，现场解答群众咨询四十余人次。",
    ),
    (
        "implementation",
        "{unit}传达学习上级优化营商环境部署",
        "{day}，{unit}召开专题会议，传达学习上级关于优化营商环境的决策部署并研究落实措施。",
    ),
    (
        "service_stations",
        "{unit}延伸“帮办代办”服务到村",
        "{day}，{unit}在村级便民服务站推出“帮办代办”，群众在家门口即可办理高频事项。",
    ),
    (
        "measures",
        "{unit}上线“不见面审批”",
        "{day}，{unit}上线“不见面审批”，申请、受理、审核、发证全程网上办理。",
    ),
    (
        "public_work",
        "{unit}推出延时错时服务",
        "{day}，{unit}推出午间和周末延时错时服务，方便上班族办事。",
    ),
)

#: Units with village service stations (便民服务站) to write about.
_TOWNS = frozenset({UnitKind.TOWNSHIP, UnitKind.TOWN_CENTRE})

#: Whose item waits for a sign-off at the start (the township informant).
WAITING_AUTHOR = 1004
#: The item that waits for a sign-off when the sandbox starts.
_WAITING = (
    "service_stations",
    "{unit}开展“帮办代办”进村入户",
    "{day}，{unit}组织帮办代办员进村入户，为行动不便的老人上门办理社保认证等事项。",
)


async def seed(db: Database, settings: Settings, clock: Clock) -> DemoCast:
    """Fills an empty, migrated ledger with the demo centre; returns who is in it."""
    cast = demo_cast(settings)
    rules = centre_rules(settings)
    now = clock()
    async with db.transaction() as tx:
        await sync_units(
            tx,
            [
                UnitSpec(u.name, u.kind, u.monthly_quota, u.annual_target, u.key)
                for u in settings.units
            ],
        )
        by_name = {u.name: u for u in await units.list_units(tx)}
        persons: dict[int, Person] = {}
        for member in cast.telegram:
            person = await people.ensure_person(tx, member.account, member.name)
            persons[member.id] = person
        # The demo centre has run the regulation all year: its people held their roles since
        # January, so the year's figures judge each month with its informants in place.
        since = year_start(rules, now)
        await bulk.import_roles(
            tx,
            [
                bulk.ImportedRole(
                    persons[member.id].id,
                    by_name[member.unit].id if member.unit else None,
                    member.role,
                    since,
                )
                for member in cast.telegram
            ],
            source="sandbox seed",
        )
        authors = {
            member.unit: persons[member.id].id
            for member in cast.telegram
            if member.role is Role.INFORMANT and member.unit is not None
        }
        authors |= await _other_informants(tx, by_name, authors, since)
        editor = next(m for m in cast.telegram if m.role is Role.EDITOR)
        history = _History(settings, rules.calendar, now, persons[editor.id].id)
        section = by_name.get(editor.unit or "")
        edit_section = section if section and section.kind is UnitKind.SECTION else None
        await history.write(tx, by_name, authors, edit_section)
        local = rules.local_now(now).date()
        previous = periods.previous_month(local)
        await jobs.record(tx, schedule.bulletin_key(*previous), source="sandbox seed")
        await jobs.record(tx, f"annual:{local.year - 1}", source="sandbox seed")
    await _waiting_item(db, settings, cast, persons, by_name, now)
    await closing.close_posted(db, rules)  # last month's bulletin counts as posted: closed
    await seed_campaigns(db, rules, now, _campaign_people(cast, persons, by_name))
    await _wecom_people(db, rules, cast)
    return cast


async def _wecom_people(db: Database, rules: CentreRules, cast: DemoCast) -> None:
    """The people on WeCom, each joined by an invite redeemed through the joining service."""
    for member in cast.wecom:
        invite, _ = await joining.create_invite(db, rules, unit_name=member.unit, role=member.role)
        await joining.redeem(
            db, invite.code, account=member.account, name=member.name, username=None
        )


def _campaign_people(
    cast: DemoCast, persons: dict[int, Person], by_name: dict[str, Unit]
) -> DemoPeople:
    """The demo people in their parts of the demo campaigns."""

    def unit_of(tg_id: int) -> int:
        """The unit of a demo person who has one."""
        member = cast.get(tg_id)
        assert member is not None
        assert member.unit is not None
        return by_name[member.unit].id

    return DemoPeople(
        office=persons[OFFICE],
        leading=tuple(persons[tg_id] for tg_id in LEADING),
        assessors=tuple(persons[tg_id] for tg_id in ASSESSORS),
        window=unit_of(WINDOW[0]),
        window_staff=persons[WINDOW[0]],
        window_leader=persons[WINDOW[1]],
        township=unit_of(TOWNSHIP[0]),
        township_staff=persons[TOWNSHIP[0]],
        township_leader=persons[TOWNSHIP[1]],
    )


def year_start(rules: CentreRules, now: datetime) -> datetime:
    """Midnight of January 1 of the centre's current year, as a UTC moment."""
    local = rules.local_now(now)
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


async def _other_informants(
    tx: Tx, by_name: dict[str, Unit], taken: dict[str, int], since: datetime
) -> dict[str, int]:
    """Informants without Telegram for units with history (imported, in place since `since`)."""
    wanted = [(unit, name) for unit, name in _OTHER_INFORMANTS if unit in by_name]
    wanted = [(unit, name) for unit, name in wanted if unit not in taken]
    if not wanted:
        return {}
    first = await bulk.next_id(tx, "people")
    await bulk.import_people(
        tx,
        [
            bulk.ImportedPerson(name, id=first + i, created_at=since)
            for i, (_, name) in enumerate(wanted)
        ],
        source="sandbox seed",
    )
    await bulk.import_roles(
        tx,
        [
            bulk.ImportedRole(first + i, by_name[unit].id, Role.INFORMANT, since)
            for i, (unit, _) in enumerate(wanted)
        ],
        source="sandbox seed",
    )
    return {unit: first + i for i, (unit, _) in enumerate(wanted)}


class _History:
    """About a month of items and adoptions before now, the same after every reset."""

    def __init__(
        self, settings: Settings, calendar: WorkCalendar, now: datetime, editor_id: int
    ) -> None:
        self._settings = settings
        self._calendar = calendar
        self._zone = settings.zone
        self._now = now
        self._today = now.astimezone(self._zone).date()
        self._editor = editor_id
        self._random = random.Random(HISTORY_SEED)
        self._categories = set(settings.category_keys)

    def _at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A local day and time as aware UTC, never after now."""
        moment = datetime.combine(day, time(hour, minute), tzinfo=self._zone).astimezone(UTC)
        return min(moment, self._now - timedelta(minutes=1))

    def _working_days(self) -> list[date]:
        """Working days of the history window, oldest first, today left out."""
        first = self._today - timedelta(days=HISTORY_DAYS)
        days = (first + timedelta(days=n) for n in range(HISTORY_DAYS))
        return [d for d in days if self._calendar.is_working_day(d)]

    def _category(self, key: str) -> str:
        """The story's category if configured, else the first configured one."""
        return key if key in self._categories else self._settings.category_keys[0]

    async def write(
        self,
        tx: Tx,
        by_name: dict[str, Unit],
        authors: dict[str, int],
        edit_section: Unit | None,
    ) -> None:
        """Imports the items, the centre's edits and the adoptions."""
        days = self._working_days()
        if not days:
            return
        next_item = await bulk.next_id(tx, "items")
        imported: list[bulk.ImportedItem] = []
        edits: list[bulk.ImportedEdit] = []
        adoptions: list[bulk.ImportedAdoption] = []
        story = 0
        for unit_name, author in authors.items():
            unit = by_name.get(unit_name)
            if unit is None:
                continue
            for _ in range(_ITEMS_PER_UNIT.get(unit.name, 2)):
                item_id = next_item + len(imported)
                item, item_adoptions = self._item(item_id, unit, author, days, story)
                story += 1
                imported.append(item)
                adoptions += item_adoptions
                editable = unit.kind in {UnitKind.WINDOW, UnitKind.TOWNSHIP}
                if edit_section is not None and editable and item_adoptions and not edits:
                    edits.append(self._edit(item, edit_section))
        await bulk.import_items(tx, imported, source="sandbox seed")
        await bulk.import_edits(tx, edits, source="sandbox seed")
        await bulk.import_adoptions(tx, adoptions, source="sandbox seed")

    def _item(
        self, item_id: int, unit: Unit, author: int, days: list[date], story: int
    ) -> tuple[bulk.ImportedItem, list[bulk.ImportedAdoption]]:
        """One item that reached the centre, and its adoptions."""
        rnd, calendar = self._random, self._calendar
        allowed = self._settings.deadline_working_days
        event = rnd.choice(days[:-1] if len(days) > 1 else days)
        submitted = calendar.add_working_days(event, rnd.choice([0, 1, 1, 2, 2, 2, 3, 4]))
        submitted = min(submitted, days[-1])
        centre = min(calendar.add_working_days(submitted, rnd.choice([0, 0, 1])), days[-1])
        key, title, body = _STORIES[story % len(_STORIES)]
        if key == "service_stations" and unit.kind not in _TOWNS:
            key, title, body = _STORIES[(story + 1) % len(_STORIES)]
        fill = {"unit": unit.name, "day": f"{event.month}月{event.day}日"}
        adopted: list[bulk.ImportedAdoption] = []
        registered = rnd.random() < 0.85
        if registered:
            count = rnd.choice([0, 1, 1, 1, 2, 2])
            for outlet in rnd.sample(list(self._settings.outlets), count):
                on = min(centre + timedelta(days=rnd.randint(0, 6)), self._today)
                adopted.append(
                    bulk.ImportedAdoption(
                        item_id=item_id,
                        outlet=outlet.name,
                        level=outlet.level,
                        points=self._settings.scoring.points_for_level(outlet.level),
                        adopted_on=on,
                        recorded_by=self._editor,
                        media=outlet.media,
                        recorded_at=self._at(on, 16, 30),
                    )
                )
        item = bulk.ImportedItem(
            unit_id=unit.id,
            author_id=author,
            category=self._category(key),
            title=title.format(**fill),
            body=body.format(**fill),
            event_date=event,
            state=ItemState.REGISTERED if registered else ItemState.SUBMITTED,
            submitted_on=submitted,
            late_days=calendar.working_days_late(event, submitted, allowed),
            centre_on=centre,
            submitted_at=self._at(submitted, 10, rnd.randint(0, 59)),
            centre_at=self._at(centre, 15, rnd.randint(0, 59)),
            registered_at=self._at(centre, 16) if registered else None,
            registered_by=self._editor if registered else None,
            created_at=self._at(submitted, 9, rnd.randint(0, 59)),
            id=item_id,
        )
        return item, adopted

    def _edit(self, item: bulk.ImportedItem, section: Unit) -> bulk.ImportedEdit:
        """The centre editor's edit of an item (her section earns half its points)."""
        assert item.id is not None
        assert item.centre_on is not None
        return bulk.ImportedEdit(
            item_id=item.id,
            editor_id=self._editor,
            section_unit_id=section.id,
            old_title=item.title + "（初稿）",
            old_body=item.body.replace("，", "，经研究，", 1),
            new_title=item.title,
            new_body=item.body,
            edited_at=self._at(item.centre_on, 15, 50),
        )


async def _waiting_item(
    db: Database,
    settings: Settings,
    cast: DemoCast,
    persons: dict[int, Person],
    by_name: dict[str, Unit],
    now: datetime,
) -> None:
    """Today's item of the township informant, waiting for its leader's sign-off."""
    author = cast.get(WAITING_AUTHOR)
    if author is None or author.unit is None:
        return
    rules = centre_rules(settings)
    today = rules.local_now(now).date()
    key, title, body = _WAITING
    fill = {"unit": author.unit, "day": f"{today.month}月{today.day}日"}
    category = key if key in settings.category_keys else settings.category_keys[0]
    draft = Draft(
        unit_id=by_name[author.unit].id,
        category=category,
        title=title.format(**fill),
        body=body.format(**fill),
        event_date=today,
    )
    await submit(db, rules, persons[author.id], draft)
