"""The dialogues as flows of the conversation engine (`chat.dialogue`), channel-neutral:
each step's validator is the service's own check, and each flow finishes with the service
call whose transaction also ends the session.

Flows: /submit (kept aside, as PTB's conversation was), a sign-off's, an adoption's
withdrawal's and website news' return with their typed reasons and ✅ 确认, website news'
published URL, /visit, an editor's rewrite of an item, an adoption's typed date and its issue
number / URL, /brief's menu of an issue in progress and an issue's return with its reason and
✅ 确认, assessment campaigns' (/campaign, a decision's return, a returned plan's dates, a
unit's self-check, on-site scoring, settling a differing score, a filled score workbook sent
back, a 诫勉谈话, a rectification report and its return, 报备上级), and /announce (kept aside
too: text or file, audience, preview). `FLOWS` names them in the order a channel runs them
(`channels/telegram/handlers/dialogue.py`, `channels/wecom/dispatch.py`; docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final

from chat.dialogue import Engine, SessionStore

from ..briefs import Render
from .admin import AdminFlows
from .announce import AnnounceFlows, Announcing
from .base import Base, explain
from .brief_review import BriefReviewFlows
from .briefs import BriefFlows
from .campaigns import CampaignFlows
from .centre import CentreFlows
from .signoff import SignoffFlows
from .submit import SubmitFlows
from .visits import VisitFlows
from .webnews import WebnewsFlows

__all__ = ["FLOWS", "Announcing", "Dialogues", "explain"]

#: Every flow by name, in the order a channel's engine tries them (the first that a command
#: or press opens starts).
FLOWS: Final = (
    "submit",
    "return",
    "withdraw",
    "web_return",
    "web_url",
    "visit",
    "edit",
    "adoption_day",
    "adoption_ref",
    "invite",
    "brief",
    "brief_return",
    *("campaign", "campaign_return", "campaign_selfcheck", "campaign_redate"),
    *("campaign_scoring", "campaign_settle", "campaign_upload"),
    *("campaign_talk", "campaign_rectify", "campaign_rectify_return", "campaign_filing"),
    *("campaign_grade_change", "campaign_correct"),
    "announce",
)


class Dialogues(
    SubmitFlows,
    SignoffFlows,
    CentreFlows,
    WebnewsFlows,
    VisitFlows,
    AdminFlows,
    BriefFlows,
    BriefReviewFlows,
    CampaignFlows,
    AnnounceFlows,
    Base,
):
    """The flows over one ledger and its rules."""

    def engine(
        self,
        store: SessionStore,
        *,
        flows: Sequence[str] | None = None,
        clock: Callable[[], datetime] | None = None,
        announcing: Announcing | None = None,
        render_issue: Render | None = None,
    ) -> Engine:
        """An engine running these flows (all, or those named), sessions kept in `store`;
        `announcing` is what the channel layer hands /announce (limits, caption heading),
        `render_issue` what /brief's 送审 makes an issue's 清样 with."""
        every = {
            flow.name: flow
            for flow in (
                self.submit(),
                self.return_reason(),
                self.adoption_day(),
                self.adoption_reference(),
                self.withdraw(),
                self.web_return(),
                self.web_url(),
                self.visit(),
                self.edit(),
                self.invite(),
                self.brief(render_issue),
                self.brief_return(),
                *(self.campaign_plan(), self.campaign_return(), self.campaign_selfcheck()),
                *(self.campaign_redate(), self.campaign_scoring()),
                *(self.campaign_settle(), self.campaign_upload()),
                *(self.campaign_talk(), self.campaign_rectify(), self.campaign_rectify_return()),
                *(self.campaign_filing(), self.campaign_grade_change(), self.campaign_correct()),
                self.announce(announcing),
            )
        }
        return Engine(
            store,
            [every[name] for name in flows] if flows is not None else list(every.values()),
            clock=clock or self.db.clock,
            typed_answer=self.rules.typed_answer,
            explain=explain,
        )
