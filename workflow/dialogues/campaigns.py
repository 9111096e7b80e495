"""Assessment campaigns (考核) on the conversation engine: the office's /campaign (template,
title, scope and units by buttons, each unit's on-site date typed, the two groups by buttons,
then sent for approval) and /campaigns; the later steps are `campaign_steps.py`'s."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from chat.actions import Button, Rows
from chat.actions import campaign as ca
from chat.dialogue import Flow, Inbound, Invalid, Reply, Step, Stop
from chat.dialogue.steps import Take
from scoring.assessment import Scope
from storage.models import Person

from .. import campaign_units, campaigns
from ..campaign_common import clean_text
from ..outcomes import Refused
from .base import Draft
from .campaign_rectify import CampaignRectify
from .campaign_scoring import CampaignScoring
from .campaign_steps import STATES, CampaignSteps, cleared, onsite_date, templates

CANCEL = (Button("btn.campaign_cancel", ca.Cancel()),)
DONE = Button("btn.campaign_done", ca.Done())
#: A group or a unit list is shown as buttons, two a row, at most this many.
MAX_CHOICES = 60


def _two_a_row(buttons: list[Button]) -> Rows:
    """Buttons two a row."""
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


def _toggled(chosen: list[Any], value: Any) -> list[Any]:
    """The choice with the value added at the end, or taken out."""
    return [v for v in chosen if v != value] if value in chosen else [*chosen, value]


class CampaignFlows(CampaignRectify, CampaignSteps, CampaignScoring):
    """/campaign; (from `CampaignSteps`) a decision's return, a self-check, the presses that
    finish at once; (from `CampaignRectify` and `CampaignSettle` under it, first, so theirs are
    answered before `CampaignSteps` finds a press stale) results, rectification, settling."""

    async def _office(self, person_id: int) -> Person:
        """The person writing, if they work in the office."""
        person = await self._person(person_id)
        await campaigns.candidates(self.db, person)  # refuses anyone outside the office
        return person

    # /campaign: the office's plan ---------------------------------------------------------

    def campaign_plan(self) -> Flow:
        """/campaign: the plan step by step, saved and sent to the leading group on 送审."""

        async def start(event: Inbound) -> Draft | None:
            """/campaign, by the office."""
            if event.command != "campaign":
                return None
            await self._office(event.person_id)
            return {}

        async def take(event: Inbound, draft: Draft, step: str) -> Draft:
            """The answer to the step asked: its own button or a typed text."""
            person = await self._office(event.person_id)
            press = event.press
            if isinstance(press, ca.Cancel):
                raise Stop(*cleared(event), Reply("campaign.plan_cancelled"))
            if press is None:
                return await typed(event.text or "", draft, step)
            if isinstance(press, ca.PickTemplate) and step == "template":
                template = templates().get(press.key)
                if template is None:
                    raise Refused("campaign_unknown_template", template=press.key)
                return {"template": template.key, "template_name": template.name}
            if isinstance(press, ca.PickScope) and step == "scope":
                return await scoped(person, Scope(press.scope))
            if isinstance(press, ca.ToggleUnit) and step == "units":
                known = {int(unit) for unit, _ in draft["choices"]}
                if press.unit_id not in known:
                    raise Refused("campaign_unit_not_assessed")
                chosen = [int(u) for u, _ in draft["units"]]
                picked = _toggled(chosen, press.unit_id)
                names = {int(unit): name for unit, name in draft["choices"]}
                return {"units": [[u, names[u]] for u in picked], "units_done": False}
            if isinstance(press, ca.TogglePerson) and step in ("leading", "assessors"):
                known = {int(p) for p, _ in draft["people"]}
                if press.person_id not in known:
                    raise Refused("campaign_unknown_person", person=press.person_id)
                chosen = [int(p) for p in draft.get(step, [])]
                return {step: _toggled(chosen, press.person_id), f"{step}_done": False}
            if isinstance(press, ca.Done) and step in ("units", "leading", "assessors"):
                if not draft.get(step):
                    raise Invalid(Reply(f"campaign.pick_{step}"))
                return {f"{step}_done": True}
            if isinstance(press, ca.SameDate) and step == "dates" and draft.get("dates"):
                dates = list(draft["dates"])
                return {"dates": [*dates, dates[-1]]}
            if isinstance(press, ca.Submit) and step == "confirm":
                return {}
            raise Refused("campaign_step_passed")

        async def scoped(person: Person, scope: Scope) -> Draft:
            """普遍考核 takes every unit; 重点考核 offers them to choose; the groups' people."""
            chosen = await campaigns.unit_choices(self.db, person)
            people = await campaigns.candidates(self.db, person)
            listed = [[person.id, person.name] for person in people][:MAX_CHOICES]
            units = [[unit.id, unit.name] for unit in chosen]
            if scope is Scope.GENERAL:
                return {"scope": scope.value, "units": units, "choices": [], "people": listed}
            return {
                "scope": scope.value,
                "units": [],
                "choices": units[:MAX_CHOICES],
                "people": listed,
            }

        async def typed(text: str, draft: Draft, step: str) -> Draft:
            """The title or an on-site date; at a button's step, the buttons are pointed at."""
            if step == "title":
                return {"title": clean_text(text, required=True, key="campaign_title_missing")}
            if step == "dates":
                template = templates()[str(draft["template"])]
                today = self._today()
                day = onsite_date(text, today)
                earliest = campaigns.earliest_onsite(today, template)
                unit = draft["units"][len(draft.get("dates") or [])]
                if day < earliest:
                    raise Refused(
                        "campaign_onsite_too_soon",
                        unit=unit[1],
                        earliest=earliest.isoformat(),
                        days=template.notice_days,
                    )
                return {"dates": [*(draft.get("dates") or []), day.isoformat()]}
            raise Invalid(Reply("campaign.use_buttons"))

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Saves the plan and sends it to the leading group's first member."""
            person = await self._office(event.person_id)
            onsite = {
                int(unit): date.fromisoformat(str(day))
                for (unit, _), day in zip(draft["units"], draft["dates"], strict=True)
            }
            planned = await campaigns.plan(
                self.db,
                person,
                templates(),
                self.rules.zone,
                template_key=str(draft["template"]),
                title=str(draft["title"]),
                year=self._today().year,
                scope=Scope(str(draft["scope"])),
                onsite=onsite,
                leading=[int(p) for p in draft["leading"]],
                assessors=[int(p) for p in draft["assessors"]],
            )
            await campaigns.submit_plan(self.db, person, self.rules.zone, planned.id)
            names = {int(p): str(n) for p, n in draft["people"]}
            return [
                Reply("campaign.plan_sent_alert", how="toast"),
                Reply(
                    "campaign.plan_sent",
                    {
                        "campaign": planned.id,
                        "title": planned.title,
                        "leader": names.get(int(draft["leading"][0]), ""),
                    },
                ),
                *cleared(event),
            ]

        def step(name: str) -> Take:
            """The validator of one step."""

            async def answer(event: Inbound, draft: Draft) -> Draft:
                """Reads this step's answer."""
                return await take(event, draft, name)

            return answer

        def choose_template(draft: Draft) -> Reply:
            """The templates, one a row (their names as labels)."""
            rows = tuple(
                (Button(template.name, ca.PickTemplate(template.key)),)
                for template in sorted(templates().values(), key=lambda t: t.key, reverse=True)
            )
            return Reply("campaign.ask_template", buttons=(*rows, CANCEL))

        def choose_units(draft: Draft) -> Reply:
            """The units to choose, those chosen ticked."""
            chosen = {int(unit) for unit, _ in draft["units"]}
            listed = [
                Button(("✅ " if int(u) in chosen else "") + str(n), ca.ToggleUnit(int(u)))
                for u, n in draft["choices"]
            ]
            return Reply(
                "campaign.ask_units",
                {"count": len(chosen)},
                buttons=(*_two_a_row(listed), (DONE, *CANCEL)),
            )

        def ask_date(draft: Draft) -> Reply:
            """The next unit's on-site date."""
            done = len(draft.get("dates") or [])
            template = templates()[str(draft["template"])]
            earliest = campaigns.earliest_onsite(self._today(), template)
            same = (Button("btn.campaign_same", ca.SameDate()),) if done else ()
            return Reply(
                "campaign.ask_date",
                {
                    "unit": draft["units"][done][1],
                    "n": done + 1,
                    "count": len(draft["units"]),
                    "earliest": earliest.isoformat(),
                    "days": template.notice_days,
                },
                buttons=((*same, *CANCEL),),
            )

        def choose_people(group: str) -> Callable[[Draft], Reply]:
            """The people to name to a group, those named numbered in the order pressed."""

            def prompt(draft: Draft) -> Reply:
                """The candidates as buttons."""
                chosen = [int(p) for p in draft.get(group, [])]
                listed = [
                    Button(
                        (f"{chosen.index(int(p)) + 1}. " if int(p) in chosen else "") + str(n),
                        ca.TogglePerson(int(p)),
                    )
                    for p, n in draft["people"]
                ]
                return Reply(
                    f"campaign.ask_{group}",
                    {"count": len(chosen)},
                    buttons=(*_two_a_row(listed), (DONE, *CANCEL)),
                )

            return prompt

        def summary(draft: Draft) -> Reply:
            """The plan shown back with 送审 / 取消."""
            names = {int(p): str(n) for p, n in draft["people"]}
            lines = "\n".join(
                f"{unit[1]}：{day}"
                for unit, day in zip(draft["units"], draft["dates"], strict=True)
            )
            return Reply(
                "campaign.summary",
                {
                    "title": draft["title"],
                    "name": draft["template_name"],
                    "scope": "普遍考核" if draft["scope"] == "general" else "重点考核",
                    "units": lines,
                    "leading": " → ".join(names[int(p)] for p in draft["leading"]),
                    "assessors": "、".join(names[int(p)] for p in draft["assessors"]),
                },
                buttons=((Button("btn.campaign_submit", ca.Submit()), *CANCEL),),
            )

        def chosen_step(name: str, prompt: Callable[[Draft], Reply], then: str) -> Step:
            """A choice by buttons pressed again and again, until 完成."""
            return Step(
                name,
                prompt,
                step(name),
                presses=ca.PLANNING,
                after=lambda draft: then if draft.get(f"{name}_done") else name,
                clears=True,
            )

        return Flow(
            name="campaign",
            what="wait.pending_campaign",
            start=start,
            steps=(
                Step(
                    "template",
                    choose_template,
                    step("template"),
                    next="title",
                    presses=ca.PLANNING,
                    clears=True,
                ),
                Step(
                    "title",
                    lambda draft: Reply(
                        "campaign.ask_title",
                        {"name": draft["template_name"]},
                        buttons=(CANCEL,),
                    ),
                    step("title"),
                    next="scope",
                    presses=ca.PLANNING,
                ),
                Step(
                    "scope",
                    lambda draft: Reply(
                        "campaign.ask_scope",
                        buttons=(
                            (
                                Button("btn.campaign_general", ca.PickScope("general")),
                                Button("btn.campaign_focus", ca.PickScope("focus")),
                            ),
                            CANCEL,
                        ),
                    ),
                    step("scope"),
                    next="units",
                    presses=ca.PLANNING,
                    clears=True,
                ),
                Step(
                    "units",
                    choose_units,
                    step("units"),
                    presses=ca.PLANNING,
                    after=lambda draft: (
                        "dates"
                        if draft.get("units_done") or draft.get("scope") == "general"
                        else "units"
                    ),
                    skip=lambda draft: draft.get("scope") == "general",
                    clears=True,
                ),
                Step(
                    "dates",
                    ask_date,
                    step("dates"),
                    presses=ca.PLANNING,
                    after=lambda draft: (
                        "leading"
                        if len(draft.get("dates") or []) >= len(draft["units"])
                        else "dates"
                    ),
                    clears=True,
                ),
                chosen_step("leading", choose_people("leading"), "assessors"),
                chosen_step("assessors", choose_people("assessors"), "confirm"),
                Step("confirm", summary, step("confirm"), presses=ca.PLANNING),
            ),
            finish=finish,
            not_text="campaign.use_buttons",
        )

    def campaign_redate(self) -> Flow:
        """📅 改日期 on a returned plan: a unit by its button, its new on-site date typed (the
        service refuses one inside the notice period; the question stands)."""

        async def start(event: Inbound) -> Draft | None:
            """改日期, by the office."""
            if not isinstance(event.press, ca.Redate):
                return None
            person = await self._person(event.person_id)
            campaign_id = event.press.campaign_id
            lines = await campaigns.plan_units(self.db, person, campaign_id)
            return {
                "campaign": campaign_id,
                "units": [[unit, name, day.isoformat()] for unit, name, day in lines],
            }

        async def unit(event: Inbound, draft: Draft) -> Draft:
            """The unit, by its button."""
            press = event.press
            if isinstance(press, ca.Cancel):
                raise Stop(*cleared(event), Reply("campaign.redate_cancelled"))
            if not isinstance(press, ca.ToggleUnit):
                raise Invalid(Reply("campaign.use_buttons"))
            names = {int(u): str(n) for u, n, _ in draft["units"]}
            if press.unit_id not in names:
                raise Refused("campaign_unit_not_assessed")
            return {"unit": press.unit_id, "unit_name": names[press.unit_id]}

        async def day(event: Inbound, draft: Draft) -> Draft:
            """The new date, typed."""
            if isinstance(event.press, ca.Cancel):
                raise Stop(*cleared(event), Reply("campaign.redate_cancelled"))
            return {"day": onsite_date(event.text or "", self._today()).isoformat()}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Changes the date; the plan can go again, or another date change."""
            person = await self._person(event.person_id)
            campaign_id = int(draft["campaign"])
            await campaigns.set_onsite(
                self.db,
                person,
                self.rules.zone,
                campaign_id,
                int(draft["unit"]),
                date.fromisoformat(str(draft["day"])),
            )
            return [
                Reply(
                    "campaign.redated",
                    {"unit": draft["unit_name"], "day": draft["day"]},
                    buttons=(
                        (
                            Button("btn.campaign_redate", ca.Redate(campaign_id)),
                            Button("btn.campaign_resubmit", ca.Resubmit(campaign_id)),
                        ),
                    ),
                )
            ]

        def choose(draft: Draft) -> Reply:
            """The plan's units with their dates."""
            listed = [
                Button(f"{name}（{day}）", ca.ToggleUnit(int(unit)))
                for unit, name, day in draft["units"]
            ]
            return Reply("campaign.ask_redate_unit", buttons=(*_two_a_row(listed), CANCEL))

        return Flow(
            name="campaign_redate",
            what="wait.pending_campaign_redate",
            start=start,
            steps=(
                Step(
                    "unit",
                    choose,
                    unit,
                    next="day",
                    presses=(ca.ToggleUnit, ca.Cancel),
                    clears=True,
                ),
                Step(
                    "day",
                    lambda draft: Reply(
                        "campaign.ask_redate_day", {"unit": draft["unit_name"]}, buttons=(CANCEL,)
                    ),
                    day,
                    presses=(ca.Cancel,),
                ),
            ),
            finish=finish,
            not_text="campaign.use_buttons",
        )

    async def campaign_list(self, person_id: int) -> list[Reply]:
        """/campaigns: the office sees every campaign (progress and resubmit buttons); a unit's
        people the running campaigns assessing their unit, each with its 自查 button."""
        person = await self._person(person_id)
        office = True
        try:
            listed = await campaigns.office_list(self.db, person)
        except Refused:
            office, listed = False, []
        replies: list[Reply] = []
        if office:
            rows: list[tuple[Button, ...]] = []
            lines = []
            for campaign in listed[:20]:
                lines.append(
                    f"#{campaign.id} {campaign.title}（{STATES.get(campaign.state, campaign.state)}）"
                )
                if campaign.state == "running":
                    rows.append(
                        (
                            Button(f"📊 #{campaign.id} {campaign.title}", ca.Progress(campaign.id)),
                            Button("btn.campaign_propose", ca.ProposeGrades(campaign.id)),
                        )
                    )
                    rows.append(self.settling_row(campaign.id))
                    rows.append(self.survey_row(campaign.id))
                elif campaign.state == "draft":
                    rows.append(
                        (Button(f"📤 #{campaign.id} {campaign.title}", ca.Resubmit(campaign.id)),)
                    )
                elif campaign.state == "closed":
                    rows.append(self.results_row(campaign.id, campaign.title))
            key = "campaign.list_office" if lines else "campaign.list_none"
            replies.append(Reply(key, {"lines": "\n".join(lines)}, buttons=tuple(rows)))
        mine = await campaign_units.my_units(self.db, person)
        if mine:
            names = await campaigns.unit_names(self.db, [line.unit_id for _, line in mine])
            rows = [
                (
                    Button(
                        f"📝 {campaign.title} · {names[line.unit_id]}",
                        ca.SelfCheck(campaign.id, line.unit_id),
                    ),
                )
                for campaign, line in mine
                if line.signed_at is None
            ]
            lines = [
                f"{campaign.title} · {names[line.unit_id]}：实地考核 {line.onsite_on}"
                + ("（已签字）" if line.signed_at else "")
                for campaign, line in mine
            ]
            replies.append(
                Reply("campaign.list_unit", {"lines": "\n".join(lines)}, buttons=tuple(rows))
            )
        replies += await self.rectify_list(person) + await self.scoring_list(person)
        if not replies:
            replies.append(Reply("campaign.list_none"))
        return replies
