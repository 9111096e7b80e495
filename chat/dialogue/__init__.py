"""One conversation engine for every channel: a person's place in a dialogue is a persisted
session (flow, step, draft), linear dialogues are steps as data, and one router decides which
flow an inbound text, press, file or command belongs to."""

from .engine import Engine, Handled, aside_channel, held_channel
from .session import Inbound, Invalid, InviteLink, Ref, Reply, Session, SessionStore, Stop
from .steps import Flow, Step

__all__ = [
    "Engine",
    "Flow",
    "Handled",
    "Inbound",
    "Invalid",
    "InviteLink",
    "Ref",
    "Reply",
    "Session",
    "SessionStore",
    "Step",
    "Stop",
    "aside_channel",
    "held_channel",
]
