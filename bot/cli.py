"""The `baosong` command: set up the ledger, check the configuration, back up, show figures, run."""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.binding import bind_member
from bot.documents.bulletin import bulletin_text
from bot.jobs import post_bulletin
from bot.report import format_month, format_year
from bot.runner import serve
from bot.settings.errors import ConfigError
from bot.settings.loader import ENV_BOT_TOKEN, load_settings
from bot.settings.schema import Settings
from bot.wiring import centre_rules, telegram_options, wecom_config, work_calendar
from channels.telegram.adapter import send_outbox
from channels.telegram.context import BotData
from chat.texts import Texts
from delivery.outbox import DrainReport
from scoring.holidays import LAW_IN_FORCE_FROM
from scoring.vocab import Role, UnitKind
from scoring.workdays import DaySource
from storage import periods as periods_store
from storage.backup import BackupError, backup_database
from storage.db import Database, MigrationError
from storage.units import UnitSpec, sync_units
from workflow import periods as closing
from workflow.closing import month_period, year_period
from workflow.figures import (
    MonthDetails,
    MonthReport,
    YearReport,
    month_details,
    month_report,
    year_report,
)
from workflow.joining import BIND_WORD, create_invite
from workflow.outcomes import Refused

DESCRIPTION = """\
Baosong (报送): a Telegram bot that runs a government service centre's information
submission and scoring regulation.

First time:   baosong check-config   then   baosong init
Every day:    baosong run            (needs BAOSONG_BOT_TOKEN for a real Telegram bot)
Safety:       baosong backup FILE    (safe while the bot runs)
Calendar:     baosong calendar --year 2027   (holidays, make-up days, and where each comes from)
"""

KIND_NAMES = {
    UnitKind.WINDOW: "部门窗口",
    UnitKind.TOWNSHIP: "乡镇便民服务中心",
    UnitKind.TOWN_CENTRE: "镇政务服务中心",
    UnitKind.SECTION: "中心科室",
}


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface, with help a newcomer can follow."""
    parser = argparse.ArgumentParser(
        prog="baosong", description=DESCRIPTION, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="config file (default: $BAOSONG_CONFIG, else ./config.yaml)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "check-config",
        help="validate config.yaml and summarise it (units, outlets, calendar coverage)",
        description="Validate config.yaml; every problem is printed with its key path.",
    )
    init_parser = commands.add_parser(
        "init",
        help="create or upgrade the database and load the units from config.yaml",
        description="Create the database if needed, apply pending migrations, and make the "
        "ledger's units match config.yaml (units removed from the file are deactivated, "
        "never deleted). Changes to units take effect from this month (or --from), never in a "
        "closed one. Safe to run again at any time, e.g. after editing units.",
    )
    init_parser.add_argument(
        "--from",
        dest="from_month",
        metavar="YYYY-MM",
        help="the month the changed unit settings apply from (default: this month), e.g. "
        "2027-01 for next year's quotas and targets loaded in December",
    )
    backup = commands.add_parser(
        "backup",
        help="copy the live database to a file (consistent even while the bot runs)",
        description="Online backup with SQLite's backup API; the copy is verified before it "
        "replaces PATH.",
    )
    backup.add_argument("path", type=Path, metavar="PATH", help="where to write the copy")
    figures = commands.add_parser(
        "figures",
        help="print a month's or a year's figures per unit from the ledger",
        description="Print the figures a bulletin or year-end report is built from.",
    )
    which = figures.add_mutually_exclusive_group(required=True)
    which.add_argument("--month", metavar="YYYY-MM", help="a month, e.g. 2026-10")
    which.add_argument("--year", type=int, metavar="YYYY", help="a year, e.g. 2026")
    bulletin = commands.add_parser(
        "bulletin",
        help="build a month's bulletin (text, and optionally the .xlsx and .png files)",
        description="Print a month's bulletin as it would be posted and write its files. "
        "Dry run: nothing is sent (the scheduler posts it on the first working day).",
    )
    bulletin.add_argument("--month", required=True, metavar="YYYY-MM")
    bulletin.add_argument("--xlsx", type=Path, metavar="FILE", help="write the workbook here")
    bulletin.add_argument("--png", type=Path, metavar="FILE", help="write the chart here")
    bulletin.add_argument(
        "--send",
        action="store_true",
        help="post it now to the bulletin chats and every unit's signers (asks to confirm; "
        "a month already posted is never posted again)",
    )
    bulletin.add_argument("--yes", action="store_true", help="with --send: do not ask")
    annual = commands.add_parser(
        "annual",
        help="build a year's report: score, reward, assessment, deductions (text, .xlsx)",
        description="Print the year-end report (第十、十一、十二条) and optionally its workbook.",
    )
    annual.add_argument("--year", required=True, type=int, metavar="YYYY")
    annual.add_argument("--xlsx", type=Path, metavar="FILE", help="write the workbook here")
    invite = commands.add_parser(
        "invite",
        help="make a single-use invite link for a unit and role",
        description="Print a deep link (and its code) that binds whoever opens it to a unit and "
        "role. Roles: " + ", ".join(r.value for r in Role) + ". Centre roles (editor, …) name "
        "the person's section as the unit.",
    )
    invite.add_argument("--unit", help="the unit's name as in config.yaml")
    invite.add_argument("--role", required=True, choices=[r.value for r in Role])
    invite.add_argument("--json", action="store_true", help='print {"code": …, "link": …}')
    invite.add_argument(
        "--channel",
        choices=["telegram", "wecom"],
        default="telegram",
        help="where the person joins (wecom: they send 绑定 CODE to the app)",
    )
    invite.add_argument(
        "--name", help="the person's name (their name when they join; WeCom gives none)"
    )
    bind = commands.add_parser(
        "bind",
        help="bind a WeCom member (their userid) to a unit and role, no code exchanged",
        description="Registers the WeCom member with this userid (as in the admin console's "
        "address book) in a unit and role, under the name given, and tells them in the app.",
    )
    bind.add_argument("--userid", required=True, help="the member's WeCom userid")
    bind.add_argument("--name", required=True, help="the person's name, as signatures show it")
    bind.add_argument("--unit", help="the unit's name as in config.yaml")
    bind.add_argument("--role", required=True, choices=[r.value for r in Role])
    commands.add_parser(
        "check-wecom",
        help="check the WeCom app: fetch a token, print the callback URL, test the trusted IP",
    )
    sandbox_parser = commands.add_parser(
        "sandbox",
        help="try it without Telegram: local emulator, demo centre and a web chat page",
        description="Start a local Telegram emulator, the real bot connected to it, a demo "
        "centre (units, people for every role, a month of history) and a web page showing "
        "each demo person's chat, with time travel and reset. Everything listens on "
        "127.0.0.1 and nothing is kept. Ctrl-C stops it.",
    )
    sandbox_parser.add_argument(
        "--port", type=int, default=8080, help="web page port (default 8080; 0: any free)"
    )
    calendar = commands.add_parser(
        "calendar",
        help="list a year's weekdays off and weekend working days, and where each comes from",
        description="Print, in date order, every weekday that is not a working day and every "
        "weekend day that is, each with its source: package (chinesecalendar), config "
        "(calendar.extra_holidays / extra_workdays) or statutory (the fallback's statutory "
        "holidays for a year the package does not cover). The first line says whether the "
        "year is covered; a year that is not has unknown make-up days (调休).",
    )
    calendar.add_argument("--year", required=True, type=int, metavar="YYYY", help="e.g. 2027")
    period = commands.add_parser(
        "period",
        help="closed months and years: list them, show a version, reopen or close one",
        description="A month closes when its bulletin is posted, a year with its year-end "
        "report; a closed sheet never changes. Reopening (with a reason) keeps the published "
        "version; closing again writes the next version from the ledger.",
    )
    period_commands = period.add_subparsers(dest="period_command", required=True, metavar="ACTION")
    period_commands.add_parser("list", help="every period's versions and state")
    show = period_commands.add_parser("show", help="print one version of a period's sheet")
    show.add_argument("period", metavar="PERIOD", help="2026-10 (a month) or 2026 (a year)")
    show.add_argument("--version", type=int, help="a version number (default: the newest)")
    reopen = period_commands.add_parser("reopen", help="reopen a closed period, with a reason")
    reopen.add_argument("period", metavar="PERIOD")
    reopen.add_argument("--reason", required=True, help="why (kept with the old version)")
    close = period_commands.add_parser("close", help="close a reopened period: a new version")
    close.add_argument("period", metavar="PERIOD")
    commands.add_parser(
        "run",
        help="run the bot (with BAOSONG_BOT_TOKEN) or, without a token, the sandbox",
        description="Run the bot, polling the Telegram Bot API configured in config.yaml.",
    )
    return parser


#: Runs the sandbox (emulator, demo centre, web page) until Ctrl-C; raises OSError when
#: every port tried is busy. Plugged in by the `baosong` command (`baosong.cli`), which sits
#: above both this root and the sandbox.
SandboxRunner = Callable[[Settings, int, TextIO], Coroutine[Any, Any, None]]


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    *,
    sandbox_runner: SandboxRunner | None = None,
) -> int:
    """The commands of the `baosong` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    environment = dict(os.environ) if env is None else env
    stream = sys.stdout if out is None else out
    try:
        settings = load_settings(args.config, environment)
    except ConfigError as error:
        print(str(error), file=stream)
        return 1
    try:
        if args.command == "check-config":
            return check_config(settings, stream)
        if args.command == "init":
            return asyncio.run(init(settings, stream, args.from_month))
        if args.command == "period":
            return asyncio.run(period_command(settings, args, stream))
        if args.command == "backup":
            size = backup_database(settings.storage.path, args.path)
            print(f"备份完成: {args.path} ({size / 1024:.0f} KiB)", file=stream)
            return 0
        if args.command == "bulletin":
            status = bulletin_files(settings, args.month, args.xlsx, args.png, stream)
            if status or not args.send:
                return status
            return send_bulletin(settings, args.month, args.yes, stream)
        if args.command == "annual":
            return annual_files(settings, args.year, args.xlsx, stream)
        if args.command == "sandbox":
            return sandbox(settings, args.port, stream, sandbox_runner)
        if args.command == "invite":
            return asyncio.run(
                make_invite(
                    settings, args.unit, Role(args.role), args.json, stream, args.channel, args.name
                )
            )
        if args.command == "bind":
            role = Role(args.role)
            return asyncio.run(
                bind_member(settings, args.userid, args.name, args.unit, role, stream)
            )
        if args.command == "check-wecom":
            return asyncio.run(check_wecom(settings, stream))
        if args.command == "figures":
            return asyncio.run(figures(settings, args.month, args.year, stream))
        if args.command == "calendar":
            return show_calendar(settings, args.year, stream)
        return run(settings, stream, sandbox_runner)
    except (BackupError, MigrationError, ValueError) as error:
        print(f"错误: {error}", file=stream)
        return 1


def check_config(settings: Settings, out: TextIO) -> int:
    """Summarises a valid configuration and warns about calendar years it does not cover."""
    print(f"配置有效: {settings.config_path}", file=out)
    by_kind = dict.fromkeys(UnitKind, 0)
    for unit in settings.units:
        by_kind[unit.kind] += 1
    kinds = "，".join(f"{KIND_NAMES[kind]} {n}" for kind, n in by_kind.items() if n)
    print(f"单位 {len(settings.units)} 个: {kinds}", file=out)
    outlets = "，".join(f"{o.name}({o.level}级)" for o in settings.outlets)
    print(f"采用渠道: {outlets}", file=out)
    print(f"数据库: {settings.storage.path}", file=out)
    print(
        f"时区: {settings.timezone}；报送时限: {settings.deadline_working_days} 个工作日", file=out
    )
    calendar = work_calendar(settings)
    this_year = datetime.now(settings.zone).year
    for year in (this_year, this_year + 1):
        if calendar.covers(year):
            print(f"工作日历: {year} 年已覆盖 ({COVERED_BY[calendar.covered_by(year)]})", file=out)
        else:
            print(f"注意: {gap_warning(year, calendar.listed_dates(year))}", file=out)
    token = "已设置" if settings.bot_token else f"未设置 ({ENV_BOT_TOKEN})"
    print(f"机器人令牌: {token}", file=out)
    return 0


#: What covers a year, as check-config and the calendar command name it.
COVERED_BY: dict[DaySource | None, str] = {
    DaySource.PACKAGE: "chinesecalendar 软件包",
    DaySource.CONFIG: "config.yaml 的 calendar.complete_years",
    None: "未覆盖",
}
WEEKDAYS = "一二三四五六日"


def gap_warning(year: int, listed: int) -> str:
    """What the calendar does for an uncovered year, that its 调休 is unknown, and the fix."""
    partly = f"config.yaml 已填写 {year} 年的 {listed} 个日期，但未声明该年完整；" if listed else ""
    using = (
        "按周一至周五减去法定节假日"
        "（元旦、春节除夕至初三、清明、劳动节5月1–2日、端午、中秋、国庆10月1–3日）计算"
        if year >= LAW_IN_FORCE_FROM
        else "按周一至周五计算（现行法定节假日规则自 2025 年起适用）"
    )
    return (
        f"工作日历没有 {year} 年的官方放假安排，{using}；"
        f"{year} 年的调休上班日和调休放假日未知！{partly}"
        f"请在 config.yaml 的 calendar.extra_holidays / calendar.extra_workdays 中填写 {year} 年"
        f"的放假日期和调休上班日期，并把 {year} 加入 calendar.complete_years；"
        "或升级 chinesecalendar。"
    )


def show_calendar(settings: Settings, year: int, out: TextIO) -> int:
    """Prints `year`'s weekdays off and weekend working days with their sources, in date order."""
    if not 1900 <= year <= 2100:
        raise ValueError(f"年份应在 1900–2100 之间: {year}")
    calendar = work_calendar(settings)
    covered_by = calendar.covered_by(year)
    if covered_by is None:
        fallback = "周一至周五减去法定节假日" if year >= LAW_IN_FORCE_FROM else "周一至周五"
        print(f"{year} 年工作日历: 未覆盖，按{fallback}计算", file=out)
        print(f"⚠️ 警告: {gap_warning(year, calendar.listed_dates(year))}", file=out)
    else:
        print(f"{year} 年工作日历: 已覆盖 ({COVERED_BY[covered_by]})", file=out)
    for special in calendar.special_days(year):
        status = "调休上班" if special.working else "放假"
        weekday = WEEKDAYS[special.day.weekday()]
        name = f" {special.name}" if special.name else ""
        print(
            f"{special.day.isoformat()} 周{weekday} {status} {special.source.value}{name}", file=out
        )
    first = date(year, 1, 1)
    total = calendar.working_days_between(first, date(year, 12, 31))
    total += calendar.is_working_day(first)
    print(f"全年工作日 {total} 天", file=out)
    return 0


async def init(settings: Settings, out: TextIO, from_month: str | None = None) -> int:
    """Creates or upgrades the database and makes its units match the configuration."""
    specs = [
        UnitSpec(unit.name, unit.kind, unit.monthly_quota, unit.annual_target, unit.key)
        for unit in settings.units
    ]
    month = from_month or this_month(settings)
    if _month(month) is None:
        print(f"错误: 月份应写作 2026-10 这样的形式，而不是 {month!r}", file=out)
        return 2
    async with await Database.open(
        settings.storage.path, busy_timeout_ms=settings.storage.busy_timeout_ms
    ) as db:
        applied = await db.migrate()
        async with db.reading() as tx:
            closed = await periods_store.is_closed(tx, month) or await periods_store.is_closed(
                tx, month[:4]
            )
        if closed:
            print(
                f"错误: {month} 已结算，单位设置不能改动已结算的期间；请用 --from 指定之后的月份",
                file=out,
            )
            return 1
        async with db.transaction() as tx:
            report = await sync_units(tx, specs, from_month=month)
        newly_closed = await closing.close_posted(db, centre_rules(settings))
        version = await db.schema_version()
    print(f"数据库: {settings.storage.path} (结构版本 {version})", file=out)
    if applied:
        print(f"已应用迁移: {', '.join(str(v) for v in applied)}", file=out)
    if newly_closed:
        print(f"已结算已通报的期间: {', '.join(newly_closed)}", file=out)
    for label, names in (
        ("新增单位", report.added),
        ("更新单位", report.updated),
        ("停用单位", report.deactivated),
        ("恢复单位", report.reactivated),
    ):
        if names:
            print(f"{label} {len(names)} 个: {'，'.join(names)}", file=out)
    if report.changed:
        print(f"以上单位设置自 {month} 起生效；之前的期间不受影响。", file=out)
    else:
        print("单位与配置一致，无需更改。", file=out)
    return 0


def this_month(settings: Settings) -> str:
    """The centre's current month, 2026-10."""
    return datetime.now(settings.zone).strftime("%Y-%m")


async def period_command(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    """`baosong period list|show|reopen|close`: the closed sheets and their versions."""
    db = await _open_ledger(settings, out)
    if db is None:
        return 1
    async with db:
        action = args.period_command
        if action == "list":
            async with db.reading() as tx:
                found = [
                    await periods_store.versions(tx, name)
                    for name in await periods_store.all_periods(tx)
                ]
            if not found:
                print(
                    "还没有结算的期间（每月通报发布时结算该月，年度报告发布时结算该年）。", file=out
                )
            for versions in found:
                for row in versions:
                    state = "生效" if row.in_force else f"已重开（{row.reopen_reason}）"
                    print(
                        f"{row.period}  第 {row.version} 版  结算于 {_local(settings, row.closed_at)}  {state}",
                        file=out,
                    )
            return 0
        try:
            closing.parse_period(args.period)
        except ValueError as error:
            print(f"错误: {error}", file=out)
            return 2
        texts = Texts(settings.language.value)
        try:
            if action == "reopen":
                number = await closing.reopen(db, args.period, args.reason)
                print(
                    f"已重开 {args.period}（第 {number} 版保留）。更正完成后运行 "
                    f"baosong period close {args.period} 结算为第 {number + 1} 版。",
                    file=out,
                )
                return 0
            if action == "close":
                number = await closing.close(db, centre_rules(settings), args.period)
                print(f"已结算 {args.period}：第 {number} 版。", file=out)
                return 0
        except Refused as refused:
            print(texts(f"refused.{refused.key}", **refused.params), file=out)
            return 1
        return await _show_period(db, settings, args.period, args.version, out)


async def _show_period(
    db: Database, settings: Settings, period: str, number: int | None, out: TextIO
) -> int:
    """Prints one version of a closed period's sheet as it was published."""
    year, month = closing.parse_period(period)
    async with db.reading() as tx:
        row = (
            await periods_store.version(tx, period, number)
            if number is not None
            else await periods_store.latest(tx, period)
        )
    if row is None:
        print(f"{period} 没有这一版的结算表。", file=out)
        return 1
    print(_sheet_status(settings, row), file=out)
    if month is None:
        report = closing.load_year(row)
        print(format_year(year, report.lines), file=out)
    else:
        print(format_month(closing.load_month(row)), file=out)
    return 0


def _local(settings: Settings, moment: datetime) -> str:
    """A stored instant as the centre's wall clock, to the minute."""
    return moment.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M")


def _sheet_status(settings: Settings, row: periods_store.SheetRow) -> str:
    """The line above a closed sheet: its version, when it closed, whether it is in force."""
    state = "" if row.in_force else f"，已重开（{row.reopen_reason}）"
    return (
        f"（已结算：{row.period} 第 {row.version} 版，"
        f"结算于 {_local(settings, row.closed_at)}{state}；以下为发布时的数字）"
    )


async def figures(settings: Settings, month: str | None, year: int | None, out: TextIO) -> int:
    """Prints one month's (with year to date) or one year's figures per unit."""
    if not settings.storage.path.exists():
        print(f"错误: 数据库不存在 ({settings.storage.path})，请先运行 baosong init", file=out)
        return 1
    async with await Database.open(settings.storage.path) as db:
        if await db.schema_version() == 0:
            print("错误: 数据库尚未初始化，请先运行 baosong init", file=out)
            return 1
        if month is not None:
            match = re.fullmatch(r"(\d{4})-(\d{1,2})", month.strip())
            if match is None or not 1 <= int(match[2]) <= 12:
                print(f"错误: 月份应写作 2026-10 这样的形式，而不是 {month!r}", file=out)
                return 2
            report = await month_report(
                db, settings.scoring, settings.zone, int(match[1]), int(match[2])
            )
            print(format_month(report), file=out)
        else:
            assert year is not None
            lines = await year_report(db, settings.scoring, settings.zone, year)
            print(format_year(year, lines), file=out)
    return 0


def _month(text: str) -> tuple[int, int] | None:
    """(year, month) from 2026-10, or None."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        return None
    return int(match[1]), int(match[2])


async def _open_ledger(settings: Settings, out: TextIO) -> Database | None:
    """The ledger, or None after saying how to create it."""
    if not settings.storage.path.exists():
        print(f"错误: 数据库不存在 ({settings.storage.path})，请先运行 baosong init", file=out)
        return None
    db = await Database.open(settings.storage.path)
    if await db.schema_version() == 0:
        await db.close()
        print("错误: 数据库尚未初始化，请先运行 baosong init", file=out)
        return None
    return db


def bulletin_files(
    settings: Settings, month: str, xlsx: Path | None, png: Path | None, out: TextIO
) -> int:
    """Prints a month's bulletin text and writes its workbook and chart if asked."""
    period = _month(month)
    if period is None:
        print(f"错误: 月份应写作 2026-10 这样的形式，而不是 {month!r}", file=out)
        return 2
    found = asyncio.run(_month_report(settings, *period, out))
    if found is None:
        return 1
    report, status, details = found
    texts = Texts(settings.language.value)
    if status:
        print(status, file=out)
    for part in bulletin_text(texts, report):
        print(re.sub(r"</?b>", "", html.unescape(part)), file=out)
    if xlsx is not None:
        from bot.documents.workbook import month_workbook  # heavy: only for this command

        xlsx.write_bytes(month_workbook(report, details))
        print(f"已写入: {xlsx}", file=out)
    if png is not None:
        from bot.documents.charts import points_chart  # heavy: only for this command

        png.write_bytes(points_chart(report))
        print(f"已写入: {png}", file=out)
    if report.version is None:
        print("（预览，未发送；机器人在每月第一个工作日自动发布，发布时该月结算。）", file=out)
    return 0


def send_bulletin(settings: Settings, month: str, yes: bool, out: TextIO) -> int:
    """Posts a month's bulletin now, after confirmation; needs the bot token."""
    if settings.bot_token is None:
        print(f"错误: 发送需要机器人令牌 ({ENV_BOT_TOKEN})", file=out)
        return 1
    if not yes:
        print("确认现在发送这期通报？输入 yes 确认：", file=out, end=" ")
        if input().strip().lower() != "yes":
            print("已取消，未发送。", file=out)
            return 1
    period = _month(month)
    assert period is not None
    posted, report = asyncio.run(_send_bulletin(settings, *period))
    if not posted:
        print(f"{month} 的通报已经发送过，不再重复发送。", file=out)
        return 1
    print(
        f"已发送: {report.sent} 条，失败 {report.failed} 条，不确定 {report.uncertain} 条", file=out
    )
    return 0 if not report.failed else 1


async def _send_bulletin(settings: Settings, year: int, month: int) -> tuple[bool, DrainReport]:
    """Queues the bulletin once and drains the outbox through the configured Bot API."""
    assert settings.bot_token is not None
    db = await Database.open(settings.storage.path)
    async with db:
        services = BotData()
        services.setup(db, centre_rules(settings), telegram_options(settings))
        report = await closing.bulletin_report(db, settings.scoring, settings.zone, year, month)
        posted = await post_bulletin(services, services.schedule, report)
        sent = await send_outbox(
            settings.bot_token.get_secret_value(),
            str(settings.telegram.api_base_url),
            str(settings.telegram.file_base_url),
            db,
            services.texts,
            services.rules,
        )
    return posted, sent


async def _month_report(
    settings: Settings, year: int, month: int, out: TextIO
) -> tuple[MonthReport, str, MonthDetails] | None:
    """A month's bulletin (its published sheet once closed), a status line for a closed one
    and its adoptions and late items (as they stood when it closed); None if there is no
    ledger yet."""
    db = await _open_ledger(settings, out)
    if db is None:
        return None
    async with db:
        report = await closing.bulletin_report(db, settings.scoring, settings.zone, year, month)
        status, closed_at = "", None
        if report.version is not None:
            async with db.reading() as tx:
                row = await periods_store.version(tx, month_period(year, month), report.version)
            assert row is not None
            status, closed_at = _sheet_status(settings, row), row.closed_at
        details = await month_details(db, year, month, recorded_before=closed_at)
    return report, status, details


def annual_files(settings: Settings, year: int, xlsx: Path | None, out: TextIO) -> int:
    """Prints a year's report (its published sheet once closed) and writes its workbook."""
    found = asyncio.run(_year_report(settings, year, out))
    if found is None:
        return 1
    report, status = found
    if status:
        print(status, file=out)
    print(format_year(year, report.lines), file=out)
    if xlsx is not None:
        from bot.documents.workbook import year_workbook  # heavy: only for this command

        xlsx.write_bytes(year_workbook(year, report.lines))
        print(f"已写入: {xlsx}", file=out)
    if report.version is None:
        print("（未结算：年度报告发布时该年结算，之后数字不再改动。）", file=out)
    return 0


async def _year_report(settings: Settings, year: int, out: TextIO) -> tuple[YearReport, str] | None:
    """A year's report (its published sheet once closed) and a status line for a closed one;
    None if there is no ledger yet."""
    db = await _open_ledger(settings, out)
    if db is None:
        return None
    async with db:
        report = await closing.annual_report(db, settings.scoring, settings.zone, year)
        status = ""
        if report.version is not None:
            async with db.reading() as tx:
                row = await periods_store.version(tx, year_period(year), report.version)
            assert row is not None
            status = _sheet_status(settings, row)
    return report, status


async def make_invite(
    settings: Settings,
    unit: str | None,
    role: Role,
    as_json: bool,
    out: TextIO,
    channel: str = "telegram",
    name: str | None = None,
) -> int:
    """Creates an invite (for a named person, if given) and prints its deep link and code (on
    WeCom: what to send)."""
    if not settings.storage.path.exists():
        print(f"错误: 数据库不存在 ({settings.storage.path})，请先运行 baosong init", file=out)
        return 1
    async with await Database.open(settings.storage.path) as db:
        try:
            invite, found = await create_invite(
                db, centre_rules(settings), unit_name=unit, role=role, name=name
            )
        except Refused as refused:
            print(
                f"错误: {Texts(settings.language.value)('refused.' + refused.key, **refused.params)}",
                file=out,
            )
            return 1
    if channel == "wecom":
        send = f"{BIND_WORD} {invite.code}"
        if as_json:
            print(json.dumps({"code": invite.code, "send": send}, ensure_ascii=False), file=out)
            return 0
        print(
            f"邀请: {found.name if found else '中心'} / {role.value}，有效期至 {invite.expires_at:%Y-%m-%d %H:%M} UTC，仅可使用一次",
            file=out,
        )
        print(f"请对方在企业微信中向本应用发送: {send}", file=out)
        return 0
    name = settings.telegram.bot_username
    link = f"https://t.me/{name}?start={invite.code}" if name else None
    if as_json:
        print(json.dumps({"code": invite.code, "link": link}, ensure_ascii=False), file=out)
        return 0
    print(
        f"邀请: {found.name if found else '中心'} / {role.value}，有效期至 {invite.expires_at:%Y-%m-%d %H:%M} UTC，仅可使用一次",
        file=out,
    )
    if link:
        print(link, file=out)
    else:
        print("（config.yaml 未设置 telegram.bot_username，无法生成链接）", file=out)
    print(f"或向机器人发送: /start {invite.code}", file=out)
    return 0


def sandbox(settings: Settings, port: int, out: TextIO, runner: SandboxRunner | None) -> int:
    """Runs the sandbox until Ctrl-C (with the runner the `baosong` command plugs in)."""
    if runner is None:
        print(
            "错误: 此入口不含沙盒，请用 `baosong sandbox`（或 `python -m baosong sandbox`）。",
            file=out,
        )
        return 1
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(runner(settings, port, out))
    except OSError as error:  # every port tried was busy
        print(f"错误: {error}", file=out)
        return 1
    return 0


async def check_wecom(settings: Settings, out: TextIO) -> int:
    """Fetches a token with the configured secret, prints the callback URL to paste into the
    admin console, and whether WeCom takes calls from this server's IP (60020: not)."""
    config = wecom_config(settings)
    if config is None:
        print(
            "错误: 企业微信未配置（见 README“上线企业微信”一节的 BAOSONG_WECOM_* 变量）", file=out
        )
        return 1
    from channels.wecom.api import WeComClient
    from channels.wecom.errors import UntrustedIp, WeComError

    async with WeComClient(
        config.corp_id, config.secret, config.agent_id, base_url=config.api_base_url
    ) as client:
        try:
            await client.token()
        except WeComError as error:
            print(f"错误: 获取 access_token 失败: {error}", file=out)
            return 1
        print("access_token: 已获取（CorpID 与 Secret 正确）", file=out)
        print(
            f"回调 URL（填入管理后台“接收消息”）: https://<备案域名>{config.callback.path}"
            f"  → 反向代理转发到本机 {settings.wecom.listen}",
            file=out,
        )
        try:
            await client.download("baosong-check-wecom")  # no such file: any other error is fine
        except UntrustedIp:
            print("可信IP: 否（60020）——请在应用的“企业可信IP”中加入本服务器的出口IP", file=out)
            return 1
        except WeComError:
            pass
        print("可信IP: 是（WeCom 接受本服务器的调用）", file=out)
    return 0


def run(settings: Settings, out: TextIO, sandbox_runner: SandboxRunner | None) -> int:
    """Runs the bot until Ctrl-C: on Telegram with a token, on WeCom when it is configured,
    both when both are; with neither, the sandbox."""
    if settings.bot_token is None and wecom_config(settings) is not None:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        print(f"报送机器人启动（企业微信）: {settings.wecom.listen}（Ctrl-C 停止）", file=out)
        asyncio.run(serve(settings, None))
        return 0
    if settings.bot_token is None:
        print(
            f"未设置 {ENV_BOT_TOKEN}：启动本地沙盒（模拟 Telegram + 演示数据）。"
            "上线请设置机器人令牌（见 README“上线”一节）。",
            file=out,
        )
        return sandbox(settings, 8080, out, sandbox_runner)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    both = "，企业微信: " + settings.wecom.listen if wecom_config(settings) else ""
    print(f"报送机器人启动: {settings.telegram.api_base_url}{both}（Ctrl-C 停止）", file=out)
    asyncio.run(serve(settings, settings.bot_token.get_secret_value()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
