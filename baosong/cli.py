"""The `baosong` console script: `bot.cli`'s commands, with `sandbox` (and `run` without a
token) running the sandbox."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TextIO

from bot import cli
from bot.settings.schema import Settings


async def run_sandbox(settings: Settings, port: int, out: TextIO) -> None:
    """The sandbox until Ctrl-C: its web stack is imported only when it is asked for."""
    from sandbox.run import run_sandbox as serve_sandbox

    await serve_sandbox(settings, port=port, out=out)


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Entry point of the `baosong` console script; returns the exit status."""
    return cli.main(argv, env, out, sandbox_runner=run_sandbox)
