"""《工作简报》 and website news for WeCom members, as Telegram serves them: 「简报」 (the newest
issues; 📄 取第N期 sends the issued .docx again, its caption first), 审核通过 and 签发 on a
request's card (the 清样 and the issue rendered by the root's renderer, queued as files), and
「网站信息」 (what waits for me; 「网站信息 N」 sends item N to sign-off) with its presses. What
each decides and says is `workflow.commands.briefs` and `.webnews`'; the typed reasons and the
published URL are the engine's."""

from __future__ import annotations

from collections.abc import Sequence

from chat.actions import briefs as bf
from chat.actions import webnews as wn
from chat.dialogue import Reply
from chat.texts import Texts
from storage.db import Database
from storage.models import Person, RoleGrant
from workflow.briefs import BriefContent, Render
from workflow.commands import Answer, refusal, stored_file
from workflow.commands import briefs as brief_commands
from workflow.commands import webnews as news_commands
from workflow.outcomes import Refused
from workflow.rules import CentreRules

#: The commands answered here.
COMMANDS = frozenset({"briefs", "news"})


def caption_for(language: str) -> brief_commands.Caption:
    """An issued document's caption as the outbox keeps it for every channel (prepared text:
    Telegram's HTML, made plain for WeCom when it is sent)."""
    texts = Texts(language)

    def caption(content: BriefContent) -> str:
        return texts("brief.caption", **brief_commands.caption_params(content))

    return caption


async def command(
    db: Database,
    rules: CentreRules,
    person: Person | None,
    grants: Sequence[RoleGrant],
    command: str,
    typed: str,
) -> Answer | None:
    """「简报」 or 「网站信息」 answered (None: another command)."""
    if command == "briefs":
        return await brief_commands.list_issues(db, person, grants)
    if command == "news":
        return await news_commands.news(db, rules, person, typed)
    return None


async def press(
    db: Database,
    rules: CentreRules,
    person: Person | None,
    pressed: object,
    *,
    render: Render | None,
    language: str,
) -> Answer | None:
    """An issue's or website news' press the engine did not take, answered (None: another
    family's press)."""
    if isinstance(pressed, bf.GetBrief):
        return _issued(await brief_commands.issued(db, rules, person, pressed))
    if isinstance(pressed, bf.Decide | bf.ConfirmReturn):
        if render is None:  # a WeCom side the root handed no renderer: nothing can be made
            return Answer([refusal(Refused("not_allowed"))])
        caption = caption_for(language)
        return await brief_commands.decide(
            db, rules, person, pressed, render=render, caption=caption
        )
    if isinstance(pressed, wn.SendNews | wn.NewsAction):
        return await news_commands.press(db, rules, person, pressed)
    if isinstance(pressed, bf.DraftMenu | bf.OpenBrief):  # the engine's menu, left: as on Telegram
        return Answer([refusal(Refused("forged"))])
    return None


def _issued(answer: Answer) -> Answer:
    """The issued document as WeCom sends a file: its caption as a text, then the file."""
    found = []
    for reply in answer.replies:
        file = reply.params.get("file")
        if not file:
            found.append(reply)
            continue
        params = {k: v for k, v in reply.params.items() if k != "file"}
        found += [Reply(reply.key, params), stored_file("document", str(file["key"]))]
    return Answer(found, answer.queued)
