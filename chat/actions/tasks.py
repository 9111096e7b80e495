"""Writing-task buttons (`tk:`): done, cancel, the cancel's confirm or keep, and the item an
informant links as the task's answer (`tk:link:<task>:<item>`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, cast, get_args

from ._wire import ID, digits, fits

PATTERN: Final = r"^tk:"
Verb = Literal["done", "cancel", "cancelok", "keep"]
_VERBS: Final = get_args(Verb)
_DATA: Final = re.compile(rf"tk:({'|'.join(_VERBS)}):({ID})")
_LINK: Final = re.compile(rf"tk:link:({ID}):({ID})")


@dataclass(frozen=True, slots=True)
class TaskAction:
    """Mark task `task_id` done, ask to cancel it, confirm the cancel, or keep it."""

    verb: Verb
    task_id: int


@dataclass(frozen=True, slots=True)
class TaskLink:
    """Task `task_id` is answered by item `item_id`: linked, and the task done."""

    task_id: int
    item_id: int


Press = TaskAction | TaskLink


def encode(press: Press) -> str:
    """`tk:<verb>:<task>` or `tk:link:<task>:<item>`."""
    if isinstance(press, TaskLink):
        return fits(f"tk:link:{digits(press.task_id, 12)}:{digits(press.item_id, 12)}")
    if press.verb not in _VERBS:
        raise ValueError(f"no task action {press.verb!r}")
    return fits(f"tk:{press.verb}:{digits(press.task_id, 12)}")


def decode(data: str) -> Press | None:
    """The press the data stands for, or None when it is forged or garbled."""
    if match := _LINK.fullmatch(data):
        return TaskLink(int(match[1]), int(match[2]))
    match = _DATA.fullmatch(data)
    return TaskAction(cast(Verb, match[1]), int(match[2])) if match else None
