"""The satisfaction survey (民主测评) in chat, for anyone with a unit's link (a stranger has no
person, so no session: the answer's row in the ledger is the survey's only state): the
question with 满意 / 基本满意 / 不满意, then an optional comment (跳过), then thanks; and the
office's QR codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from chat.actions import Button
from chat.actions import campaign as ca
from chat.dialogue import Reply
from scoring.assessment import Answer
from storage.models import Account

from .. import campaign_survey as survey
from .base import Base

ORDER: Final[tuple[ca.Rating, ...]] = ("s", "b", "d")
RATINGS: Final = {"s": Answer.SATISFIED, "b": Answer.BASIC, "d": Answer.DISSATISFIED}
LABELS: Final = {
    "s": "btn.survey_satisfied",
    "b": "btn.survey_basic",
    "d": "btn.survey_dissatisfied",
}
WORDS: Final = {"s": "满意", "b": "基本满意", "d": "不满意"}


class CampaignSurvey(Base):
    """The survey's replies over one ledger and its rules, the same on every channel."""

    def _gate(self) -> survey.SurveyGate:
        """This ledger's limit on how often one account opens survey links."""
        return survey.gate_for(self.db, self.rules.survey_starts_per_minute)

    async def survey_opened(self, account: Account, token: str) -> list[Reply]:
        """A survey link opened: the question and its three buttons (or Refused: too often, a
        forged link, the survey over, answered already)."""
        opened = await survey.open_link(self.db, self._gate(), token, account)
        buttons = (tuple(Button(LABELS[r], ca.SurveyAnswer(token, r)) for r in ORDER),)
        return [
            Reply(
                "campaign.survey_ask",
                {"title": opened.title, "unit": opened.unit_name},
                buttons=buttons,
            )
        ]

    async def survey_press(self, account: Account, press: ca.Press) -> list[Reply]:
        """满意 / 基本满意 / 不满意 (recorded, the comment asked) or 跳过 (thanks)."""
        if isinstance(press, ca.SurveyAnswer):
            await survey.answer(
                self.db, press.token, account, RATINGS[press.rating], self.rules.typed_answer
            )
            word = WORDS[press.rating]
            return [
                Reply("campaign.survey_answered", {"answer": word}, how="toast"),
                Reply("campaign.survey_answered", {"answer": word}, how="mark"),
                Reply(
                    "campaign.survey_ask_comment",
                    {"limit": survey.COMMENT_LIMIT},
                    buttons=((Button("btn.survey_skip", ca.SurveySkip(press.token)),),),
                ),
            ]
        assert isinstance(press, ca.SurveySkip)
        await survey.skip(self.db, press.token, account)
        return [
            Reply("campaign.survey_skipped", how="toast"),
            Reply("campaign.survey_thanks", how="mark"),
        ]

    async def survey_typed(self, account: Account, text: str) -> list[Reply] | None:
        """A text while the account's comment is awaited: kept, thanks; None when no comment is
        awaited (the text is someone else's business)."""
        if not await survey.awaiting_comment(self.db, account):
            return None
        if not await survey.comment(self.db, account, text):
            return None
        return [Reply("campaign.survey_thanks")]

    async def survey_codes(
        self,
        person_id: int,
        campaign_id: int,
        url: Callable[[str], str],
        render: survey.Render,
    ) -> list[Reply]:
        """📊 测评二维码: a heading, then each unit's QR code (a photo) with its link."""
        person = await self._person(person_id)
        title, codes = await survey.qr_codes(self.db, person, campaign_id, url, render)
        return [
            Reply("campaign.survey_codes", {"title": title}),
            *(
                Reply(
                    "campaign.survey_code",
                    {
                        "unit": code.link.unit_name,
                        "link": code.url,
                        "word": survey.survey_word(code.link.token),
                        "file": {
                            "kind": "photo",
                            "key": code.file.key,
                            "caption": f"{code.link.unit_name} · 民主测评",
                        },
                    },
                )
                for code in codes
            ),
        ]
