"""《工作简报》 outside its dialogues, for every channel: 审核通过 and 签发 (they act at once: the
round's 清样 rendered for signing, the issued .docx), /briefs (the newest issues, issued ones
fetched again, drafts and returned ones reopened by editors) and an issued document fetched."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from chat.actions import Button
from chat.actions import briefs as bf
from chat.dialogue import Ref, Reply
from scoring.vocab import Role
from storage.db import Database
from storage.models import Person, RoleGrant
from workflow import briefs
from workflow.briefs import BriefContent, Render
from workflow.outcomes import Refused
from workflow.rules import CentreRules

from . import Answer, refusal, say

#: Rows of buttons /briefs offers at most (a message holds no more on Telegram).
LISTED_BUTTONS = 50

#: How a channel words an issued document's caption (its catalogue, as prepared text).
Caption = Callable[[BriefContent], str]


def caption_params(content: BriefContent) -> dict[str, Any]:
    """What `brief.caption` is filled with, from an issue's content."""
    return {
        "title": content.title,
        "year": content.year,
        "number": content.number,
        "body": content.issuing_body,
        "date": briefs.chinese_date(content.issue_date),
    }


async def decide(
    db: Database,
    rules: CentreRules,
    person: Person | None,
    press: bf.Press | None,
    *,
    render: Render,
    caption: Caption,
) -> Answer:
    """审核通过 / 签发 act at once. 退回 and its confirmation are the engine's, which takes them
    first: a 退回 left here is a stranger's, a confirmation had nothing held (expired, done)."""
    try:
        if not isinstance(press, bf.Decide | bf.ConfirmReturn):
            raise Refused("forged")
        if person is None:
            raise Refused("not_allowed")
        if isinstance(press, bf.ConfirmReturn) or press.decision != "a":
            minutes = int(rules.typed_answer.total_seconds() // 60)
            raise Refused("confirm_stale", minutes=minutes)
        if press.step == briefs.REVIEW:
            await briefs.approve_review(
                db, rules, person, brief_id=press.brief_id, round_=press.round, render=render
            )
            done, mark = Reply("brief.done_reviewed", how="toast"), "brief.marked_approved"
        else:
            issued = await briefs.issue(
                db,
                rules,
                person,
                brief_id=press.brief_id,
                round_=press.round,
                render=render,
                caption=caption,
            )
            done = Reply("brief.done_issued", {"number": issued.brief.number}, how="toast")
            mark = "brief.marked_issued"
    except Refused as refused:
        return Answer([refusal(refused)])
    return Answer([done, Reply(mark, {"by": person.name}, how="mark")], queued=True)


async def list_issues(db: Database, person: Person | None, grants: Sequence[RoleGrant]) -> Answer:
    """/briefs: the newest issues with their states, in one message; an issued one has a
    button to fetch it again, a draft or returned one a button for editors to reopen it."""
    try:
        if person is None:
            raise Refused("brief_not_allowed")
        found = await briefs.list_briefs(db, person)
    except Refused as refused:
        return Answer([refusal(refused)])
    if not found:
        return say("brief.list_empty")
    editor = any(g.role is Role.EDITOR for g in grants)
    lines, rows = [], []
    for brief in found:
        lines.append(
            Reply(
                "brief.list_line",
                {
                    "year": brief.year,
                    "number": brief.number,
                    "date": brief.issue_date.isoformat(),
                    "state": Ref(f"brief.state.{brief.state}"),
                },
            )
        )
        if brief.state == "issued":
            rows.append((Button("btn.brief_get", bf.GetBrief(brief.id), {"number": brief.number}),))
        elif editor and brief.state in {"draft", "returned"}:
            press = bf.OpenBrief(brief.id)
            rows.append((Button("btn.brief_open", press, {"number": brief.number}),))
    return Answer(
        [Reply("brief.list_head", buttons=tuple(rows[:LISTED_BUTTONS]), also=tuple(lines))]
    )


async def issued(
    db: Database, rules: CentreRules, person: Person | None, press: bf.Press | None
) -> Answer:
    """📄 取第N期: the issued document again, for whoever may read it: one reply, its text the
    document's caption (`brief.caption`), the stored file in `params["file"]`."""
    try:
        if not isinstance(press, bf.GetBrief):
            raise Refused("forged")
        if person is None:
            raise Refused("brief_not_allowed")
        brief, stored = await briefs.issued_file(db, person, press.brief_id)
        view = await briefs.load(db, person, brief.id)
    except Refused as refused:
        return Answer([refusal(refused)])
    params = caption_params(briefs.content_of(rules, view))
    file = {"kind": "document", "key": stored.key, "name": stored.name}
    return Answer([Reply("brief.caption", {**params, "file": file})])
