"""A closed campaign's consequences on the conversation engine: the results view (grades,
each failing unit's talks and rectification, the results 通报), a failing unit's
rectification report written over several messages with its photos and files and submitted,
and the office's 验收通过 or 退回 with a typed reason held for ✅ 确认; the 诫勉谈话 and
报备上级 are `campaign_talk.py`'s."""

from __future__ import annotations

from chat.actions import Button, Rows
from chat.actions import campaign as ca
from chat.dialogue import Flow, Inbound, Invalid, Reply, Step, Stop
from storage.models import Person

from .. import campaign_consequences as cc
from .. import campaign_filing
from ..campaign_common import clean_text
from ..outcomes import Refused
from .base import Draft
from .campaign_correct import CampaignCorrect
from .campaign_review import CampaignReview
from .campaign_talk import CampaignTalk

CANCEL = (Button("btn.campaign_cancel", ca.Cancel()),)
#: A task's states as people read them.
TASK_STATES = {
    "open": "⏳ 整改中",
    "submitted": "📥 整改报告待验收",
    "accepted": "✅ 已验收",
    "": "—",
}


def _results_text(view: campaign_filing.ResultsView) -> Reply:
    """The results view: each unit's total and grade, then each failing unit's talks and
    rectification, with the office's buttons."""
    lines = "\n".join(
        f"{n}. {name}：{total} 分，{grade}" for n, (name, total, grade) in enumerate(view.lines, 1)
    )
    failed = []
    rows: list[tuple[Button, ...]] = []
    for unit in view.failed:
        talks = "；".join(unit.talks) if unit.talks else "未记录"
        state = TASK_STATES.get(unit.rectification, unit.rectification)
        failed.append(f"{unit.name}：诫勉谈话 {talks}\n　整改期限 {unit.due_on}，{state}")
        if view.office:
            rows.append(
                (
                    Button(
                        "btn.campaign_talk",
                        ca.Talk(view.campaign_id, unit.unit_id),
                        {"unit": unit.name},
                    ),
                )
            )
    if view.office and view.upper_office is None:
        rows.append((Button("btn.campaign_file_upward", ca.FileUpward(view.campaign_id)),))
    if view.office:
        rows.append((Button("btn.campaign_correct", ca.Correct(view.campaign_id)),))
    return Reply(
        "campaign.results",
        {
            "title": view.title,
            "version": view.version,
            "lines": lines,
            "praise": "、".join(view.praise) or "—",
            "failed": "\n".join(failed) or "—",
            "upper": view.upper_office or "—",
        },
        buttons=tuple(rows),
    )


class CampaignRectify(CampaignReview, CampaignCorrect, CampaignTalk):
    """The results and 限期整改 in chat (诫勉谈话 and 备案 from `CampaignTalk`); its presses
    answered before settling's."""

    def survey_row(self, campaign_id: int) -> tuple[Button, ...]:
        """The office's last buttons under a running campaign: QR codes and 报备上级."""
        return (
            Button("btn.campaign_survey_qr", ca.SurveyCodes(campaign_id)),
            Button("btn.campaign_file_upward", ca.FileUpward(campaign_id)),
        )

    def results_row(self, campaign_id: int, title: str) -> tuple[Button, ...]:
        """The office's button under a closed campaign in /campaigns: its results."""
        return (Button(f"📊 #{campaign_id} {title}", ca.Results(campaign_id)),)

    # the results view and the presses that finish at once --------------------------------

    async def results_replies(self, person: Person, campaign_id: int) -> list[Reply]:
        """The results view, and the results 通报 once it is rendered."""
        view = await campaign_filing.results(self.db, person, campaign_id)
        replies = [_results_text(view)]
        if view.document is not None:
            replies.append(
                Reply(
                    "campaign.results_doc",
                    {
                        "title": view.title,
                        "file": {
                            "kind": "document",
                            "key": view.document,
                            "caption": f"{view.title}考核结果通报",
                        },
                    },
                )
            )
        return replies

    async def settle_press(self, person: Person, press: ca.Press) -> list[Reply]:
        """考核结果, 验收通过, 整改材料, and stale confirmations; the rest to settling."""
        if isinstance(press, ca.Results):
            return await self.results_replies(person, press.campaign_id)
        if isinstance(press, ca.Review) and press.decision == "a":
            await cc.review_report(
                self.db, person, press.campaign_id, press.unit_id, press.round, accept=True
            )
            return [
                Reply("campaign.rectify_accepted_alert", how="toast"),
                Reply("campaign.rectify_accepted", {"by": person.name}, how="mark"),
            ]
        if isinstance(press, ca.Review):  # 退回 when its flow could not start: reviewed
            raise Refused("campaign_rectification_reviewed")
        if isinstance(press, ca.ReportFiles):
            return await self._report_files(person, press)
        if isinstance(press, ca.ConfirmTalk | ca.ConfirmReview | ca.SubmitRectify):
            minutes = int(self.rules.typed_answer.total_seconds() // 60)
            raise Refused("confirm_stale", minutes=minutes)
        return await super().settle_press(person, press)

    async def _report_files(self, person: Person, press: ca.ReportFiles) -> list[Reply]:
        """One round of a report: its text, then each photo and file."""
        shown = await cc.report_shown(
            self.db, person, press.campaign_id, press.unit_id, press.round
        )
        replies = [
            Reply(
                "campaign.report_shown",
                {
                    "title": shown.title,
                    "unit": shown.unit_name,
                    "round": shown.round,
                    "text": shown.text or "—",
                    "files": len(shown.evidence),
                },
            )
        ]
        for n, (piece, name) in enumerate(zip(shown.evidence, shown.names, strict=True), 1):
            replies.append(
                Reply(
                    "campaign.report_file",
                    {
                        "n": n,
                        "name": name,
                        "file": {"kind": piece.kind, "key": piece.file_key, "caption": name},
                    },
                )
            )
        return replies

    async def rectify_list(self, person: Person) -> list[Reply]:
        """/campaigns for a failing unit's people: its open rectification tasks."""
        tasks = await cc.my_tasks(self.db, person)
        if not tasks:
            return []
        lines = [
            f"{t.title} · {t.unit_name}：整改期限 {t.due_on.isoformat()}，"
            f"{TASK_STATES.get(t.state, t.state)}"
            for t in tasks
        ]
        rows: Rows = tuple(
            (
                Button(
                    "btn.campaign_rectify_unit",
                    ca.Rectify(t.campaign_id, t.unit_id),
                    {"unit": t.unit_name},
                ),
            )
            for t in tasks
            if t.state == "open"
        )
        return [Reply("campaign.list_rectify", {"lines": "\n".join(lines)}, buttons=rows)]

    # 限期整改: the unit's report ----------------------------------------------------------

    def campaign_rectify(self) -> Flow:
        """✍️ 整改报告: the unit writes its report over several messages and sends photos and
        files as evidence, 完成, sees it back and submits it (📤 提交) to the office."""

        async def start(event: Inbound) -> Draft | None:
            """整改报告 pressed by someone working for the unit while its task is open."""
            press = event.press
            if not isinstance(press, ca.Rectify):
                return None
            person = await self._person(event.person_id)
            task = await cc.rectify_task(self.db, person, press.campaign_id, press.unit_id)
            return {
                "campaign": task.campaign_id,
                "unit": task.unit_id,
                "title": task.title,
                "unit_name": task.unit_name,
                "due_on": task.due_on.isoformat(),
                "returned": task.returned or "",
                "parts": [],
                "files": [],
                "done": False,
            }

        async def write(event: Inbound, draft: Draft) -> Draft:
            """A text or a file kept in the draft, or 完成 once there is some."""
            press = event.press
            if isinstance(press, ca.Cancel):
                raise Stop(Reply("campaign.rectify_cancelled"))
            if isinstance(press, ca.RectifyDone):
                if (press.campaign_id, press.unit_id) != (draft["campaign"], draft["unit"]):
                    raise Refused("campaign_step_passed")
                if not draft["parts"] and not draft["files"]:
                    raise Invalid(Reply("campaign.rectify_nothing"))
                return {"done": True}
            if event.file is not None:
                if len(draft["files"]) >= cc.EVIDENCE_LIMIT:
                    raise Refused("campaign_evidence_too_many", limit=cc.EVIDENCE_LIMIT)
                kind = "photo" if event.file.kind == "photo" else "document"
                name = event.file.name or "file"
                return {"files": [*draft["files"], [kind, event.file.key, name]], "done": False}
            parts = [*draft["parts"], event.text or ""]
            cc.report_text(parts)  # refuses a report grown too long; the part is not kept
            return {"parts": parts, "done": False}

        async def submit(event: Inbound, draft: Draft) -> Draft:
            """📤 提交 or ✖️ 取消 of this very report."""
            press = event.press
            assert isinstance(press, ca.SubmitRectify)
            if (press.campaign_id, press.unit_id) != (draft["campaign"], draft["unit"]):
                raise Refused("campaign_step_passed")
            return {"confirmed": press.confirmed}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Submits the report (or drops the draft, on ✖️ 取消); the office is asked."""
            if not draft["confirmed"]:
                return [Reply("campaign.rectify_cancelled", how="mark")]
            person = await self._person(event.person_id)
            await cc.submit_report(
                self.db,
                person,
                int(draft["campaign"]),
                int(draft["unit"]),
                parts=[str(p) for p in draft["parts"]],
                evidence=[(str(kind), str(key)) for kind, key, _ in draft["files"]],
            )
            return [
                Reply("campaign.rectify_sent_alert", how="toast"),
                Reply("campaign.rectify_sent", {"title": draft["title"]}, how="mark"),
            ]

        def ask_write(draft: Draft) -> Reply:
            """The report asked for, or what is in it so far, with 完成."""
            here = (int(draft["campaign"]), int(draft["unit"]))
            buttons = ((Button("btn.campaign_done", ca.RectifyDone(*here)), *CANCEL),)
            if draft["parts"] or draft["files"]:
                return Reply(
                    "campaign.rectify_added",
                    {
                        "chars": len(cc.report_text([str(p) for p in draft["parts"]])),
                        "files": len(draft["files"]),
                    },
                    buttons=buttons,
                )
            returned = f"\n上次退回原因：{draft['returned']}" if draft.get("returned") else ""
            return Reply(
                "campaign.ask_rectify",
                {
                    "title": draft["title"],
                    "unit": draft["unit_name"],
                    "due_on": draft["due_on"],
                    "returned": returned,
                },
                buttons=buttons,
            )

        def shown(draft: Draft) -> Reply:
            """The report shown back with 提交 / 取消."""
            here = (int(draft["campaign"]), int(draft["unit"]))
            names = "、".join(str(name) for _, _, name in draft["files"]) or "—"
            return Reply(
                "campaign.confirm_rectify",
                {
                    "title": draft["title"],
                    "text": cc.report_text([str(p) for p in draft["parts"]]) or "—",
                    "files": names,
                },
                buttons=(
                    (
                        Button("btn.campaign_rectify_submit", ca.SubmitRectify(*here, True)),
                        Button("btn.campaign_cancel", ca.SubmitRectify(*here, False)),
                    ),
                ),
            )

        return Flow(
            name="campaign_rectify",
            what="wait.pending_campaign_rectify",
            start=start,
            steps=(
                Step(
                    "write",
                    ask_write,
                    write,
                    presses=(ca.RectifyDone, ca.Cancel),
                    takes_files=True,
                    after=lambda draft: "confirm" if draft.get("done") else "write",
                    clears=True,
                ),
                Step(
                    "confirm",
                    shown,
                    submit,
                    presses=(ca.SubmitRectify,),
                    takes_text=False,
                    clears=True,
                ),
            ),
            finish=finish,
            not_text="campaign.rectify_use_buttons",
        )

    # 限期整改: the office's return --------------------------------------------------------

    def campaign_rectify_return(self) -> Flow:
        """退回 of a rectification report: the reason typed, shown back and held for ✅ 确认;
        only the confirmation returns it, and the unit is told the reason."""

        async def start(event: Inbound) -> Draft | None:
            """退回 pressed by the office on the round waiting for review."""
            press = event.press
            if not isinstance(press, ca.Review) or press.decision != "r":
                return None
            person = await self._person(event.person_id)
            title, unit = await cc.review_waiting(
                self.db, person, press.campaign_id, press.unit_id, press.round
            )
            return {
                "campaign": press.campaign_id,
                "unit": press.unit_id,
                "round": press.round,
                "title": title,
                "unit_name": unit,
                "origin": dict(event.origin) if event.origin is not None else None,
            }

        async def reason(event: Inbound, draft: Draft) -> Draft:
            """The reason: required, within the length kept."""
            try:
                return {"reason": clean_text(event.text or "", required=True)}
            except Refused as refused:
                if refused.key == "campaign_reason_missing":
                    raise Invalid(Reply("campaign.reason_empty")) from None
                raise

        async def returned(event: Inbound, draft: Draft) -> list[Reply]:
            """Returns the report with the reason; the unit is told."""
            person = await self._person(event.person_id)
            try:
                await cc.review_report(
                    self.db,
                    person,
                    int(draft["campaign"]),
                    int(draft["unit"]),
                    int(draft["round"]),
                    accept=False,
                    reason=str(draft["reason"]),
                )
            except Refused as refused:
                raise Stop(Reply(f"refused.{refused.key}", dict(refused.params))) from None
            return [
                Reply("campaign.returned_alert", how="toast"),
                Reply(
                    "campaign.returned",
                    {"by": person.name, "reason": draft["reason"]},
                    how="mark",
                ),
            ]

        def shown(draft: Draft) -> Reply:
            """The reason shown back with its two buttons."""
            here = (int(draft["campaign"]), int(draft["unit"]), int(draft["round"]))
            return Reply(
                "campaign.confirm_rectify_return",
                {"unit": draft["unit_name"], "reason": draft.get("reason", "")},
                buttons=(
                    (
                        Button("btn.confirm_yes", ca.ConfirmReview(*here, True)),
                        Button("btn.confirm_no", ca.ConfirmReview(*here, False)),
                    ),
                ),
            )

        return self.held_return(
            name="campaign_rectify_return",
            what="wait.pending_campaign_rectify_return",
            start=start,
            ask=lambda draft: Reply("campaign.ask_rectify_reason", {"unit": draft["unit_name"]}),
            reason=reason,
            shown=shown,
            confirm_press=ca.ConfirmReview,
            same=lambda press, draft: (
                (press.campaign_id, press.unit_id, press.round)
                == (draft["campaign"], draft["unit"], draft["round"])
            ),
            returned=returned,
            kept="campaign.return_kept",
            not_text="campaign.reason_empty",
        )
