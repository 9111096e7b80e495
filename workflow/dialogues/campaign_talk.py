"""The office's 诫勉谈话 on the conversation engine (who talked, with whom, when as a typed
date, a short note, held for ✅ 确认) and 报备上级: the upper office a campaign files its
results to, its name typed and its people chosen by buttons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from chat.actions import Button
from chat.actions import campaign as ca
from chat.dialogue import Flow, Inbound, Invalid, Reply, Step, Stop
from chat.dialogue.steps import Take

from .. import campaign_consequences as cc
from .. import campaign_filing
from ..campaign_common import TEXT_LIMIT, clean_text
from ..outcomes import Refused
from ..typed_dates import parse_day
from .base import Base, Draft

CANCEL = (Button("btn.campaign_cancel", ca.Cancel()),)


class CampaignTalk(Base):
    """诫勉谈话 and 报备上级 in chat."""

    # 诫勉谈话 ---------------------------------------------------------------------------

    def campaign_talk(self) -> Flow:
        """🗣 诫勉谈话 on a failing unit: who talked, with whom, when (a typed date), a short
        note or 跳过, shown back and held for ✅ 确认; only the confirmation records it."""

        async def start(event: Inbound) -> Draft | None:
            """诫勉谈话 pressed by the office on a closed campaign's 不合格 unit."""
            press = event.press
            if not isinstance(press, ca.Talk):
                return None
            person = await self._person(event.person_id)
            name = await cc.failed_unit(self.db, person, press.campaign_id, press.unit_id)
            return {"campaign": press.campaign_id, "unit": press.unit_id, "unit_name": name}

        def typed(field: str, key: str) -> Take:
            """A required typed name."""

            async def take(event: Inbound, draft: Draft) -> Draft:
                """The text, or 取消."""
                if isinstance(event.press, ca.Cancel):
                    raise Stop(Reply("campaign.talk_cancelled"))
                return {field: clean_text(event.text or "", required=True, key=key)}

            return take

        async def day(event: Inbound, draft: Draft) -> Draft:
            """The day it was held: typed as people type dates, not after today."""
            if isinstance(event.press, ca.Cancel):
                raise Stop(Reply("campaign.talk_cancelled"))
            held = parse_day(event.text or "", self._today())
            if held > self._today():
                raise Refused("campaign_talk_ahead", day=held.isoformat())
            return {"held_on": held.isoformat()}

        async def note(event: Inbound, draft: Draft) -> Draft:
            """A short note, or 跳过."""
            if isinstance(event.press, ca.Cancel):
                raise Stop(Reply("campaign.talk_cancelled"))
            if isinstance(event.press, ca.NoNote):
                return {"note": ""}
            return {"note": clean_text(event.text or "", required=False)}

        async def confirm(event: Inbound, draft: Draft) -> Draft:
            """✅ 确认 or ✖️ 取消 of this very talk."""
            press = event.press
            assert isinstance(press, ca.ConfirmTalk)
            if (press.campaign_id, press.unit_id) != (draft["campaign"], draft["unit"]):
                minutes = int(self.rules.typed_answer.total_seconds() // 60)
                raise Refused("confirm_stale", minutes=minutes)
            return {"confirmed": press.confirmed}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Records the talk (or drops it, on ✖️ 取消)."""
            if not draft["confirmed"]:
                return [Reply("confirm.kept", how="toast"), Reply("campaign.talk_kept", how="mark")]
            person = await self._person(event.person_id)
            await cc.record_talk(
                self.db,
                person,
                int(draft["campaign"]),
                int(draft["unit"]),
                held_on=date.fromisoformat(str(draft["held_on"])),
                talker=str(draft["talker"]),
                with_whom=str(draft["with_whom"]),
                note=str(draft["note"]),
            )
            return [
                Reply("campaign.talk_recorded_alert", how="toast"),
                Reply("campaign.talk_recorded", {"unit": draft["unit_name"]}, how="mark"),
            ]

        def shown(draft: Draft) -> Reply:
            """The talk shown back with its two buttons."""
            here = (int(draft["campaign"]), int(draft["unit"]))
            return Reply(
                "campaign.confirm_talk",
                {
                    "unit": draft["unit_name"],
                    "talker": draft["talker"],
                    "with_whom": draft["with_whom"],
                    "held_on": draft["held_on"],
                    "note": draft["note"] or "—",
                },
                buttons=(
                    (
                        Button("btn.confirm_yes", ca.ConfirmTalk(*here, True)),
                        Button("btn.confirm_no", ca.ConfirmTalk(*here, False)),
                    ),
                ),
            )

        def ask(key: str) -> Callable[[Draft], Reply]:
            """A typed question with 取消."""
            return lambda draft: Reply(key, {"unit": draft["unit_name"]}, buttons=(CANCEL,))

        return Flow(
            name="campaign_talk",
            what="wait.pending_campaign_talk",
            start=start,
            steps=(
                Step(
                    "talker",
                    ask("campaign.ask_talker"),
                    typed("talker", "campaign_talk_incomplete"),
                    next="with_whom",
                    presses=(ca.Cancel,),
                ),
                Step(
                    "with_whom",
                    ask("campaign.ask_talk_with"),
                    typed("with_whom", "campaign_talk_incomplete"),
                    next="day",
                    presses=(ca.Cancel,),
                ),
                Step(
                    "day",
                    ask("campaign.ask_talk_day"),
                    day,
                    next="note",
                    presses=(ca.Cancel,),
                ),
                Step(
                    "note",
                    lambda draft: Reply(
                        "campaign.ask_talk_note",
                        {"limit": TEXT_LIMIT},
                        buttons=(
                            (
                                Button(
                                    "btn.survey_skip",
                                    ca.NoNote(int(draft["campaign"]), int(draft["unit"])),
                                ),
                                *CANCEL,
                            ),
                        ),
                    ),
                    note,
                    next="confirm",
                    presses=(ca.NoNote, ca.Cancel),
                    clears=True,
                ),
                Step(
                    "confirm",
                    shown,
                    confirm,
                    presses=(ca.ConfirmTalk,),
                    takes_text=False,
                    held=True,
                ),
            ),
            finish=finish,
            not_text="campaign.talk_want_text",
        )

    # 备案: the upper office -------------------------------------------------------------

    def campaign_filing(self) -> Flow:
        """🏛 报备上级: the upper office's name typed, its people chosen by buttons; the
        results are filed to them when the campaign closes (at once if it has)."""

        async def start(event: Inbound) -> Draft | None:
            """报备上级, by the office."""
            press = event.press
            if not isinstance(press, ca.FileUpward):
                return None
            person = await self._person(event.person_id)
            listed = await campaign_filing.upper_candidates(self.db, person)
            return {
                "campaign": press.campaign_id,
                "people": [[p.id, p.name] for p in listed][:60],
                "chosen": [],
                "chosen_done": False,
            }

        async def upper(event: Inbound, draft: Draft) -> Draft:
            """The upper office's name."""
            if isinstance(event.press, ca.Cancel):
                raise Stop(Reply("campaign.upper_cancelled"))
            return {
                "upper": clean_text(event.text or "", required=True, key="campaign_upper_missing")
            }

        async def chosen(event: Inbound, draft: Draft) -> Draft:
            """A person toggled, or 完成."""
            press = event.press
            if isinstance(press, ca.Cancel):
                raise Stop(Reply("campaign.upper_cancelled"))
            if isinstance(press, ca.Done):
                if not draft["chosen"]:
                    raise Invalid(Reply("campaign.pick_upper"))
                return {"chosen_done": True}
            if not isinstance(press, ca.TogglePerson):
                raise Invalid(Reply("campaign.use_buttons"))
            if press.person_id not in {int(p) for p, _ in draft["people"]}:
                raise Refused("campaign_unknown_person", person=press.person_id)
            picked = [int(p) for p in draft["chosen"]]
            picked = (
                [p for p in picked if p != press.person_id]
                if press.person_id in picked
                else [*picked, press.person_id]
            )
            return {"chosen": picked}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Names them; filed now if the campaign is closed."""
            person = await self._person(event.person_id)
            tells = await campaign_filing.name_upper(
                self.db,
                person,
                int(draft["campaign"]),
                str(draft["upper"]),
                [int(p) for p in draft["chosen"]],
            )
            key = "campaign.upper_filed" if tells else "campaign.upper_named"
            return [Reply(key, {"upper": draft["upper"], "count": len(draft["chosen"])})]

        def choose(draft: Draft) -> Reply:
            """The candidates, those chosen ticked."""
            picked = {int(p) for p in draft["chosen"]}
            listed = [
                Button(("✅ " if int(p) in picked else "") + str(n), ca.TogglePerson(int(p)))
                for p, n in draft["people"]
            ]
            rows = tuple(tuple(listed[i : i + 2]) for i in range(0, len(listed), 2))
            done = Button("btn.campaign_done", ca.Done())
            return Reply(
                "campaign.ask_upper_people",
                {"upper": draft["upper"], "count": len(picked)},
                buttons=(*rows, (done, *CANCEL)),
            )

        return Flow(
            name="campaign_filing",
            what="wait.pending_campaign_filing",
            start=start,
            steps=(
                Step(
                    "upper",
                    lambda draft: Reply("campaign.ask_upper", buttons=(CANCEL,)),
                    upper,
                    next="people",
                    presses=(ca.Cancel,),
                ),
                Step(
                    "people",
                    choose,
                    chosen,
                    presses=(ca.TogglePerson, ca.Done, ca.Cancel),
                    after=lambda draft: None if draft.get("chosen_done") else "people",
                    clears=True,
                ),
            ),
            finish=finish,
            not_text="campaign.use_buttons",
        )
