"""The satisfaction survey (民主测评) as a public link per unit per campaign: opaque tokens,
anyone's one answer per unit (the ledger's key on a keyed hash of the account, nothing else of
them kept), an optional comment awaited after it, a per-account limit on how often the link
may be opened, and the office's QR codes and rates."""

from __future__ import annotations

import hashlib
import secrets
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from scoring.assessment import Answer, SurveyRates, survey_rates
from storage import campaign_scores, campaigns, files, outbox, units
from storage import campaign_survey as ledger
from storage.db import Database, Tx
from storage.files import StoredFile
from storage.models import TELEGRAM, Account, Person
from workflow.campaign_common import expect_state, load, office_only
from workflow.campaign_scoring import account_hash
from workflow.outcomes import Refused

#: What a survey link's start parameter begins with (the rest is the token).
PREFIX: Final = "sv-"
#: The word sent before a unit's token where no link opens the survey (WeCom: 「测评 <token>」).
SURVEY_WORD: Final = "测评"
#: A token's random bytes (22 characters of URL-safe base64: not guessable, not the unit id).
TOKEN_BYTES: Final = 16
#: The longest comment kept (the ledger allows 500; a survey comment is a line or two).
COMMENT_LIMIT: Final = 200
#: The 跳过 button's word, typed instead of pressed (WeCom members often do): no comment.
NO_COMMENT: Final = frozenset({"跳过", "skip"})
#: How far back survey starts are counted for the per-account limit.
WINDOW: Final = timedelta(minutes=1)
#: Accounts whose starts are remembered at most (the oldest forgotten first).
REMEMBERED: Final = 10_000
PNG: Final = "image/png"


def account_id(account: Account) -> str:
    """The account as the hash takes it (channel and id: one person's two channels differ)."""
    return f"{account.channel}:{account.external_id}"


def survey_word(token: str) -> str:
    """What a member of a channel without deep links sends to open a unit's survey."""
    return f"{SURVEY_WORD} {token}"


def token_of(code: str) -> str | None:
    """The token of a start parameter that is a survey link's, else None."""
    return code.removeprefix(PREFIX) if code.startswith(PREFIX) else None


class SurveyGate:
    """How often each account opened a survey link in the last minute, in memory only (a
    restart forgets it; answers are the ledger's). Over the limit the first refusal is told,
    later ones in the same minute are not answered at all."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._starts: dict[str, deque[datetime]] = {}
        self._told: dict[str, datetime] = {}

    def admit(self, account: Account, now: datetime) -> bool | None:
        """True: go on; False: refused, say so; None: refused, say nothing."""
        key = account_id(account)
        seen = self._starts.pop(key, deque())
        while seen and now - seen[0] >= WINDOW:
            seen.popleft()
        self._starts[key] = seen  # most recent last: the oldest account is forgotten first
        while len(self._starts) > REMEMBERED:
            self._starts.pop(next(iter(self._starts)))
        if len(seen) < self.limit:
            seen.append(now)
            self._told.pop(key, None)
            return True
        told = self._told.get(key)
        if told is not None and now - told < WINDOW:
            return None
        self._told[key] = now
        if len(self._told) > REMEMBERED:
            self._told.pop(next(iter(self._told)))
        return False


_GATES: weakref.WeakKeyDictionary[Database, SurveyGate] = weakref.WeakKeyDictionary()


def gate_for(db: Database, limit: int) -> SurveyGate:
    """The gate of a ledger's bot (one per process and ledger), its limit kept up to date."""
    gate = _GATES.get(db)
    if gate is None:
        gate = _GATES[db] = SurveyGate(limit)
    gate.limit = limit
    return gate


@dataclass(frozen=True, slots=True)
class Opened:
    """What a survey link leads to: the campaign's title and the unit's name."""

    campaign_id: int
    unit_id: int
    title: str
    unit_name: str


@dataclass(frozen=True, slots=True)
class SurveyLink:
    """A unit's survey token in a campaign, with the unit's name."""

    unit_id: int
    unit_name: str
    token: str


async def _unit_name(tx: Tx, unit_id: int) -> str:
    """A unit's name (its id if it is gone)."""
    unit = await units.get_unit(tx, unit_id)
    return unit.name if unit is not None else str(unit_id)


async def _link(tx: Tx, token: str, account: Account) -> tuple[Opened, str]:
    """The link's campaign and unit, and the account's hash; refused for a forged token, a
    campaign no longer running (the survey is over) or an account that answered."""
    found = await ledger.by_token(tx, token)
    if found is None:
        raise Refused("campaign_survey_unknown")
    campaign, _ = await load(tx, found.campaign_id)
    if campaign.state != "running":
        raise Refused("campaign_survey_over", title=campaign.title)
    hashed = account_hash(await ledger.key(tx), campaign.id, account_id(account))
    if await ledger.answered(tx, campaign.id, found.unit_id, hashed):
        raise Refused("campaign_survey_answered")
    name = await _unit_name(tx, found.unit_id)
    return Opened(campaign.id, found.unit_id, campaign.title, name), hashed


async def open_link(db: Database, gate: SurveyGate, token: str, account: Account) -> Opened:
    """Someone (a member or not) opened a unit's survey link: what they are asked about, or
    Refused (too many starts, a forged token, the survey over, answered already). Opening
    writes nothing but the hashing key, once."""
    admitted = gate.admit(account, db.clock())
    if admitted is None:
        raise Refused("campaign_survey_flood", quiet=True)
    if not admitted:
        raise Refused("campaign_survey_flood")
    async with db.transaction() as tx:
        opened, _ = await _link(tx, token, account)
    return opened


async def answer(
    db: Database, token: str, account: Account, given: Answer, wait: timedelta
) -> Opened:
    """Records the account's answer for the link's unit (once: the ledger's key decides, after
    any restart) and awaits its optional comment for `wait`."""
    async with db.transaction() as tx:
        opened, hashed = await _link(tx, token, account)
        if not await campaign_scores.answer_survey(
            tx, opened.campaign_id, opened.unit_id, hashed, given.value, ""
        ):
            raise Refused("campaign_survey_answered")
        await ledger.await_comment(tx, opened.campaign_id, opened.unit_id, hashed, tx.now + wait)
    return opened


async def _waiting(tx: Tx, account: Account) -> ledger.Waiting | None:
    """The account's answer whose comment is awaited now, if any (hashed per running campaign:
    the account itself is never looked up)."""
    if not await ledger.any_waiting(tx, tx.now):
        return None
    secret = await ledger.key(tx)
    running = [c.id for c in await campaigns.listed(tx) if c.state == "running"]
    hashes = [(cid, account_hash(secret, cid, account_id(account))) for cid in running]
    return await ledger.waiting(tx, hashes, tx.now)


async def awaiting_comment(db: Database, account: Account) -> bool:
    """Whether a comment of this account is awaited now (so a text it sends is that)."""
    async with db.reading() as tx:
        return await _waiting(tx, account) is not None


async def comment(db: Database, account: Account, text: str) -> bool:
    """Keeps the text as the awaited comment (trimmed; 跳过 typed is none; refused over the
    limit, the question standing); False when no comment of the account is awaited."""
    clean = text.strip()
    if clean.rstrip("。.!！").lower() in NO_COMMENT:
        clean = ""  # 跳过 typed, not pressed
    if len(clean) > COMMENT_LIMIT:
        raise Refused("campaign_survey_comment_long", limit=COMMENT_LIMIT)
    async with db.transaction() as tx:
        found = await _waiting(tx, account)
        if found is None:
            return False
        return await ledger.set_comment(
            tx, found.campaign_id, found.unit_id, found.account_hash, clean
        )


async def skip(db: Database, token: str, account: Account) -> bool:
    """跳过: no comment for the link's answer; False when none was awaited any more."""
    async with db.transaction() as tx:
        found = await ledger.by_token(tx, token)
        if found is None:
            raise Refused("campaign_survey_unknown")
        hashed = account_hash(await ledger.key(tx), found.campaign_id, account_id(account))
        return await ledger.set_comment(tx, found.campaign_id, found.unit_id, hashed, "")


async def links_in(tx: Tx, campaign_id: int, by: int | None) -> list[SurveyLink]:
    """Every unit of a running campaign with its token (made for those without one)."""
    campaign, _ = await load(tx, campaign_id)
    expect_state(campaign, "running")
    made = await ledger.links(tx, campaign_id)
    found = []
    for line in await campaigns.units_of(tx, campaign_id):
        token = made.get(line.unit_id)
        if token is None:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            await ledger.add_link(tx, campaign_id, line.unit_id, token, by)
        found.append(SurveyLink(line.unit_id, await _unit_name(tx, line.unit_id), token))
    return found


async def links(db: Database, office: Person, campaign_id: int) -> list[SurveyLink]:
    """The office's survey links of a running campaign, one per unit."""
    async with db.transaction() as tx:
        await office_only(tx, office)
        return await links_in(tx, campaign_id, office.id)


#: Renders a unit's QR code: (link, unit name, campaign title) → PNG bytes.
Render = Callable[[str, str, str], bytes]


@dataclass(frozen=True, slots=True)
class QrCode:
    """A unit's survey link and its QR code kept in the ledger."""

    link: SurveyLink
    url: str
    file: StoredFile


def _qr_key(campaign_id: int, link: SurveyLink, data: bytes) -> str:
    """A QR code's file key (once per content)."""
    digest = hashlib.sha256(data).hexdigest()
    return f"campaign:{campaign_id}:survey:{link.unit_id}:{digest}"


async def _store_codes(
    db: Database,
    campaign_id: int,
    title: str,
    found: list[SurveyLink],
    url: Callable[[str], str],
    render: Render,
) -> list[QrCode]:
    """Renders each link's QR code and keeps the PNGs in the ledger."""
    drawn = [(link, url(link.token)) for link in found]
    images = [(link, address, render(address, link.unit_name, title)) for link, address in drawn]
    codes = []
    async with db.transaction() as tx:
        for link, address, data in images:
            key = _qr_key(campaign_id, link, data)
            await files.put(tx, key, f"{title}-{link.unit_name}-测评二维码.png", PNG, data)
            stored = await files.get(tx, key)
            assert stored is not None
            codes.append(QrCode(link, address, stored))
    return codes


async def qr_codes(
    db: Database, office: Person, campaign_id: int, url: Callable[[str], str], render: Render
) -> tuple[str, list[QrCode]]:
    """📊 测评二维码: the campaign's title, and each unit's link and QR code (PNG) of a running
    campaign, for the office."""
    found = await links(db, office, campaign_id)
    async with db.reading() as tx:
        title = (await load(tx, campaign_id))[0].title
    return title, await _store_codes(db, campaign_id, title, found, url, render)


async def send_codes(
    db: Database,
    campaign_id: int,
    url: Callable[[str], str] | None,
    render: Render | None,
) -> int:
    """When a campaign has started: each unit's QR code, its link in the caption, queued to the
    office that planned it (once per unit: the outbox's key); an office reached on another
    channel than Telegram (no link opens the bot there) gets each unit's words to send, in one
    message, instead. Without a link to give (`url` None), nothing for Telegram. Returns the
    units queued."""
    async with db.transaction() as tx:
        campaign, _ = await load(tx, campaign_id)
        if campaign.state != "running":
            return 0
        found = await links_in(tx, campaign_id, None)
        where = await outbox.address_of(tx, campaign.created_by)
        if where is not None and where[1] != TELEGRAM:
            return await _send_words(tx, campaign_id, campaign.title, campaign.created_by, found)
    if where is None or url is None or render is None:
        return 0
    codes = await _store_codes(db, campaign_id, campaign.title, found, url, render)
    queued = 0
    async with db.transaction() as tx:
        for code in codes:
            word = survey_word(code.link.token)
            caption = f"{code.link.unit_name} · 民主测评\n{code.url}\n企业微信成员发送：「{word}」"
            queued += bool(
                await outbox.enqueue(
                    tx,
                    f"campaign:{campaign_id}:survey_qr:{code.link.unit_id}",
                    campaign.created_by,
                    {"file": code.file.key, "caption": caption, "plain_caption": True},
                    kind="photo",
                )
            )
        if queued:
            await tx.audit(None, "campaign.survey_codes", "campaign", campaign_id, codes=queued)
    return queued


async def _send_words(
    tx: Tx, campaign_id: int, title: str, office_id: int, found: list[SurveyLink]
) -> int:
    """Each unit's 「测评 <token>」 in one message to the office (once: the outbox's key)."""
    words = "\n".join(f"{link.unit_name}：「{survey_word(link.token)}」" for link in found)
    queued = await outbox.enqueue(
        tx,
        f"campaign:{campaign_id}:survey_words",
        office_id,
        {
            "notice": "campaign_survey_words",
            "params": {"title": title, "words": words},
            "item_id": None,
        },
    )
    if not queued:
        return 0
    await tx.audit(None, "campaign.survey_words", "campaign", campaign_id, units=len(found))
    return len(found)


async def rates(db: Database, office: Person, campaign_id: int) -> dict[int, SurveyRates]:
    """Each unit's survey counts so far (every unit of the campaign, none answered: zeros)."""
    async with db.reading() as tx:
        await office_only(tx, office)
        await load(tx, campaign_id)
        answers = await campaign_scores.survey_answers(tx, campaign_id)
        lines = await campaigns.units_of(tx, campaign_id)
    return {
        line.unit_id: survey_rates(Answer(a) for a in answers.get(line.unit_id, []))
        for line in lines
    }


def rates_line(found: SurveyRates) -> str:
    """A unit's survey counts and rates as the office's list shows them."""
    if not found.total:
        return "民主测评 0 人"
    return (
        f"民主测评 {found.total} 人：满意 {found.satisfied}（{found.percent(Answer.SATISFIED)}%）、"
        f"基本满意 {found.basic}（{found.percent(Answer.BASIC)}%）、"
        f"不满意 {found.dissatisfied}（{found.percent(Answer.DISSATISFIED)}%）"
    )
