"""Website news outside its dialogues, for every channel: /news (what waits for me; /news N
sends item N to sign-off) and the presses that act at once (送审网站, 同意发布, 重新送审). The
return's typed reason and its confirmation, and the published URL, are the engine's."""

from __future__ import annotations

import re
from typing import Final

from chat.actions import webnews as wn
from chat.dialogue import Ref, Reply
from storage.db import Database
from storage.models import Person
from workflow import webnews
from workflow.outcomes import Refused
from workflow.rules import CentreRules

from . import Answer, refusal, say

ITEM_ARG: Final = re.compile(r"[#＃]?([0-9]{1,12})")


def sent_reply(sent: webnews.Sent) -> Reply:
    """What the editor is told after sending (or resending) news to sign-off."""
    key = "web.sent" if sent.leaders else "web.sent_no_leader"
    return Reply(
        key,
        {
            "news": sent.news.id,
            "item": sent.item.id,
            "round": sent.news.round,
            "leaders": sent.leaders,
            "heading": sent.news.heading,
        },
    )


async def news(db: Database, rules: CentreRules, person: Person | None, typed: str) -> Answer:
    """/news N sends item N to website sign-off; /news lists the website news waiting for me,
    each a message with its buttons."""
    words = typed.split()
    try:
        if person is None:
            raise Refused("web_no_role")
        if words:
            number = ITEM_ARG.fullmatch(words[0].strip()) if len(words) == 1 else None
            if number is None:
                return say("web.usage")
            sent = await webnews.send(db, rules, person, int(number[1]))
            return Answer([sent_reply(sent)], queued=True)
        waiting = await webnews.waiting_for(db, person)
    except Refused as refused:
        return Answer([refusal(refused)])
    if not (waiting.to_sign or waiting.to_publish or waiting.mine):
        return say("web.none")
    replies = []
    for entry in waiting.to_sign:
        item = entry.news
        params = {
            "news": item.id,
            "item": entry.item.id,
            "heading": item.heading,
            "unit": entry.unit,
            "round": item.round,
        }
        replies.append(Reply("web.line_sign", params, webnews.sign_buttons(item.id, item.round)))
    for entry in waiting.to_publish:
        item = entry.news
        params = {"news": item.id, "item": entry.item.id, "heading": item.heading}
        buttons = webnews.publish_buttons(item.id, item.round)
        replies.append(Reply("web.line_publish", {**params, "unit": entry.unit}, buttons))
    for entry in waiting.mine:
        item = entry.news
        returned = item.state == "returned"
        replies.append(
            Reply(
                "web.line_mine_returned" if returned else "web.line_mine",
                {
                    "news": item.id,
                    "item": entry.item.id,
                    "heading": item.heading,
                    "state": Ref(f"web.state_{item.state}"),
                    "reason": item.return_reason or "",
                },
                webnews.returned_buttons(entry.item.id, item.id, item.round) if returned else (),
            )
        )
    return Answer(replies)


async def press(
    db: Database, rules: CentreRules, person: Person | None, pressed: wn.Press | None
) -> Answer:
    """A website news press that acts at once; each re-checks the presser's role and the
    news' state. 退回 and 已发布 are the engine's (taken before this: here they are forged)."""
    try:
        if pressed is None:
            raise Refused("forged")
        if person is None:
            raise Refused("not_allowed")
        if isinstance(pressed, wn.SendNews):  # the editor sends an item
            sent = await webnews.send(db, rules, person, pressed.item_id)
            return Answer([Reply("web.sent_alert", how="toast"), sent_reply(sent)], queued=True)
        verb, news_id, round_ = pressed.verb, pressed.news_id, pressed.round
        if verb == "a":
            decided = await webnews.decide(db, person, news_id, round_, approve=True)
            replies = [
                Reply("web.approved_alert", how="toast"),
                Reply("web.approved_note", {"by": person.name}, how="mark"),
            ]
            if not decided.publishers:
                replies.append(Reply("web.no_publisher"))
            return Answer(replies, queued=True)
        if verb in ("c", "x"):  # the engine takes one held: nothing is
            minutes = int(rules.typed_answer.total_seconds() // 60)
            raise Refused("confirm_stale", minutes=minutes)
        if verb == "s":
            sent = await webnews.resend(db, rules, person, news_id, round_)
            marked = Reply("web.resent_note", {"round": sent.news.round}, how="mark")
            return Answer(
                [Reply("web.sent_alert", how="toast"), marked, sent_reply(sent)], queued=True
            )
        raise Refused("forged")
    except Refused as refused:
        return Answer([refusal(refused)])
