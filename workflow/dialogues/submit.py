"""/submit on the conversation engine: category, title, body, day, the preview."""

from __future__ import annotations

from datetime import date, timedelta

from chat.actions import Button
from chat.actions import submit as sub
from chat.dialogue import Flow, Inbound, Ref, Reply, Step
from storage import people

from .. import submission
from ..outcomes import Refused
from .base import AUTHOR_ROLES, Base, Draft


class SubmitFlows(Base):
    """/submit."""

    # /submit -------------------------------------------------------------------------------

    def submit(self) -> Flow:
        """/submit: category, title, body, day, then the preview's ✅ 确认."""
        rules = self.rules

        async def start(event: Inbound) -> Draft | None:
            """The author's unit (one; several are chosen on Telegram's own flow)."""
            if event.command != "submit":
                return None
            async with self.db.reading() as tx:
                grants = await people.active_roles(tx, event.person_id)
            units = sorted({g.unit_id for g in grants if g.role in AUTHOR_ROLES and g.unit_id})
            if not units:
                raise Refused("not_allowed")
            return {"unit_id": units[0], "token": f"{event.channel}:{event.event_id}"}

        async def category(event: Inbound, draft: Draft) -> Draft:
            """A category button."""
            assert isinstance(event.press, sub.PickCategory)
            if event.press.key not in rules.categories:
                raise Refused("category_unknown")
            return {"category": event.press.key}

        async def title(event: Inbound, draft: Draft) -> Draft:
            """The title, checked as /submit checks it."""
            return {"title": submission.check_title(rules, event.text or "")}

        async def body(event: Inbound, draft: Draft) -> Draft:
            """The body, checked as /submit checks it."""
            return {"body": submission.check_body(rules, event.text or "")}

        async def day(event: Inbound, draft: Draft) -> Draft:
            """Today / yesterday buttons or a typed date."""
            today = self._today()
            if isinstance(event.press, sub.PickDay):
                picked = today - timedelta(days=event.press.days_ago)
            else:
                picked = submission.parse_event_date(event.text or "", today)
            checked = submission.check_event_date(rules, picked, self.db.clock())
            return {"event_date": checked.isoformat()}

        async def confirm(event: Inbound, draft: Draft) -> Draft:
            """Only ✅ 确认 goes on (✖️ 取消 is a command on every channel)."""
            if event.press != sub.Step("ok"):
                raise Refused("forged")
            return {}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Submits the item; the session ends in the same transaction."""
            person = await self._person(event.person_id)
            result = await submission.submit(
                self.db,
                rules,
                person,
                submission.Draft(
                    unit_id=int(draft["unit_id"]),
                    category=str(draft["category"]),
                    title=str(draft["title"]),
                    body=str(draft["body"]),
                    event_date=date.fromisoformat(str(draft["event_date"])),
                    token=draft.get("token"),
                ),
            )
            item = result.item
            follow = (
                Reply("submit.to_centre")
                if result.reached_centre
                else Reply(
                    "submit.to_chain", {"role": Ref(f"role.{item.chain_roles[item.chain_step]}")}
                )
            )
            return [Reply("submit.done", {"item": result.item.id}), follow]

        categories = tuple(  # a label that is no catalogue key is shown as it is
            (Button(label, sub.PickCategory(key)),) for key, label in rules.categories.items()
        )
        return Flow(
            name="submit",
            what="help.submit",
            start=start,
            steps=(
                Step(
                    "category",
                    lambda draft: Reply("submit.choose_category", buttons=categories),
                    category,
                    next="title",
                    presses=(sub.PickCategory,),
                    takes_text=False,
                ),
                Step(
                    "title",
                    lambda draft: Reply("submit.ask_title", {"limit": rules.title_max}),
                    title,
                    next="body",
                ),
                Step("body", lambda draft: Reply("submit.ask_body"), body, next="date"),
                Step(
                    "date",
                    lambda draft: Reply(
                        "submit.ask_date",
                        buttons=(
                            (
                                Button("btn.today", sub.PickDay(0)),
                                Button("btn.yesterday", sub.PickDay(1)),
                            ),
                        ),
                    ),
                    day,
                    next="preview",
                    presses=(sub.PickDay,),
                ),
                Step(
                    "preview",
                    lambda draft: Reply(
                        "submit.preview",
                        {
                            "card": f"{draft.get('title', '')}\n{draft.get('body', '')}",
                            "files": 0,
                            "timeliness": draft.get("event_date", ""),
                        },
                        buttons=((Button("btn.confirm", sub.Step("ok")),),),
                    ),
                    confirm,
                    presses=(sub.Step,),
                    takes_text=False,
                ),
            ),
            finish=finish,
        )
