"""Website news on the conversation engine: a leader's return with its reason (shown back and
held for ✅ 确认), the network admin's published URL."""

from __future__ import annotations

from chat.actions import Button
from chat.actions import webnews as wn
from chat.dialogue import Flow, Inbound, Invalid, Reply, Step, Stop

from .. import webnews
from ..outcomes import Refused
from .base import Base, Draft


def _stop(refused: Refused) -> Stop:
    """A refusal that ends the dialogue (decided meanwhile, no longer theirs)."""
    return Stop(Reply(f"refused.{refused.key}", dict(refused.params)))


class WebnewsFlows(Base):
    """Website news' return and URL."""

    def _news_draft(self, event: Inbound, press: wn.NewsAction) -> Draft:
        """The round a typed answer is about, and the pressed message (its buttons go)."""
        origin = dict(event.origin) if event.origin is not None else None
        return {"news": press.news_id, "round": press.round, "origin": origin}

    def web_return(self) -> Flow:
        """退回 on website news: the leader's press asks the reason, the reason is shown back
        (held), ✅ 确认 returns it to the editor and ✖️ 取消 keeps it."""

        async def start(event: Inbound) -> Draft | None:
            """The leader's 退回 on a round they may still sign."""
            press = event.press
            if not isinstance(press, wn.NewsAction) or press.verb != "r":
                return None
            person = await self._person(event.person_id)
            await webnews.check_signable(self.db, person, press.news_id, press.round)
            return self._news_draft(event, press)

        async def reason(event: Inbound, draft: Draft) -> Draft:
            """The reason (empty: asked again; too long: refused, the question stands); a round
            decided meanwhile ends the wait."""
            person = await self._person(event.person_id)
            try:
                checked = webnews.check_return_reason(event.text or "")
            except Refused as refused:
                if refused.key == "web_return_needs_reason":
                    raise Invalid(Reply("web.reason_empty")) from None
                raise
            try:
                await webnews.check_signable(
                    self.db, person, int(draft["news"]), int(draft["round"])
                )
            except Refused as refused:
                raise _stop(refused) from None
            return {"reason": checked}

        async def confirm(event: Inbound, draft: Draft) -> Draft:
            """✅ 确认 or ✖️ 取消 for this very round (another's is stale; this one stays)."""
            press = event.press
            assert isinstance(press, wn.NewsAction)
            await self._person(event.person_id)
            if (press.news_id, press.round) != (draft["news"], draft["round"]):
                raise Refused(
                    "confirm_stale", minutes=int(self.rules.typed_answer.total_seconds() // 60)
                )
            return {"confirmed": press.verb == "c"}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Returns the news with the reason shown (or keeps it, on ✖️ 取消)."""
            if not draft["confirmed"]:
                return [Reply("confirm.kept", how="toast"), Reply("web.return_kept", how="mark")]
            person = await self._person(event.person_id)
            try:
                decided = await webnews.decide(
                    self.db,
                    person,
                    int(draft["news"]),
                    int(draft["round"]),
                    approve=False,
                    reason=str(draft["reason"]),
                )
            except Refused as refused:
                raise _stop(refused) from None
            done = [
                Reply(
                    "web.returned_done",
                    {"news": decided.news.id, "reason": decided.news.return_reason},
                    how="mark",
                )
            ]
            if draft.get("origin"):  # the request's own buttons go too
                done.append(Reply("", {"origin": draft["origin"]}, how="clear"))
            return done

        def shown(draft: Draft) -> Reply:
            """The reason shown back with ✅ 确认 / ✖️ 取消."""
            news, round_ = int(draft["news"]), int(draft["round"])
            return Reply(
                "web.confirm_return",
                {"news": news, "reason": draft["reason"]},
                buttons=(
                    (
                        Button("btn.confirm_yes", wn.NewsAction("c", news, round_)),
                        Button("btn.confirm_no", wn.NewsAction("x", news, round_)),
                    ),
                ),
            )

        return Flow(
            name="web_return",
            what="wait.pending_web_return",
            start=start,
            steps=(
                Step(
                    "reason",
                    lambda draft: Reply("web.ask_reason", {"news": draft["news"]}),
                    reason,
                    next="confirm",
                ),
                Step(
                    "confirm",
                    shown,
                    confirm,
                    presses=(wn.NewsAction,),
                    takes_text=False,
                    held=True,
                    press_test=lambda press: getattr(press, "verb", "") in ("c", "x"),
                ),
            ),
            finish=finish,
        )

    def web_url(self) -> Flow:
        """已发布: the network admin's press asks the URL, the URL records the publication
        and the website's adoption."""

        async def start(event: Inbound) -> Draft | None:
            """The admin's 已发布 on a round they may still publish."""
            press = event.press
            if not isinstance(press, wn.NewsAction) or press.verb != "p":
                return None
            person = await self._person(event.person_id)
            await webnews.check_publishable(self.db, person, press.news_id, press.round)
            return self._news_draft(event, press)

        async def url(event: Inbound, draft: Draft) -> Draft:
            """Any text; the service checks the address when it publishes."""
            return {"url": event.text or ""}

        async def finish(event: Inbound, draft: Draft) -> list[Reply]:
            """Publishes; a bad address leaves the question, anything else refused ends it."""
            person = await self._person(event.person_id)
            try:
                published = await webnews.publish(
                    self.db,
                    self.rules,
                    person,
                    int(draft["news"]),
                    int(draft["round"]),
                    str(draft["url"]),
                )
            except Refused as refused:
                if refused.key in ("web_bad_url", "web_url_too_long"):
                    raise  # paste it again
                raise _stop(refused) from None
            adoption = published.adoption
            counted = (
                Reply(
                    "web.adoption_recorded",
                    {"outlet": adoption.outlet, "level": adoption.level, "points": adoption.points},
                )
                if adoption is not None
                else Reply("web.adoption_existed")
            )
            done = [
                Reply(
                    "web.published_done",
                    {
                        "news": published.news.id,
                        "url": published.news.url,
                        "outlet": self.rules.publishing.website_outlet,
                    },
                    also=(counted,),
                )
            ]
            if draft.get("origin"):  # the 已发布 button goes first
                done.insert(0, Reply("", {"origin": draft["origin"]}, how="clear"))
            return done

        return Flow(
            name="web_url",
            what="wait.pending_web_url",
            start=start,
            steps=(Step("url", lambda draft: Reply("web.ask_url", {"news": draft["news"]}), url),),
            finish=finish,
        )
