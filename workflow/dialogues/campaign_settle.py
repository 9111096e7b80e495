"""Settling differing scores and the score workbook on the conversation engine: the office's
list of the checks the group scored differently (each member's score and comment, the rule's
result), the rule accepted by a button or a check settled with a typed score and reason held
for ✅ 确认; the blank score workbook sent as a file and a filled one read back whole."""

from __future__ import annotations

from decimal import Decimal

from chat.actions import Button, Rows
from chat.actions import campaign as ca
from chat.dialogue import Flow, Inbound, Invalid, Reply, Step, Stop
from storage.models import Person

from .. import campaign_scoring, campaign_settling, campaigns
from ..campaign_common import clean_text
from ..campaign_settling import Disagreement
from ..outcomes import Refused
from .base import Base, Draft

#: Differing checks offered with their buttons in one message (the rest after these are done).
SHOWN = 8
CANCEL = (Button("btn.campaign_cancel", ca.Cancel()),)


def _number(value: Decimal) -> str:
    """A score as people read it (8, 7.5)."""
    return f"{value.normalize():f}"


def _where(found: Disagreement) -> str:
    """The unit and the check, as a line names them."""
    return (
        f"{found.unit_name} · 第 {found.index + 1} 项 {found.title}"
        f"（满分 {_number(found.max_points)}）"
    )


def _line(n: int, found: Disagreement) -> str:
    """One differing check: the unit and check, each member's score and comment, its state."""
    scores = "；".join(
        f"{s.name} {_number(s.points)}" + (f"（{s.comment}）" if s.comment else "")
        for s in found.scores
    )
    if found.settled is not None:
        state = f"✍️ 已核定 {_number(found.settled)}（理由：{found.reason}）"
    elif found.accepted:
        state = f"✅ 已按规则取 {_number(found.rule)}"
    else:
        state = f"⏳ 待核定，按规则为 {_number(found.rule)}"
    return f"{n}. {_where(found)}\n　{scores}\n　{state}"


class CampaignSettle(Base):
    """The office's settling of differing scores; the score workbook out and back."""

    def settling_row(self, campaign_id: int) -> tuple[Button, ...]:
        """The office's buttons under a running campaign: 核定分数 and the score workbook."""
        return (
            Button("btn.campaign_settle", ca.SettleList(campaign_id)),
            Button("btn.campaign_score_sheet", ca.ScoreSheet(campaign_id)),
        )

    async def settle_list(self, person: Person, campaign_id: int) -> Reply:
        """The checks the group scored differently, those waiting with their buttons."""
        campaign, template, found = await campaign_settling.settling(self.db, person, campaign_id)
        waiting = [(n, d) for n, d in enumerate(found, 1) if not d.resolved]
        rule = campaign_settling.RULES.get(template.settlement.value, template.settlement.value)
        if not found:
            return Reply("campaign.settle_none", {"title": campaign.title})
        rows: Rows = tuple(
            (
                Button(
                    "btn.campaign_accept_rule",
                    ca.AcceptRule(campaign_id, d.unit_id, d.index),
                    {"n": n, "points": _number(d.rule)},
                ),
                Button(
                    "btn.campaign_settle_check",
                    ca.SettleCheck(campaign_id, d.unit_id, d.index),
                    {"n": n},
                ),
            )
            for n, d in waiting[:SHOWN]
        )
        if len(waiting) > 1:
            rows = (*rows, (Button("btn.campaign_accept_all", ca.AcceptAll(campaign_id)),))
        return Reply(
            "campaign.settle_list",
            {
                "title": campaign.title,
                "rule": rule,
                "waiting": len(waiting),
                "lines": "\n".join(_line(n, d) for n, d in enumerate(found, 1)),
            },
            buttons=rows,
        )

    async def settle_press(self, person: Person, press: ca.Press) -> list[Reply]:
        """核定分数's list, a rule accepted (one check or all), the blank score workbook."""
        if isinstance(press, ca.SettleList):
            return [await self.settle_list(person, press.campaign_id)]
        if isinstance(press, ca.AcceptRule):
            found = await campaign_settling.accept_rule(
                self.db, person, press.campaign_id, press.unit_id, press.index
            )
            return [
                Reply("campaign.rule_accepted_alert", how="toast"),
                Reply(
                    "campaign.rule_accepted",
                    {"unit": found.unit_name, "n": found.index + 1, "points": _number(found.rule)},
                    how="mark",
                ),
                await self.settle_list(person, press.campaign_id),
            ]
        if isinstance(press, ca.AcceptAll):
            count = await campaign_settling.accept_all(self.db, person, press.campaign_id)
            return [
                Reply("campaign.rule_accepted_alert", how="toast"),
                Reply("campaign.rules_accepted", {"count": count}, how="mark"),
                await self.settle_list(person, press.campaign_id),
            ]
        if isinstance(press, ca.ScoreSheet):
            stored = await campaign_scoring.score_sheet_file(self.db, person, press.campaign_id)
            return [
                Reply(
                    "campaign.score_sheet",
                    {
                        "title": await campaigns.title_of(self.db, press.campaign_id),
                        "file": {"kind": "document", "key": stored.key, "caption": stored.name},
                    },
                    buttons=((Button("btn.campaign_upload", ca.UploadScores(press.campaign_id)),),),
                )
            ]
        if isinstance(press, ca.ConfirmSettle):  # nothing held: expired, or done
            minutes = int(self.rules.typed_answer.total_seconds() // 60)
            raise Refused("confirm_stale", minutes=minutes)
        raise Refused("campaign_step_passed")

    def campaign_settle(self) -> Flow:
        """✍️ 核定 on a differing check: the score typed (within the check's range), the reason
        typed, both shown back and held for ✅ 确认; only the confirmation settles."""

        async def start(event: Inbound) -> Draft | None:
            """核定 pressed by the office on a check that still differs."""
            press = event.press
            if not isinstance(press, ca.SettleCheck):
                return None
            person = await self._person(event.person_id)
            campaign, _, found = await campaign_settling.settling(
                self.db, person, press.campaign_id
            )
            if campaign.state != "running":
                raise Refused("campaign_wrong_state", state=campaign.state)
            here = next(
                (d for d in found if (d.unit_id, d.index) == (press.unit_id, press.index)), None
            )
            if here is None:
                raise Refused("campaign_scores_agree")
            return {
                "campaign": press.campaign_id,
                "unit": press.unit_id,
                "index": press.index,
                "line": _where(here),
                "scores": "；".join(f"{s.name} {_number(s.points)}" for s in here.scores),
                "rule": _number(here.rule),
                "max": _number(here.max_points),
            }

        async def points(event: Inbound, draft: Draft) -> Draft:
            """The settled score, checked against the check's range."""
            if isinstance(event.press, ca.Cancel):
                raise Stop(Reply("campaign.settle_cancelled"))
            person = await self._person(event.person_id)
            _, value = await campaign_settling.check_points(
                self.db, person, int(draft["campaign"]), int(draft["index"]), event.text or ""
            )
            return {"points": str(value)}

        async def reason(event: Inbound, draft: Draft) -> Draft:
            """The reason: required, within the length kept."""
            if isinstance(event.press, ca.Cancel):
                raise Stop(Reply("campaign.settle_cancelled"))
            try:
                return {"reason": clean_text(event.text or "", required=True)}
            except Refused as refused:
                if refused.key == "campaign_reason_missing":
                    raise Invalid(Reply("campaign.settle_reason_empty")) from None
                raise

        async def confirm(event: Inbound, draft: Draft) -> Draft:
            """✅ 确认 or ✖️ 取消 of this very settlement."""
            press = event.press
            assert isinstance(press, ca.ConfirmSettle)
            if (press.campaign_id, press.unit_id, press.index) != (
                draft["campaign"],
                draft["unit"],
                draft["index"],
            ):
                minutes = int(self.rules.typed_answer.total_seconds() // 60)
                raise Refused("confirm_stale", minutes=minutes)
            return {"confirmed": press.confirmed}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Settles (or drops it, on ✖️ 取消); the list shown again."""
            if not draft["confirmed"]:
                return [
                    Reply("confirm.kept", how="toast"),
                    Reply("campaign.settle_kept", how="mark"),
                ]
            person = await self._person(event.person_id)
            campaign_id = int(draft["campaign"])
            await campaign_settling.settle_check(
                self.db,
                person,
                campaign_id,
                int(draft["unit"]),
                int(draft["index"]),
                Decimal(str(draft["points"])),
                str(draft["reason"]),
            )
            return [
                Reply("campaign.settled_alert", how="toast"),
                Reply(
                    "campaign.settled",
                    {"line": draft["line"], "points": draft["points"], "reason": draft["reason"]},
                    how="mark",
                ),
                await self.settle_list(person, campaign_id),
            ]

        def shown(draft: Draft) -> Reply:
            """The settlement shown back with its two buttons."""
            key = (int(draft["campaign"]), int(draft["unit"]), int(draft["index"]))
            return Reply(
                "campaign.confirm_settle",
                {"line": draft["line"], "points": draft["points"], "reason": draft["reason"]},
                buttons=(
                    (
                        Button("btn.confirm_yes", ca.ConfirmSettle(*key, True)),
                        Button("btn.confirm_no", ca.ConfirmSettle(*key, False)),
                    ),
                ),
            )

        return Flow(
            name="campaign_settle",
            what="wait.pending_campaign_settle",
            start=start,
            steps=(
                Step(
                    "points",
                    lambda draft: Reply(
                        "campaign.ask_settle_points",
                        {
                            "line": draft["line"],
                            "scores": draft["scores"],
                            "rule": draft["rule"],
                            "max": draft["max"],
                        },
                        buttons=(CANCEL,),
                    ),
                    points,
                    next="reason",
                    presses=(ca.Cancel,),
                ),
                Step(
                    "reason",
                    lambda draft: Reply(
                        "campaign.ask_settle_reason",
                        {"points": draft["points"]},
                        buttons=(CANCEL,),
                    ),
                    reason,
                    next="confirm",
                    presses=(ca.Cancel,),
                ),
                Step(
                    "confirm",
                    shown,
                    confirm,
                    presses=(ca.ConfirmSettle,),
                    takes_text=False,
                    held=True,
                ),
            ),
            finish=finish,
            not_text="campaign.ask_number",
        )

    def campaign_upload(self) -> Flow:
        """📤 上传评分表: a group member sends their filled score workbook back; the office first
        names the member it is from. Read whole: a bad cell refuses the file, naming the cell,
        and nothing is recorded (the question stands for a corrected file)."""

        async def start(event: Inbound) -> Draft | None:
            """上传评分表, by the office or a member of the campaign's group."""
            press = event.press
            if not isinstance(press, ca.UploadScores):
                return None
            person = await self._person(event.person_id)
            office, members = await campaign_settling.uploaders(self.db, person, press.campaign_id)
            title = await campaigns.title_of(self.db, press.campaign_id)
            if office:
                return {"campaign": press.campaign_id, "title": title, "members": members}
            return {
                "campaign": press.campaign_id,
                "title": title,
                "members": members,
                "member": person.id,
                "member_name": person.name,
            }

        async def member(event: Inbound, draft: Draft) -> Draft:
            """The member whose workbook the office sends, by their button."""
            press = event.press
            if isinstance(press, ca.Cancel):
                raise Stop(Reply("campaign.upload_cancelled"))
            if not isinstance(press, ca.TogglePerson):
                raise Invalid(Reply("campaign.use_buttons"))
            names = {int(p): str(n) for p, n in draft["members"]}
            if press.person_id not in names:
                raise Refused("campaign_not_assessor")
            return {"member": press.person_id, "member_name": names[press.person_id]}

        async def workbook(event: Inbound, draft: Draft) -> Draft:
            """The filled workbook, recorded whole or refused whole."""
            if isinstance(event.press, ca.Cancel):
                raise Stop(Reply("campaign.upload_cancelled"))
            if event.file is None:
                raise Invalid(Reply("campaign.ask_upload_file"))
            person = await self._person(event.person_id)
            changed = await campaign_scoring.upload_scores_file(
                self.db, person, int(draft["campaign"]), int(draft["member"]), event.file.key
            )
            return {"changed": changed}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """What was recorded."""
            return [
                Reply(
                    "campaign.uploaded",
                    {"member": draft["member_name"], "count": draft["changed"]},
                )
            ]

        def choose(draft: Draft) -> Reply:
            """The group's members as buttons."""
            listed = tuple(
                (Button(str(name), ca.TogglePerson(int(p))),) for p, name in draft["members"]
            )
            return Reply("campaign.ask_upload_member", buttons=(*listed, CANCEL))

        return Flow(
            name="campaign_upload",
            what="wait.pending_campaign_upload",
            start=start,
            steps=(
                Step(
                    "member",
                    choose,
                    member,
                    next="file",
                    presses=(ca.TogglePerson, ca.Cancel),
                    skip=lambda draft: "member" in draft,
                    clears=True,
                ),
                Step(
                    "file",
                    lambda draft: Reply(
                        "campaign.ask_upload",
                        {"title": draft["title"], "member": draft["member_name"]},
                        buttons=(CANCEL,),
                    ),
                    workbook,
                    presses=(ca.Cancel,),
                    takes_files=True,
                ),
            ),
            finish=finish,
            not_text="campaign.ask_upload_file",
        )
