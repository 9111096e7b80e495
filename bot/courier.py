"""The outbox's background sender lives in `delivery.courier`; this name is kept for callers."""

from delivery.courier import MAX_NAP, Courier

__all__ = ["MAX_NAP", "Courier"]
