"""Website news (中心新闻, 第七条): the editor sends an edited item to sign-off, a centre leader
signs (审签) or returns it, a network admin publishes it and pastes the URL, which records the
website's adoption (第九条) once.

An item both published on the website and printed in a 《工作简报》 issue counts at both
outlets (两处采用, accumulated per 第九条); naming one outlet for both in the configuration makes
it count once (the unique live adoption per item and outlet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from chat.actions import Button, Rows
from chat.actions import editor as ed
from chat.actions import item as it
from chat.actions import webnews as wn
from scoring.vocab import ItemState, Role
from storage import adoptions, items, people, routes, units, webnews
from storage.db import Database, Tx
from storage.models import Adoption, Item, Person
from storage.webnews import WebNews
from workflow.centre import REFERENCE_MAX, editor_grant, record_adoption_at
from workflow.notices import post
from workflow.outcomes import Notice, Refused
from workflow.rules import CentreRules
from workflow.submission import attachment_notices, check_reason, clean_text

PREVIEW = 1200  # characters of the body shown in a sign-off request


@dataclass(frozen=True, slots=True)
class Sent:
    """News sent (or sent again) to sign-off, how many leaders were asked, and the notices."""

    news: WebNews
    item: Item
    leaders: int
    notices: list[Notice] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Decided:
    """A leader's decision on a round, how many network admins were asked, and the notices."""

    news: WebNews
    item: Item
    approved: bool
    publishers: int = 0
    notices: list[Notice] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Published:
    """A publication: the URL, the adoption it recorded (None: one existed already), notices."""

    news: WebNews
    item: Item
    adoption: Adoption | None
    notices: list[Notice] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Entry:
    """A news item in a list, with its item's title and unit."""

    news: WebNews
    item: Item
    unit: str


@dataclass(frozen=True, slots=True)
class Waiting:
    """What website news waits for a person: to sign, to publish, or their own in progress."""

    to_sign: list[Entry] = field(default_factory=list)
    to_publish: list[Entry] = field(default_factory=list)
    mine: list[Entry] = field(default_factory=list)
    roles: frozenset[Role] = frozenset()


def check_url(text: str) -> str:
    """A pasted address as stored: one http(s) URL with a host and no spaces, else Refused."""
    url = clean_text(text)
    if len(url) > REFERENCE_MAX:
        raise Refused("web_url_too_long", limit=REFERENCE_MAX)
    if not url or any(ch.isspace() for ch in url):
        raise Refused("web_bad_url")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (a malformed port raises ValueError)
    except ValueError:
        raise Refused("web_bad_url") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise Refused("web_bad_url")
    return url


async def _holds(tx: Tx, person: Person, role: Role) -> bool:
    """Whether the person holds a centre-wide role now (in any unit)."""
    return any(g.role is role for g in await people.active_roles(tx, person.id))


async def _item(tx: Tx, item_id: int) -> Item:
    """The item, or Refused."""
    item = await items.get_item(tx, item_id)
    if item is None:
        raise Refused("item_unknown")
    return item


def sign_buttons(news_id: int, round_: int) -> Rows:
    """同意发布 / 退回 for one round."""
    return (
        (
            Button("btn.web_approve", wn.NewsAction("a", news_id, round_)),
            Button("btn.web_return", wn.NewsAction("r", news_id, round_)),
        ),
    )


def publish_buttons(news_id: int, round_: int) -> Rows:
    """已发布 for one approved round."""
    return ((Button("btn.web_published", wn.NewsAction("p", news_id, round_)),),)


def returned_buttons(item_id: int, news_id: int, round_: int) -> Rows:
    """修改 (the item's text) and 重新送审 after a return."""
    return (
        (
            Button("btn.edit", ed.ItemAction("edit", item_id)),
            Button("btn.web_resend", wn.NewsAction("s", news_id, round_)),
        ),
    )


async def _photo_notices(tx: Tx, item: Item, recipients: list[Person], event: str) -> list[Notice]:
    """The item's photos as they stand now, each sent just before a request (the site's too)."""
    found = await attachment_notices(tx, item, recipients, event)
    return [n for n in found if n.params["kind"] == "photo"]


async def _signing_notices(
    tx: Tx, news: WebNews, item: Item, unit: str, by: str, leaders: list[Person], key: str
) -> list[Notice]:
    """Asks every centre leader to sign the round, after the item's photos, with 同意发布 /
    退回 buttons (and 📄 全文 when the request shows only the start)."""
    body = news.body if len(news.body) <= PREVIEW else news.body[:PREVIEW] + "…"
    base = f"{news.id}:{news.round}"
    params = {
        "news": news.id,
        "round": news.round,
        "heading": news.heading,
        "body": body,
        "unit": unit,
        "by": by,
        "buttons": sign_buttons(news.id, news.round)
        + (((Button("btn.full_text", it.FullText(item.id)),),) if len(news.body) > PREVIEW else ()),
    }
    asks = [Notice(p.id, key, dict(params), item.id, event=base) for p in leaders if p.reachable]
    return await _photo_notices(tx, item, leaders, f"web:{base}:sign") + asks


async def _propose(tx: Tx, rules: CentreRules, editor: Person, item: Item) -> Sent:
    """Inside a transaction: creates or resends the item's news and asks the centre leaders."""
    if item.state is not ItemState.REGISTERED:
        raise Refused("web_not_registered", item=item.id)
    existing = await webnews.news_of_item(tx, item.id)
    if existing is None:
        news = await webnews.create_news(
            tx, item_id=item.id, heading=item.title, body=item.body, proposed_by=editor.id
        )
        await routes.add_route(tx, item.id, rules.publishing.website_outlet, editor.id)
    elif existing.state == "returned":
        if not await webnews.resend_news(
            tx,
            existing.id,
            round_=existing.round,
            heading=item.title,
            body=item.body,
            actor_id=editor.id,
        ):
            raise Refused("web_stale")
        resent = await webnews.get_news(tx, existing.id)
        assert resent is not None
        news = resent
    elif existing.state == "published":
        raise Refused("web_published", url=existing.url or "")
    else:
        raise Refused("web_in_progress", item=item.id, state=existing.state)
    unit = await units.get_unit(tx, item.unit_id)
    leaders = await people.role_holders_anywhere(tx, Role.CENTRE_LEADER)
    unit_name, key = unit.name if unit else "", "web_sign_request"
    notices = await _signing_notices(tx, news, item, unit_name, editor.name, leaders, key)
    await post(tx, notices)
    return Sent(news, item, len([p for p in leaders if p.reachable]), notices)


async def restart_in(tx: Tx, editor: Person, item: Item) -> list[Notice]:
    """Inside the edit's transaction: the item's website news, if under review or approved,
    goes back to sign-off with the changed text, saying why; whoever would publish the
    approved round is told to hold it."""
    news = await webnews.news_of_item(tx, item.id)
    if news is None or news.state not in ("signing", "approved"):
        return []
    if not await webnews.restart_news(
        tx, news.id, round_=news.round, heading=item.title, body=item.body, actor_id=editor.id
    ):
        return []
    again = await webnews.get_news(tx, news.id)
    assert again is not None
    unit = await units.get_unit(tx, item.unit_id)
    leaders = await people.role_holders_anywhere(tx, Role.CENTRE_LEADER)
    notices = await _signing_notices(
        tx, again, item, unit.name if unit else "", editor.name, leaders, "web_sign_again"
    )
    if news.state == "approved":
        notices += [
            Notice(
                p.id,
                "web_publish_held",
                {"news": news.id, "heading": news.heading, "by": editor.name},
                item.id,
                event=f"{news.id}:{news.round}",
            )
            for p in await people.role_holders_anywhere(tx, Role.NETWORK_ADMIN)
            if p.reachable
        ]
    await post(tx, notices)
    return notices


async def propose_in(tx: Tx, rules: CentreRules, editor: Person, item: Item) -> Sent:
    """Sends an item to website sign-off inside the caller's transaction (routing uses it)."""
    return await _propose(tx, rules, editor, item)


async def send(db: Database, rules: CentreRules, editor: Person, item_id: int) -> Sent:
    """The editor sends a registered item's current (edited) text to website sign-off."""
    async with db.transaction() as tx:
        await editor_grant(tx, editor)
        return await _propose(tx, rules, editor, await _item(tx, item_id))


async def resend(
    db: Database, rules: CentreRules, editor: Person, news_id: int, round_: int
) -> Sent:
    """A returned round goes back to sign-off with the item's current text (round + 1)."""
    async with db.transaction() as tx:
        await editor_grant(tx, editor)
        news = await webnews.get_news(tx, news_id)
        if news is None:
            raise Refused("web_unknown")
        if news.round != round_ or news.state != "returned":
            raise Refused("web_stale")
        return await _propose(tx, rules, editor, await _item(tx, news.item_id))


async def _signable(tx: Tx, leader: Person, news_id: int, round_: int) -> WebNews:
    """The news if this round still waits for a signature and the person may sign it."""
    if not await _holds(tx, leader, Role.CENTRE_LEADER):
        raise Refused("web_not_leader")
    news = await webnews.get_news(tx, news_id)
    if news is None:
        raise Refused("web_unknown")
    if news.round == round_ and news.state in ("approved", "published"):
        signer = await people.get_person(tx, news.signed_by) if news.signed_by else None
        raise Refused("web_already_signed", by=signer.name if signer else "")
    if news.round != round_ or news.state != "signing":
        raise Refused("web_stale")
    return news


async def check_signable(db: Database, leader: Person, news_id: int, round_: int) -> WebNews:
    """Checks, changing nothing, that the leader may still sign or return this round."""
    async with db.reading() as tx:
        return await _signable(tx, leader, news_id, round_)


def check_return_reason(text: str) -> str:
    """A return's reason, cleaned; refused when empty or over the limit (never cut)."""
    return check_reason(text, "web_return_needs_reason")


async def decide(
    db: Database,
    leader: Person,
    news_id: int,
    round_: int,
    *,
    approve: bool,
    reason: str | None = None,
) -> Decided:
    """A centre leader approves the round (network admins are asked to publish) or returns it."""
    if not approve:
        reason = check_return_reason(reason or "")
    async with db.transaction() as tx:
        news = await _signable(tx, leader, news_id, round_)
        item = await _item(tx, news.item_id)
        proposer = await people.get_person(tx, news.proposed_by)
        event = f"{news.id}:{news.round}"
        notices: list[Notice] = []
        publishers = 0
        if approve:
            if not await webnews.approve_news(tx, news.id, round_=round_, signer_id=leader.id):
                raise Refused("web_stale")
            admins = [
                p for p in await people.role_holders_anywhere(tx, Role.NETWORK_ADMIN) if p.reachable
            ]
            publishers = len(admins)
            unit = await units.get_unit(tx, item.unit_id)
            notices += await _photo_notices(tx, item, admins, f"web:{event}:publish")
            for admin in admins:
                assert admin.reachable
                notices.append(
                    Notice(
                        admin.id,
                        "web_publish_request",
                        {
                            "news": news.id,
                            "heading": news.heading,
                            "unit": unit.name if unit else "",
                            "by": leader.name,
                            "body": news.body
                            if len(news.body) <= PREVIEW
                            else news.body[:PREVIEW] + "…",
                            "buttons": (
                                *publish_buttons(news.id, news.round),
                                (Button("btn.full_text", it.FullText(item.id)),),
                            ),
                        },
                        item.id,
                        event=event,
                    )
                )
            if proposer and proposer.reachable:
                notices.append(
                    Notice(
                        proposer.id,
                        "web_approved",
                        {"news": news.id, "heading": news.heading, "by": leader.name},
                        item.id,
                        event=event,
                    )
                )
        else:
            assert reason is not None
            if not await webnews.return_news(
                tx, news.id, round_=round_, signer_id=leader.id, reason=reason
            ):
                raise Refused("web_stale")
            if proposer and proposer.reachable:
                notices.append(
                    Notice(
                        proposer.id,
                        "web_returned",
                        {
                            "news": news.id,
                            "heading": news.heading,
                            "by": leader.name,
                            "reason": reason,
                            "buttons": returned_buttons(item.id, news.id, news.round),
                        },
                        item.id,
                        event=event,
                    )
                )
        await post(tx, notices)
        stored = await webnews.get_news(tx, news.id)
        assert stored is not None
    return Decided(stored, item, approve, publishers, notices)


async def _publishable(tx: Tx, admin: Person, news_id: int, round_: int) -> WebNews:
    """The news if this round is approved and waits for the network admin to publish it."""
    if not await _holds(tx, admin, Role.NETWORK_ADMIN):
        raise Refused("web_not_network_admin")
    news = await webnews.get_news(tx, news_id)
    if news is None:
        raise Refused("web_unknown")
    if news.state == "published":
        publisher = await people.get_person(tx, news.published_by) if news.published_by else None
        raise Refused(
            "web_already_published", by=publisher.name if publisher else "", url=news.url or ""
        )
    if news.round != round_ or news.state != "approved":
        raise Refused("web_stale")
    return news


async def check_publishable(db: Database, admin: Person, news_id: int, round_: int) -> WebNews:
    """Checks, changing nothing, that the network admin may still publish this round."""
    async with db.reading() as tx:
        return await _publishable(tx, admin, news_id, round_)


async def publish(
    db: Database, rules: CentreRules, admin: Person, news_id: int, round_: int, url_text: str
) -> Published:
    """Records the published URL and, in the same transaction, the website's adoption (once)."""
    url = check_url(url_text)
    outlet = rules.outlets.get(rules.publishing.website_outlet)
    if outlet is None:
        raise Refused("outlet_unknown", name=rules.publishing.website_outlet)
    async with db.transaction() as tx:
        news = await _publishable(tx, admin, news_id, round_)
        item = await _item(tx, news.item_id)
        live = await adoptions.adoptions_of(tx, item.id)
        existing = next((a for a in live if a.outlet == outlet.name), None)
        adoption: Adoption | None = None
        notices: list[Notice] = []
        if existing is None:
            try:
                adoption, notices = await record_adoption_at(
                    tx,
                    rules,
                    item,
                    outlet,
                    adopted_on=rules.local_now(tx.now).date(),
                    recorder=admin,
                    reference=url,
                )
            except adoptions.DuplicateAdoption:
                adoption = None
        linked = adoption.id if adoption else existing.id if existing else None
        if not await webnews.publish_news(
            tx, news.id, round_=round_, url=url, actor_id=admin.id, adoption_id=linked
        ):
            raise Refused("web_stale")
        proposer = await people.get_person(tx, news.proposed_by)
        if proposer and proposer.reachable:
            notices.append(
                Notice(
                    proposer.id,
                    "web_published",
                    {"news": news.id, "heading": news.heading, "url": url, "by": admin.name},
                    item.id,
                    event=str(news.id),
                )
            )
        await post(tx, notices)
        stored = await webnews.get_news(tx, news.id)
        assert stored is not None
    return Published(stored, item, adoption, notices)


async def cancel_in(tx: Tx, actor: Person, item_id: int) -> WebNews | None:
    """Inside a transaction: stops the item's unpublished news (its website route was dropped)."""
    news = await webnews.news_of_item(tx, item_id)
    if news is None:
        return None
    if news.state == "published":
        raise Refused("route_web_published", url=news.url or "")
    await webnews.cancel_news(tx, news.id, actor_id=actor.id)
    return news


async def _entries(tx: Tx, found: list[WebNews]) -> list[Entry]:
    """News with their items' titles and units, for lists."""
    entries = []
    for news in found:
        item = await _item(tx, news.item_id)
        unit = await units.get_unit(tx, item.unit_id)
        entries.append(Entry(news, item, unit.name if unit else ""))
    return entries


async def waiting_for(db: Database, person: Person) -> Waiting:
    """/news: what waits for the person — to sign (leader), to publish (network admin),
    their own news not yet published (editor); Refused if they hold none of those roles."""
    async with db.reading() as tx:
        roles = frozenset(g.role for g in await people.active_roles(tx, person.id))
        relevant = roles & {Role.CENTRE_LEADER, Role.NETWORK_ADMIN, Role.EDITOR}
        if not relevant:
            raise Refused("web_no_role")
        to_sign = (
            await _entries(tx, await webnews.news_in_states(tx, ["signing"]))
            if Role.CENTRE_LEADER in roles
            else []
        )
        to_publish = (
            await _entries(tx, await webnews.news_in_states(tx, ["approved"]))
            if Role.NETWORK_ADMIN in roles
            else []
        )
        mine = (
            await _entries(
                tx, await webnews.news_in_states(tx, webnews.OPEN_STATES, proposed_by=person.id)
            )
            if Role.EDITOR in roles
            else []
        )
    return Waiting(to_sign, to_publish, mine, frozenset(relevant))
