"""The `baosong` command as an operator uses it: check-config, init, figures, backup, run."""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.cli import main
from sandbox.emulator import FakeBotApi
from storage.db import Database
from workflow import joining

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder holding a copy of the shipped config.yaml."""
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    return tmp_path


def baosong(workdir: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Runs the command with the copied config; returns exit status and output."""
    out = io.StringIO()
    status = main(["--config", str(workdir / "config.yaml"), *args], env=env or {}, out=out)
    return status, out.getvalue()


def test_check_config_summarises(workdir: Path) -> None:
    status, text = baosong(workdir, "check-config")
    assert status == 0
    assert "配置有效" in text
    assert "单位 16 个" in text
    assert "未设置 (BAOSONG_BOT_TOKEN)" in text


def test_check_config_names_the_bad_key(workdir: Path) -> None:
    config = workdir / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("monthly_quota: 2", "monthly_quota: -2", 1),
        encoding="utf-8",
    )
    status, text = baosong(workdir, "check-config")
    assert status == 1
    assert "monthly_quota: must be ≥ 0" in text


def test_init_creates_then_changes_nothing(workdir: Path) -> None:
    status, text = baosong(workdir, "init")
    assert status == 0
    assert "已应用迁移: 1, 2, 3, 4, 5, 6, 7, 8" in text
    assert "新增单位 16 个" in text
    status, text = baosong(workdir, "init")
    assert status == 0
    assert "无需更改" in text
    assert (workdir / "data" / "baosong.db").exists()


def test_init_follows_env_database(workdir: Path) -> None:
    target = workdir / "elsewhere.db"
    status, _ = baosong(workdir, "init", env={"BAOSONG_DB": str(target)})
    assert status == 0
    assert target.exists()


def test_figures_before_init_says_what_to_do(workdir: Path) -> None:
    status, text = baosong(workdir, "figures", "--month", "2026-10")
    assert status == 1
    assert "baosong init" in text


def test_figures_month_and_year(workdir: Path) -> None:
    baosong(workdir, "init")
    status, text = baosong(workdir, "figures", "--month", "2026-10")
    assert status == 0
    assert "2026年10月 信息报送情况" in text
    assert "市人社局窗口" in text
    status, text = baosong(workdir, "figures", "--year", "2026")
    assert status == 0
    assert "未完成调研文章的科室" in text


@pytest.mark.parametrize("month", ["2026-13", "10/2026", "二〇二六年十月"])
def test_figures_bad_month(workdir: Path, month: str) -> None:
    baosong(workdir, "init")
    status, text = baosong(workdir, "figures", "--month", month)
    assert status == 2
    assert "2026-10" in text


def test_backup_copies_the_ledger(workdir: Path) -> None:
    baosong(workdir, "init")
    status, text = baosong(workdir, "backup", str(workdir / "copy.db"))
    assert status == 0
    assert "备份完成" in text
    with closing(sqlite3.connect(workdir / "copy.db")) as copy:
        assert copy.execute("SELECT count(*) FROM units").fetchone() == (16,)


def test_backup_without_database(workdir: Path) -> None:
    status, text = baosong(workdir, "backup", str(workdir / "copy.db"))
    assert status == 1
    assert "baosong init" in text


def test_run_without_token_starts_the_sandbox(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []

    def fake_sandbox(settings: object, port: int, out: object) -> int:
        started.append(port)
        return 0

    monkeypatch.setattr("bot.cli.sandbox", fake_sandbox)
    status, text = baosong(workdir, "run")
    assert status == 0
    assert "启动本地沙盒" in text
    assert started == [8080]


def test_invite_prints_code_and_json(workdir: Path) -> None:
    baosong(workdir, "init")
    status, text = baosong(workdir, "invite", "--unit", "市人社局窗口", "--role", "informant")
    assert status == 0
    assert "/start " in text
    status, text = baosong(
        workdir, "invite", "--unit", "市人社局窗口", "--role", "informant", "--json"
    )
    assert status == 0
    payload = json.loads(text)
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", payload["code"])


def test_invite_unknown_unit(workdir: Path) -> None:
    baosong(workdir, "init")
    status, text = baosong(workdir, "invite", "--unit", "不存在", "--role", "leader")
    assert status == 1
    assert "不存在" in text


def test_bulletin_dry_run_writes_files(workdir: Path) -> None:
    baosong(workdir, "init")
    status, text = baosong(
        workdir,
        "bulletin",
        "--month",
        "2026-10",
        "--xlsx",
        str(workdir / "b.xlsx"),
        "--png",
        str(workdir / "b.png"),
    )
    assert status == 0
    assert "2026年10月 信息报送情况通报" in text
    assert "未发送" in text
    assert (workdir / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (workdir / "b.xlsx").read_bytes()[:2] == b"PK"


def test_annual_report(workdir: Path) -> None:
    baosong(workdir, "init")
    status, text = baosong(workdir, "annual", "--year", "2026", "--xlsx", str(workdir / "y.xlsx"))
    assert status == 0
    assert "2026年度 信息工作考核" in text
    assert (workdir / "y.xlsx").exists()


async def test_bulletin_send_posts_once(workdir: Path) -> None:
    async with FakeBotApi() as server:
        env = {
            "BAOSONG_API_BASE_URL": server.base_url,
            "BAOSONG_BOT_TOKEN": "4242:cli-send",
        }

        def run(*args: str) -> tuple[int, str]:
            out = io.StringIO()
            status = main(["--config", str(workdir / "config.yaml"), *args], env=env, out=out)
            return status, out.getvalue()

        await asyncio.to_thread(run, "init")
        status, text = await asyncio.to_thread(
            run, "invite", "--unit", "市人社局窗口", "--role", "window_head", "--json"
        )
        code = json.loads(text)["code"]
        async with await Database.open(workdir / "data" / "baosong.db") as db:
            await joining.redeem(db, code, tg_user_id=102, name="李明", username=None)
        head = server.user(102, "李明")
        status, text = await asyncio.to_thread(
            run, "bulletin", "--month", "2026-10", "--send", "--yes"
        )
        assert status == 0, text
        assert "已发送: 3 条" in text
        kinds = [next(k for k in ("text", "photo", "document") if k in m) for m in head.received()]
        assert kinds == ["text", "photo", "document"]
        status, text = await asyncio.to_thread(
            run, "bulletin", "--month", "2026-10", "--send", "--yes"
        )
        assert status == 1
        assert "已经发送过" in text
        assert len(head.received()) == 3
