"""Website-news buttons (`wn:`, 第七条): send an item to sign-off, and one round's sign,
return, published, resend and a return's confirm or cancel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, cast, get_args

from ._wire import ID, ROUND, digits, fits

PATTERN: Final = r"^wn:"
#: a(pprove), r(eturn), p(ublished), s (resend), c / x (a return's confirm / cancel)
Verb = Literal["a", "r", "s", "p", "c", "x"]
_VERBS: Final = get_args(Verb)
_DATA: Final = re.compile(rf"wn:(?:send:({ID})|([{''.join(_VERBS)}]):({ID}):({ROUND}))")


@dataclass(frozen=True, slots=True)
class SendNews:
    """The editor sends item `item_id` to website sign-off."""

    item_id: int


@dataclass(frozen=True, slots=True)
class NewsAction:
    """One round of one website news: approve, return, published, resend, confirm, cancel."""

    verb: Verb
    news_id: int
    round: int


Press = SendNews | NewsAction


def encode(press: Press) -> str:
    """`wn:send:<item>` or `wn:<verb>:<news>:<round>`."""
    if isinstance(press, SendNews):
        return fits(f"wn:send:{digits(press.item_id, 12)}")
    if press.verb not in _VERBS:
        raise ValueError(f"no news action {press.verb!r}")
    return fits(f"wn:{press.verb}:{digits(press.news_id, 12)}:{digits(press.round, 6)}")


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    match = _DATA.fullmatch(data)
    if match is None:
        return None
    if match[1] is not None:
        return SendNews(int(match[1]))
    return NewsAction(cast(Verb, match[2]), int(match[3]), int(match[4]))
