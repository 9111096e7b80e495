"""Assessment campaigns (考核) and the satisfaction survey (民主测评) for WeCom members, as
Telegram serves them, with what WeCom cannot do said plainly:
- 「考核」 and the `ca:` presses the engine leaves are `workflow.commands.campaigns`'; a file
  the bot sends (the blank score workbook) goes as a WeCom file;
- WeCom does not pass files members send to a self-built app (../shared/spec/CHANNELS.md):
  📤 上传评分表 is answered with what works (scoring unit by unit, check by check in chat) and
  its buttons are left out, and a step that asks for evidence or a report says that photos
  (sent as images) and typed text are what WeCom can take;
- the survey: a member reaches a unit's survey by sending 「测评 <token>」 (the token of the
  unit's link, the same the Telegram deep link carries; a stranger to the ledger too); the
  answer is kept under the account's hash (one per account per unit per campaign, as on
  Telegram); the comment after it is a typed text; 📊 测评二维码 gives the office each unit's
  word to send, as WeCom has no deep link into the app, and so does the start of a campaign
  whose plan's last approval is given here (`started`; an office on WeCom, whichever channel
  approved, is sent the words by `workflow.campaign_survey.send_codes`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from dataclasses import replace
from typing import Final

from channels.wecom.adapter import WECOM, WeComChannel, press_ref
from chat import actions
from chat.actions import campaign as ca
from chat.dialogue import Reply
from storage.db import Database
from storage.models import Account, Person
from storage.wecom_inbox import Received
from workflow import campaign_survey, campaigns
from workflow.commands import Answer, refusal, say
from workflow.commands import campaigns as campaign_commands
from workflow.dialogues.campaign_survey import CampaignSurvey
from workflow.outcomes import Refused
from workflow.rules import CentreRules

#: The word a member sends before a unit's survey token.
SURVEY_WORD: Final = campaign_survey.SURVEY_WORD
#: The flows whose steps take photos (fetched from WeCom as images) as well as text.
FILE_FLOWS: Final = frozenset({"campaign_selfcheck", "campaign_rectify"})
#: The questions that ask for files, which WeCom members cannot send, or to send a workbook
#: back, and the line each gets saying what WeCom takes.
WECOM_NOTES: Final = {
    **dict.fromkeys(
        ("campaign.ask_evidence", "campaign.ask_report", "campaign.ask_rectify"),
        "campaign.wecom_photos_only",
    ),
    **dict.fromkeys(
        ("submit.ask_files", "submit.want_file", "revise.files", "revise.no_files"),
        "wecom.photos_only",
    ),
    "campaign.score_sheet": "campaign.wecom_no_upload",
}


def survey_token(text: str) -> str | None:
    """The token of a 「测评 <token>」 text (a link's `sv-` start parameter taken too)."""
    word, _, rest = text.strip().partition(" ")
    token = rest.strip()
    if word != SURVEY_WORD or not token or " " in token:
        return None
    return campaign_survey.token_of(token) or token


def for_wecom(replies: Iterable[Reply]) -> list[Reply]:
    """The engine's replies as WeCom can act on them: no upload buttons, and a question that
    asks for files (evidence, an item's attachments, a workbook sent back) told what WeCom
    takes."""
    worded = []
    for reply in replies:
        rows = tuple(
            row
            for row in (
                tuple(b for b in row if not isinstance(b.press, ca.UploadScores))
                for row in reply.buttons
            )
            if row
        )
        also = reply.also
        if (note := WECOM_NOTES.get(reply.key)) is not None:
            also = (*also, Reply(note))
        worded.append(replace(reply, buttons=rows, also=also))
    return worded


def unserved(pressed: object) -> Answer | None:
    """A press WeCom cannot carry out, answered before the engine would start it (None: any
    other): 📤 上传评分表 waits for a file no WeCom member can send."""
    if isinstance(pressed, ca.UploadScores):
        return say("campaign.wecom_no_upload")
    return None


async def command(
    db: Database, rules: CentreRules, person: Person | None, command: str
) -> Answer | None:
    """「考核」 answered (None: another command)."""
    if command != "campaigns":
        return None
    answer = await campaign_commands.list_campaigns(db, rules, person)
    return Answer(for_wecom(answer.replies), answer.queued)


async def press(
    db: Database, rules: CentreRules, person: Person | None, pressed: object
) -> Answer | None:
    """A `ca:` press the engine did not take, answered (None: another family's press)."""
    if not isinstance(pressed, ca.Press):
        return None
    if isinstance(pressed, ca.SurveyCodes):
        return await survey_words(db, person, pressed.campaign_id)
    if isinstance(pressed, ca.SurveyAnswer | ca.SurveySkip):  # taken before: a stale card
        return Answer([refusal(Refused("forged"))])
    answer = unserved(pressed) or await campaign_commands.press(db, rules, person, pressed)
    if answer.queued and isinstance(pressed, ca.Decide) and pressed.subject == "p":
        await started(db, pressed)
    return Answer(for_wecom(answer.replies), answer.queued)


async def started(db: Database, pressed: ca.Decide) -> None:
    """A plan approved on WeCom: once the campaign runs, the office that planned it is sent
    each unit's 「测评 <token>」 (queued once; WeCom's side has no Telegram link or QR code to
    give, so an office reached on Telegram presses 📊 测评二维码 for theirs)."""
    if pressed.decision == "a":
        await campaign_survey.send_codes(db, pressed.campaign_id, None, None)


async def survey_words(db: Database, office: Person | None, campaign_id: int) -> Answer:
    """📊 测评二维码 on WeCom: each unit's word to send (a QR code would open Telegram)."""
    try:
        if office is None:
            raise Refused("not_allowed")
        links = await campaign_survey.links(db, office, campaign_id)
        title = await campaigns.title_of(db, campaign_id)
    except Refused as refused:
        return Answer([refusal(refused)])
    lines = tuple(
        Reply(
            "campaign.survey_word",
            {"unit": link.unit_name, "word": campaign_survey.survey_word(link.token)},
        )
        for link in links
    )
    return Answer([Reply("campaign.survey_words", {"title": title}, also=lines)])


class Survey:
    """The survey's replies for a WeCom account (a stranger's too), or None when what was
    sent is not the survey's."""

    def __init__(self, db: Database, rules: CentreRules) -> None:
        self.db = db
        self.rules = rules

    def _replies(self) -> CampaignSurvey:
        """The survey's replies over the ledger and the current rules."""
        return CampaignSurvey(self.db, self.rules)

    async def opened(self, account: Account, text: str) -> list[Reply] | None:
        """「测评 <token>」: the unit's question with its buttons (or why not)."""
        token = survey_token(text)
        if token is None:
            return None
        return await self._told(self._replies().survey_opened(account, token))

    async def pressed(self, account: Account, pressed: object) -> list[Reply] | None:
        """满意 / 基本满意 / 不满意, 跳过 on the survey's card."""
        if not isinstance(pressed, ca.SurveyAnswer | ca.SurveySkip):
            return None
        return await self._told(self._replies().survey_press(account, pressed))

    async def received(
        self, channel: WeComChannel, received: Received, *, stranger: bool
    ) -> tuple[list[Reply], dict[str, str] | None] | None:
        """What a callback says to the survey before anything else sees it: 「测评 <token>」, a
        click on the survey's card (its ResponseCode kept to settle the card), and, from a
        stranger to the ledger, a comment typed; with the clicked card (None: not the
        survey's)."""
        account = Account(WECOM, received.from_user)
        if received.msg_type == "text":
            text = received.content or ""
            replies = await self.opened(account, text)
            if replies is None and stranger:
                replies = await self.typed(account, text)
            return None if replies is None else (replies, None)
        if not (
            received.msg_type == "event"
            and received.event == "template_card_event"
            and received.task_id
            and received.response_code
            and received.event_key
        ):
            return None
        pressed = actions.decode(received.event_key)
        if not isinstance(pressed, ca.SurveyAnswer | ca.SurveySkip):
            return None
        await channel.answer(
            press_ref(received.from_user, received.task_id, received.response_code)
        )
        replies = await self.pressed(account, pressed)
        return (replies or [], {"task": received.task_id})

    async def typed(self, account: Account, text: str) -> list[Reply] | None:
        """A text while the account's comment is awaited: kept, thanks."""
        try:
            return await self._replies().survey_typed(account, text)
        except Refused as refused:
            return [refusal(refused)]

    @staticmethod
    async def _told(replies: Awaitable[list[Reply]]) -> list[Reply]:
        """The replies, a refusal as one (a flood's after the first: nothing at all)."""
        try:
            found = await replies
        except Refused as refused:
            return [] if refused.params.get("quiet") else [refusal(refused)]
        marked = {r.key for r in found if r.how == "mark"}  # the note says it: no toast twice
        return [r for r in found if not (r.how == "toast" and r.key in marked)]
