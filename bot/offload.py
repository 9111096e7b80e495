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
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def _call(target: str, args: tuple[Any, ...]) -> bytes:
    """In the child: imports the target and calls it."""
    module, name = target.split(":")
    result = getattr(importlib.import_module(module), name)(*args)
    assert isinstance(result, bytes)
    return result


async def render(target: str, *args: Any) -> bytes:
    """The bytes `module:function(*args)` returns, computed in a fresh child process."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, _call, target, args)
    finally:
        await asyncio.to_thread(pool.shutdown)
