"""Renders files (charts, workbooks, the bulletin .docx) in a short-lived child process.

matplotlib, openpyxl and python-docx take some 100 MB once imported and Python never gives it
back; a bot that renders a few files a month need not carry them. A render in a child also
leaves the bot's event loop free. Targets are named "module:function" so that this process
never imports them.
"""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def _watch_parent() -> None:
    """In the child: exits as soon as the bot that started it is gone (killed mid-render),
    instead of lingering with its 100 MB, blocked on a result nobody will read."""
    parent = os.getppid()

    def watch() -> None:
        """Polls the parent's pid twice a second."""
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _call(target: str, args: tuple[Any, ...]) -> bytes:
    """In the child: imports the target and calls it."""
    module, name = target.split(":")
    result = getattr(importlib.import_module(module), name)(*args)
    assert isinstance(result, bytes)
    return result


def _call_all(calls: tuple[tuple[str, tuple[Any, ...]], ...]) -> list[bytes]:
    """In the child: each call in turn."""
    return [_call(target, args) for target, args in calls]


async def render(target: str, *args: Any) -> bytes:
    """The bytes `module:function(*args)` returns, computed in a fresh child process."""
    (result,) = await render_all((target, args))
    return result


async def render_all(*calls: tuple[str, tuple[Any, ...]]) -> list[bytes]:
    """Several renders in one fresh child process (one start-up and one import for all)."""
    pool = ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_watch_parent
    )
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, _call_all, calls)
    finally:
        await asyncio.to_thread(pool.shutdown)
