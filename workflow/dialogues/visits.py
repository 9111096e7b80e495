"""/visit on the conversation engine: an editor logs a leader's visit step by step (visitor,
kind, unit, date, confirm), the visitor and a typed date as text, the rest by buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from chat.actions import Button
from chat.actions import visits as vi
from chat.dialogue import Flow, Inbound, Invalid, Ref, Reply, Step, Stop
from chat.dialogue.steps import Take

from .. import visits
from ..outcomes import Refused
from ..typed_dates import parse_day
from ..visits import VisitKind
from .base import Base, Draft

#: Every /visit button: a press of another step is refused, never taken for another action.
PRESSES = (vi.PickKind, vi.PickUnit, vi.PickDay, vi.Confirm, vi.Cancel)
CANCEL = (Button("btn.visit_cancel", vi.Cancel()),)


def _after_kind(draft: Draft) -> str:
    """A city visit's unit is the office: straight on to the date."""
    return "date" if draft.get("unit") is not None else "unit"


def _cleared(event: Inbound) -> list[Reply]:
    """The pressed message's buttons taken off (when the channel said which it was)."""
    if event.origin is None:
        return []
    return [Reply("", {"origin": dict(event.origin)}, how="clear")]


class VisitFlows(Base):
    """/visit."""

    def visit(self) -> Flow:
        """/visit [visitor]: the visit is logged and its writing task opened on 确认登记."""

        async def start(event: Inbound) -> Draft | None:
            """/visit, by an editor; a visitor typed with it skips its question."""
            if event.command != "visit":
                return None
            person = await self._person(event.person_id, refused="not_editor")
            await visits.begin(self.db, person)
            typed = " ".join(event.argument.split())
            return {"visitor": visits.check_visitor(typed)} if typed else {}

        async def take(event: Inbound, draft: Draft, step: str) -> Draft:
            """An answer to the step asked: its own button or text, re-checking the editor."""
            person = await self._person(event.person_id, refused="not_editor")
            await visits.begin(self.db, person)
            press = event.press
            if isinstance(press, vi.Cancel):
                raise Stop(*_cleared(event), Reply("visit.cancelled"))
            if press is None:
                return await typed(event.text or "", step)
            if isinstance(press, vi.PickKind) and step in ("kind", "unit"):
                kind = VisitKind(press.kind)
                units = await visits.choices(self.db, self.rules, person, kind)
                city = kind is VisitKind.CITY
                return {
                    "kind": kind.value,
                    "units": [[unit.id, unit.name] for unit in units],
                    "unit": units[0].id if city else None,
                    "unit_name": units[0].name if city else None,
                }
            if isinstance(press, vi.PickUnit) and step == "unit":
                unit = await visits.unit_for(
                    self.db, self.rules, person, VisitKind(draft["kind"]), press.unit_id
                )
                return {"unit": unit.id, "unit_name": unit.name}
            if isinstance(press, vi.PickDay) and step == "date":
                return self._day(self._today() - timedelta(days=press.days_ago), draft)
            if isinstance(press, vi.Confirm) and step == "confirm":
                return {}
            raise Refused("visit_step_passed")

        async def typed(text: str, step: str) -> Draft:
            """The visitor, or a typed date; at a button's step, the buttons are pointed at."""
            if step == "visitor":
                return {"visitor": visits.check_visitor(text)}
            if step == "date":
                return {"_day": parse_day(text, self._today()).isoformat()}
            raise Invalid(Reply("visit.use_buttons"))

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Logs the visit, opens its task, tells the unit's informants."""
            person = await self._person(event.person_id, refused="not_editor")
            logged = await visits.log_visit(
                self.db,
                self.rules,
                person,
                visitor=str(draft["visitor"]),
                kind=VisitKind(draft["kind"]),
                unit_id=int(draft["unit"]) if draft.get("unit") is not None else None,
                visit_date=date.fromisoformat(str(draft["day"])),
            )
            key = "visit.logged" if logged.notices else "visit.logged_no_informant"
            said = {
                "visit": logged.visit.id,
                "task": logged.task.id,
                "unit": logged.unit.name,
                "title": logged.task.title,
                "due_on": logged.task.due_on.isoformat(),
                "informants": len(logged.notices),
            }
            return [Reply("visit.logged_alert", how="toast"), Reply(key, said), *_cleared(event)]

        async def dated(event: Inbound, draft: Draft) -> Draft:
            """The date step: a button's day or a typed one, checked, with its task's due day."""
            answer = await take(event, draft, "date")
            if "_day" in answer:
                return self._day(date.fromisoformat(str(answer["_day"])), draft)
            return answer

        def step(name: str) -> Take:
            """The validator of one step."""

            async def answer(event: Inbound, draft: Draft) -> Draft:
                """Reads this step's answer."""
                return await take(event, draft, name)

            return answer

        kinds = tuple(
            (Button(f"btn.visit_{kind.value}", vi.PickKind(kind.value)),) for kind in VisitKind
        )

        def units(draft: Draft) -> Reply:
            """The units of the chosen kind, two a row (their names as labels)."""
            listed = [Button(str(name), vi.PickUnit(int(unit))) for unit, name in draft["units"]]
            rows = tuple(tuple(listed[i : i + 2]) for i in range(0, len(listed), 2))
            return Reply(f"visit.ask_unit_{draft['kind']}", buttons=(*rows, CANCEL))

        def summary(draft: Draft) -> Reply:
            """What will be logged, with 确认登记 / 取消."""
            return Reply(
                "visit.summary",
                {
                    "visitor": draft["visitor"],
                    "kind": Ref(f"visit.kind_{draft['kind']}"),
                    "unit": draft["unit_name"],
                    "day": draft["day"],
                    "due_on": draft["due_on"],
                    "title": draft["title"],
                },
                buttons=(
                    (
                        Button("btn.visit_confirm", vi.Confirm()),
                        Button("btn.visit_cancel", vi.Cancel()),
                    ),
                ),
            )

        def kind_step(name: str, prompt: Callable[[Draft], Reply]) -> Step:
            """The kind or the unit: chosen by buttons, the date next once the unit is known."""
            return Step(
                name,
                prompt,
                step(name),
                presses=PRESSES,
                after=_after_kind,
                clears=True,
            )

        return Flow(
            name="visit",
            what="wait.pending_visit",
            start=start,
            steps=(
                Step(
                    "visitor",
                    lambda draft: Reply("visit.ask_visitor"),
                    step("visitor"),
                    next="kind",
                    presses=PRESSES,
                    skip=lambda draft: "visitor" in draft,
                    clears=True,
                ),
                kind_step(
                    "kind",
                    lambda draft: Reply(
                        "visit.ask_kind", {"visitor": draft["visitor"]}, buttons=(*kinds, CANCEL)
                    ),
                ),
                kind_step("unit", units),
                Step(
                    "date",
                    lambda draft: Reply(
                        "visit.ask_date",
                        {"visitor": draft["visitor"], "unit": draft["unit_name"]},
                        buttons=(
                            (
                                Button("btn.today", vi.PickDay(0)),
                                Button("btn.yesterday", vi.PickDay(1)),
                            ),
                            CANCEL,
                        ),
                    ),
                    dated,
                    next="confirm",
                    presses=PRESSES,
                    clears=True,
                ),
                Step("confirm", summary, step("confirm"), presses=PRESSES),
            ),
            finish=finish,
        )

    def _day(self, day: date, draft: Draft) -> Draft:
        """A visit day, checked, with the writing task's due day and title."""
        rules = self.rules
        checked = visits.check_day(rules, day, self.db)
        kind = VisitKind(draft["kind"])
        return {
            "day": checked.isoformat(),
            "due_on": rules.calendar.deadline(checked, rules.deadline_working_days).isoformat(),
            "title": visits.task_title(kind, str(draft["visitor"]), str(draft["unit_name"])),
        }
