"""The `baosong` command as an operator uses it: check-config, init, figures, backup, calendar,
run."""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from baosong.cli import main
from bot import cli
from sandbox.telegram.server import FakeBotApi
from storage.db import Database
from tests.conftest import tg_account
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

    async def fake_sandbox(settings: object, port: int, out: object) -> None:
        started.append(port)

    monkeypatch.setattr("baosong.cli.run_sandbox", fake_sandbox)
    status, text = baosong(workdir, "run")
    assert status == 0
    assert "启动本地沙盒" in text
    assert started == [8080]


def test_root_cli_without_the_sandbox_says_which_command_has_it(workdir: Path) -> None:
    out = io.StringIO()
    status = cli.main(["--config", str(workdir / "config.yaml"), "sandbox"], env={}, out=out)
    assert status == 1
    assert "baosong sandbox" in out.getvalue()


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
            await joining.redeem(db, code, account=tg_account(102), name="李明", username=None)
        head = server.user(102, "李明")
        status, text = await asyncio.to_thread(
            run, "bulletin", "--month", "2026-10", "--send", "--yes"
        )
        assert status == 0, text
        assert "已发送: 4 条" in text  # the text, the chart, the workbook and the formal 通报
        kinds = [next(k for k in ("text", "photo", "document") if k in m) for m in head.received()]
        assert kinds == ["text", "photo", "document", "document"]
        status, text = await asyncio.to_thread(
            run, "bulletin", "--month", "2026-10", "--send", "--yes"
        )
        assert status == 1
        assert "已经发送过" in text
        assert len(head.received()) == 4


@time_machine.travel(datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_check_config_says_next_years_make_up_days_are_unknown(workdir: Path) -> None:
    status, text = baosong(workdir, "check-config")
    assert status == 0
    assert "工作日历: 2026 年已覆盖 (chinesecalendar 软件包)" in text
    (line,) = [line for line in text.splitlines() if "2027" in line]
    assert line.startswith("注意: ")
    assert "调休上班日和调休放假日未知" in line
    assert "calendar.complete_years" in line


@time_machine.travel(datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_check_config_complete_year_is_covered(workdir: Path) -> None:
    set_calendar(workdir, "  complete_years: [2027]\n")
    status, text = baosong(workdir, "check-config")
    assert status == 0
    assert "工作日历: 2027 年已覆盖 (config.yaml 的 calendar.complete_years)" in text
    assert "未知" not in text


def set_calendar(workdir: Path, lines: str) -> None:
    """Writes the shipped config.yaml into `workdir` with its calendar lists set to `lines`."""
    config = workdir / "config.yaml"
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    for key in ("extra_holidays", "extra_workdays", "complete_years"):
        text = text.replace(f"  {key}: []\n", "")
    config.write_text(text.replace("calendar:\n", "calendar:\n" + lines, 1), encoding="utf-8")


def test_calendar_of_an_uncovered_year(workdir: Path) -> None:
    status, text = baosong(workdir, "calendar", "--year", "2027")
    assert status == 0
    header, warning, *days, total = text.splitlines()
    assert header == "2027 年工作日历: 未覆盖，按周一至周五减去法定节假日计算"
    assert warning.startswith("⚠️ 警告: ")
    assert "2027 年的调休上班日和调休放假日未知" in warning
    assert days == [
        "2027-01-01 周五 放假 statutory 元旦",
        "2027-02-05 周五 放假 statutory 春节",
        "2027-02-08 周一 放假 statutory 春节",
        "2027-04-05 周一 放假 statutory 清明节",
        "2027-06-09 周三 放假 statutory 端午节",
        "2027-09-15 周三 放假 statutory 中秋节",
        "2027-10-01 周五 放假 statutory 国庆节",
    ]
    assert total == "全年工作日 254 天"  # 261 weekdays less the 7 statutory ones


def test_calendar_with_config_days_still_warns_until_complete(workdir: Path) -> None:
    set_calendar(
        workdir,
        "  extra_holidays: [2027-02-09, 2027-02-10]\n  extra_workdays: [2027-02-20]\n",
    )
    status, text = baosong(workdir, "calendar", "--year", "2027")
    assert status == 0
    assert "已填写 2027 年的 3 个日期，但未声明该年完整" in text
    assert "2027-02-09 周二 放假 config calendar.extra_holidays" in text
    assert "2027-02-20 周六 调休上班 config calendar.extra_workdays" in text
    set_calendar(
        workdir,
        "  extra_holidays: [2027-02-09, 2027-02-10]\n"
        "  extra_workdays: [2027-02-20]\n"
        "  complete_years: [2027]\n",
    )
    status, text = baosong(workdir, "calendar", "--year", "2027")
    assert status == 0
    assert text.splitlines()[0] == (
        "2027 年工作日历: 已覆盖 (config.yaml 的 calendar.complete_years)"
    )
    assert "警告" not in text
    assert "2027-02-08 周一 放假 statutory 春节" in text


def test_calendar_of_a_package_year(workdir: Path) -> None:
    status, text = baosong(workdir, "calendar", "--year", "2026")
    assert status == 0
    lines = text.splitlines()
    assert lines[0] == "2026 年工作日历: 已覆盖 (chinesecalendar 软件包)"
    assert "2026-02-14 周六 调休上班 package 春节" in lines
    assert "2026-10-01 周四 放假 package 国庆节" in lines
    assert "2026-10-10 周六 调休上班 package 国庆节" in lines
    dates = [line.split()[0] for line in lines[1:-1]]
    assert dates == sorted(dates)
    assert "警告" not in text


def test_calendar_year_out_of_range(workdir: Path) -> None:
    status, text = baosong(workdir, "calendar", "--year", "27")
    assert status == 1
    assert "1900–2100" in text


def test_help_lists_the_calendar_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "calendar" in capsys.readouterr().out
