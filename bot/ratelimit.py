"""The paced limiter lives in `channels.telegram.ratelimit`; this name is kept for callers."""

from channels.telegram.ratelimit import (
    NO_RETRY,
    PacedRateLimiter,
    QueuedForLater,
    refused,
    retry_after_seconds,
)

__all__ = ["NO_RETRY", "PacedRateLimiter", "QueuedForLater", "refused", "retry_after_seconds"]
