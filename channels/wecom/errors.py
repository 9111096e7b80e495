"""WeCom's failures as types, and how the outbox treats each (`chat.channel`'s verdicts).

Every WeCom answer carries an `errcode`; the client raises one of these for a non-zero code (or
for an `invaliduser` in a send's answer), and a network failure as `NotSent` (no byte of the
request left: sending again cannot double it) or `Lost` (the request left, no answer came: it
may have arrived). `classify` maps them onto `Retry`, `Fail` and `Uncertain`, so a WeCom adapter
keeps the outbox's one set of retry rules. `UntrustedIp` (60020) is its own type: the server's
outbound IP is not on the app's trusted list, nothing will get through until an admin fixes it,
so the caller alerts admins rather than failing rows quietly.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from chat.channel import Fail, Retry, Uncertain, Verdict

#: System busy: retry later.
BUSY: Final = -1
#: The access token is invalid (40014), missing (41001) or expired (42001): fetch a new one.
TOKEN_ERRORS: Final = frozenset({40014, 41001, 42001})
#: Too many calls (API frequency, including gettoken itself): back off longer.
RATE_LIMITED: Final = 45009
#: Too many concurrent calls: retry later.
CONCURRENCY: Final = 45033
#: The calling IP is not on the app's trusted list.
IP_NOT_TRUSTED: Final = 60020
#: No valid recipient in the message.
NO_VALID_RECIPIENT: Final = 81013

#: How long the outbox waits after 45009 before trying again (WeCom's windows are per minute).
RATE_LIMIT_BACKOFF: Final = timedelta(seconds=60)


class WeComError(Exception):
    """An error answer from WeCom's API: its `errcode` and `errmsg`, and which call it was."""

    def __init__(self, errcode: int, errmsg: str, api: str) -> None:
        super().__init__(f"{api}: errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.api = api


class Busy(WeComError):
    """-1 (system busy) or 45033 (too many concurrent calls): surely not done, retry later."""


class RateLimited(WeComError):
    """45009: the app called too often; back off longer than for `Busy`."""


class TokenRejected(WeComError):
    """40014, 41001, 42001: the token was refused even after one fresh fetch."""


class UntrustedIp(WeComError):
    """60020: the server's IP is not trusted by the app; admins must be told, loudly."""


class NoRecipient(WeComError):
    """81013, or the answer's `invaliduser` names the addressee: this message can never arrive."""

    def __init__(self, errcode: int, errmsg: str, api: str, users: tuple[str, ...] = ()) -> None:
        super().__init__(errcode, errmsg, api)
        self.users = users


class Unexpected(WeComError):
    """An answer that is not WeCom's shape (an HTTP error, not JSON, a field missing): it is
    unknown what became of the request."""


class NetworkError(Exception):
    """The HTTP exchange with WeCom failed; see `NotSent` and `Lost`."""

    def __init__(self, api: str, cause: BaseException) -> None:
        super().__init__(f"{api}: {type(cause).__name__}: {cause}")
        self.api = api


class NotSent(NetworkError):
    """No connection was made (refused, DNS, connect timeout): the request never left."""


class Lost(NetworkError):
    """The request left but no full answer came (read timeout, dropped connection)."""


def error_of(
    errcode: int, errmsg: str, api: str, invalid_users: tuple[str, ...] = ()
) -> WeComError:
    """The typed error for a non-zero errcode (81013 with the userids WeCom listed)."""
    if errcode in (BUSY, CONCURRENCY):
        return Busy(errcode, errmsg, api)
    if errcode == RATE_LIMITED:
        return RateLimited(errcode, errmsg, api)
    if errcode in TOKEN_ERRORS:
        return TokenRejected(errcode, errmsg, api)
    if errcode == IP_NOT_TRUSTED:
        return UntrustedIp(errcode, errmsg, api)
    if errcode == NO_VALID_RECIPIENT:
        return NoRecipient(errcode, errmsg, api, invalid_users)
    return WeComError(errcode, errmsg, api)


def classify(error: BaseException) -> Verdict | None:
    """How the outbox treats a failed WeCom call: busy and never-sent retry on the backoff, a
    rate limit waits a minute, a lost answer may have arrived, everything else WeCom refused
    fails the row (60020 too, after the caller has alerted admins); a failed token fetch
    retries, since the message itself never left. None if the error is not WeCom's."""
    match error:
        case Busy() | NotSent() | TokenRejected():
            return Retry()
        case RateLimited():
            return Retry(RATE_LIMIT_BACKOFF)
        case Lost(api="gettoken") | Unexpected(api="gettoken"):
            return Retry()  # the message itself never left
        case Lost() | Unexpected():
            return Uncertain(str(error))
        case UntrustedIp():
            return Fail(f"ip_not_trusted: {error}")
        case NoRecipient():
            return Fail(f"no_recipient: {error}")
        case WeComError():
            return Fail(str(error))
    return None
