"""Renders in a child process: the child does not outlive a bot killed mid-render."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.documents import offload

REPO = Path(__file__).resolve().parent.parent
PARENT = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from bot.documents import offload
asyncio.run(offload.render("time:sleep", 120))  # a render that outlives the test
"""


def children(pid: int) -> list[int]:
    """Live processes whose parent is pid (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether pid is a live (not zombie) process."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_render_child_exits_when_the_bot_is_killed() -> None:
    bot = subprocess.Popen([sys.executable, "-c", PARENT, str(REPO)])
    try:
        deadline = time.monotonic() + 60
        renderers: list[int] = []
        while not renderers and time.monotonic() < deadline:
            time.sleep(0.2)
            renderers = [
                pid
                for pid in children(bot.pid)
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
            ]
        assert renderers, "the render child never started"
        time.sleep(1.0)  # let it reach the render
        os.kill(bot.pid, signal.SIGKILL)
        bot.wait(10)
        deadline = time.monotonic() + 15
        while any(alive(pid) for pid in renderers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in renderers), "the render child outlived the bot"
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(10)


async def test_several_renders_share_one_child_and_keep_their_order() -> None:
    first, second = await offload.render_all(
        ("base64:b64encode", (b"\xe9\x80\x9a\xe6\x8a\xa5",)), ("zlib:compress", (b"x" * 100,))
    )
    assert first == b"6YCa5oql"
    assert second[:1] == b"x" and len(second) < 100  # zlib's header, then the compressed body
