"""`baosong run` as a real process against the fake Bot API: answers, then stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

import aiohttp

from sandbox.telegram.server import FakeBotApi

REPO = Path(__file__).resolve().parent.parent


async def test_run_answers_and_stops_cleanly(tmp_path: Path) -> None:
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    async with FakeBotApi() as server:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("BAOSONG_")},
            "BAOSONG_CONFIG": str(tmp_path / "config.yaml"),
            "BAOSONG_DB": str(tmp_path / "run.db"),
            "BAOSONG_API_BASE_URL": server.base_url,
            "BAOSONG_BOT_TOKEN": "4242:process-test",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env=env,
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            stranger = server.user(77, "路人")
            await stranger.send_text("/start")
            reply = await stranger.wait_for_reply(timeout=30)
            assert "还没有加入任何单位" in str(reply["text"])
            assert (tmp_path / "run.db").exists()
            # post_init ran: the default command menu is set and the jobs are scheduled.
            await server.wait_until(lambda: bool(server.calls_of("setMyCommands")), 30)
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0, output.decode()
        assert "报送机器人启动" in output.decode()


async def test_sandbox_command_serves_the_page(tmp_path: Path) -> None:
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BAOSONG_")},
        "BAOSONG_CONFIG": str(tmp_path / "config.yaml"),
        "BAOSONG_DB": str(tmp_path / "unused.db"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "baosong",
        "sandbox",
        "--port",
        "0",
        env=env,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        line = ""
        while "http://" not in line:  # log lines may come first
            line = (await asyncio.wait_for(process.stdout.readline(), timeout=60)).decode()
            assert line, "the sandbox exited before printing its address"
        url = line[line.index("http://") :].split()[0]
        async with aiohttp.ClientSession() as session, session.get(url + "api/people") as reply:
            people = await reply.json()
        assert any(p["name"] == "王芳" for p in people)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0
