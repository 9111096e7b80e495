"""Tests of bot.settings: the shipped config.yaml, environment overrides, and error messages."""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest

from bot.settings.errors import ConfigError
from bot.settings.loader import load_settings
from bot.settings.schema import Settings
from bot.settings.sections import (
    DEFAULT_CATEGORIES,
    DEFAULT_OUTLETS,
    DEFAULT_SIGNOFF_CHAINS,
    Language,
    QuietHours,
)
from scoring.policy import ScoringPolicy
from scoring.vocab import Role, UnitKind
from workflow.rules import JudgedAt

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "config.yaml"
CORPUS = Path(__file__).resolve().parent / "config_corpus"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
MINIMAL = "units:\n  - {name: 综合科, kind: section, monthly_quota: 1, annual_target: 10}\n"
EXPECT = re.compile(r"# expect: (?P<path>.+?): (?P<fragment>.+)")


def write(directory: Path, text: str, name: str = "config.yaml") -> Path:
    """Write a config file into a test directory and return its path."""
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path | None, env: dict[str, str] | None = None) -> ConfigError:
    """Load a config that must fail and return the ConfigError."""
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env or {})
    return caught.value


# --- the shipped file --------------------------------------------------------------------------


def test_shipped_config_loads_with_regulation_defaults() -> None:
    """The sample config.yaml is valid and keeps the regulation's numbers."""
    settings = load_settings(SHIPPED, {})
    assert settings.timezone == "Asia/Shanghai"
    assert settings.zone.key == "Asia/Shanghai"
    assert settings.language is Language.ZH
    assert settings.telegram.api_base_url == "https://api.telegram.org/bot"
    assert settings.telegram.file_base_url == "https://api.telegram.org/file/bot"
    assert settings.storage.path == REPO / "data" / "baosong.db"
    assert settings.storage.busy_timeout_ms == 5000
    assert settings.deadline_working_days == 2
    assert settings.timeliness_judged_at is JudgedAt.CENTRE
    assert settings.deadline_exempt_categories == ("research",)
    assert settings.signoff_any_of is True
    assert settings.signoff_chains == DEFAULT_SIGNOFF_CHAINS
    assert settings.chain_for(UnitKind.WINDOW) == (Role.WINDOW_HEAD, Role.LEADER)
    assert settings.outlets == DEFAULT_OUTLETS
    assert settings.categories == DEFAULT_CATEGORIES
    assert settings.scoring == ScoringPolicy()
    assert settings.bulletin.time == time(9, 0)
    assert settings.reminders.quiet_hours == QuietHours()
    assert settings.reminders.signoff_after_working_days == 1
    assert settings.reminders.quota_warning_working_days_before_month_end == 5
    assert settings.invites.ttl_hours == 72
    assert settings.bot_token is None
    assert settings.config_path == SHIPPED


def test_shipped_config_has_a_realistic_centre() -> None:
    """The sample names every kind of unit, including the two town centres of 第三条."""
    settings = load_settings(SHIPPED, {})
    kinds = {unit.name: unit.kind for unit in settings.units}
    assert kinds["市市场监管局窗口"] is UnitKind.WINDOW
    assert kinds["小汉镇政务服务中心"] is UnitKind.TOWN_CENTRE
    assert kinds["向阳镇政务服务中心"] is UnitKind.TOWN_CENTRE
    assert kinds["政府采购中心"] is UnitKind.SECTION
    assert set(kinds.values()) == set(UnitKind)


def test_every_key_of_the_shipped_config_is_commented() -> None:
    """Each key line is preceded by a comment or carries one (DESIGN.md principle 7)."""
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    key = re.compile(r"\s*[a-z_]+:")
    for number, line in enumerate(lines):
        if key.match(line):
            before = lines[number - 1].strip() if number else ""
            assert before.startswith("#") or "#" in line, f"line {number + 1} lacks a comment"


def test_minimal_config_takes_defaults(tmp_path: Path) -> None:
    """A file with only units gets every default of the regulation."""
    settings = load_settings(write(tmp_path, MINIMAL), {})
    assert settings.units[0].annual_target == Decimal(10)
    assert settings.admins == ()
    assert settings.categories == DEFAULT_CATEGORIES
    assert settings.scoring.research_category in settings.category_keys
    assert settings.calendar.extra_holidays == ()
    assert settings.telegram.bot_username is None


def test_exempt_categories_default_to_the_research_category(tmp_path: Path) -> None:
    """Unset, the exempt list follows scoring.research_category; set, it is taken as given."""
    renamed = (
        MINIMAL
        + "categories:\n  - {key: news, name: 工作动态}\n  - {key: studies, name: 调研报告}\n"
        + "scoring:\n  research_category: studies\n"
    )
    settings = load_settings(write(tmp_path, renamed), {})
    assert settings.deadline_exempt_categories == ("studies",)
    assert settings.timeliness_judged_at is JudgedAt.CENTRE
    given = MINIMAL + "deadline_exempt_categories: []\ntimeliness_judged_at: submission\n"
    settings = load_settings(write(tmp_path, given), {})
    assert settings.deadline_exempt_categories == ()
    assert settings.timeliness_judged_at is JudgedAt.SUBMISSION


def test_partial_signoff_chains_keep_defaults_for_other_kinds(tmp_path: Path) -> None:
    """A chain given for one kind leaves the other kinds at their 第三条 defaults."""
    path = write(tmp_path, MINIMAL + "signoff_chains:\n  section: [informant]\n")
    settings = load_settings(path, {})
    assert settings.chain_for(UnitKind.SECTION) == (Role.INFORMANT,)
    assert settings.chain_for(UnitKind.TOWNSHIP) == (Role.LEADER,)
    assert set(settings.signoff_chains) == set(UnitKind)


def test_unquoted_times_and_dates_read_as_written(tmp_path: Path) -> None:
    """YAML 1.1 would read 20:00 as 1200; the loader keeps it a time."""
    text = MINIMAL + (
        "bulletin: {time: 21:30}\n"
        "reminders: {quiet_hours: {start: 22:00, end: 7:30}}\n"
        "calendar: {extra_workdays: [2026-09-27]}\n"
    )
    settings = load_settings(write(tmp_path, text), {})
    assert settings.bulletin.time == time(21, 30)
    assert settings.reminders.quiet_hours.start == time(22, 0)
    assert settings.reminders.quiet_hours.end == time(7, 30)
    assert settings.calendar.extra_workdays == (date(2026, 9, 27),)


def test_calendar_complete_years(tmp_path: Path) -> None:
    """complete_years reads as a tuple of years; it defaults to none."""
    text = MINIMAL + "calendar: {complete_years: [2027, 2028], extra_workdays: [2027-02-20]}\n"
    calendar = load_settings(write(tmp_path, text), {}).calendar
    assert calendar.complete_years == (2027, 2028)
    assert calendar.extra_workdays == (date(2027, 2, 20),)
    assert load_settings(write(tmp_path, MINIMAL), {}).calendar.complete_years == ()


def test_bot_username_drops_the_at_sign(tmp_path: Path) -> None:
    """People paste @names; deep links need the bare username."""
    path = write(tmp_path, MINIMAL + "telegram: {bot_username: '@baosong_bot'}\n")
    assert load_settings(path, {}).telegram.bot_username == "baosong_bot"


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [(time(19, 59), False), (time(20, 0), True), (time(2, 0), True), (time(8, 0), False)],
)
def test_quiet_hours_span_midnight(moment: time, quiet: bool) -> None:
    """20:00–08:00 covers the night and ends at 08:00 sharp."""
    assert QuietHours().contains(moment) is quiet


def test_equal_quiet_hours_mean_none() -> None:
    """start == end is the documented way to have no quiet hours."""
    assert not QuietHours(start=time(8, 0), end=time(8, 0)).contains(time(8, 0))


def test_settings_are_frozen() -> None:
    """Settings cannot be changed after loading."""
    settings = load_settings(SHIPPED, {})
    with pytest.raises(ValueError, match="frozen"):
        settings.language = Language.EN  # type: ignore[misc]


# --- file choice and environment ---------------------------------------------------------------


def test_baosong_config_wins_over_the_path(tmp_path: Path) -> None:
    """BAOSONG_CONFIG names the file even when a path is given."""
    chosen = write(tmp_path, MINIMAL + "language: en\n", name="chosen.yaml")
    settings = load_settings(SHIPPED, {"BAOSONG_CONFIG": str(chosen)})
    assert settings.language is Language.EN
    assert settings.config_path == chosen


def test_default_file_is_config_yaml_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With neither BAOSONG_CONFIG nor a path, ./config.yaml is loaded."""
    write(tmp_path, MINIMAL)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, {})
    assert settings.config_path == tmp_path / "config.yaml"
    assert settings.storage.path == tmp_path / "data" / "baosong.db"


def test_relative_storage_path_resolves_against_the_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """storage.path is relative to the file, not to wherever the bot was started."""
    config_dir = tmp_path / "etc" / "baosong"
    config_dir.mkdir(parents=True)
    write(config_dir, MINIMAL + "storage: {path: db/centre.db}\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings(Path("etc/baosong/config.yaml"), {})
    assert settings.storage.path == config_dir / "db" / "centre.db"


def test_absolute_storage_path_is_kept(tmp_path: Path) -> None:
    """An absolute storage.path is used as written."""
    target = tmp_path / "elsewhere" / "b.db"
    path = write(tmp_path, MINIMAL + f"storage: {{path: '{target}'}}\n")
    assert load_settings(path, {}).storage.path == target


def test_baosong_db_overrides_storage_path(tmp_path: Path) -> None:
    """BAOSONG_DB replaces storage.path."""
    target = tmp_path / "override.db"
    settings = load_settings(write(tmp_path, MINIMAL), {"BAOSONG_DB": str(target)})
    assert settings.storage.path == target


def test_relative_baosong_db_resolves_against_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative BAOSONG_DB is a command-line path: relative to where the bot starts."""
    config_dir = tmp_path / "conf"
    config_dir.mkdir()
    path = write(config_dir, MINIMAL)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(path, {"BAOSONG_DB": "run/b.db"})
    assert settings.storage.path == tmp_path / "run" / "b.db"


def test_baosong_api_base_url_overrides_telegram(tmp_path: Path) -> None:
    """BAOSONG_API_BASE_URL points the bot at another Bot API server."""
    env = {"BAOSONG_API_BASE_URL": "http://127.0.0.1:8081/bot"}
    settings = load_settings(write(tmp_path, MINIMAL + "telegram: {}\n"), env)
    assert settings.telegram.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.telegram.file_base_url == "https://api.telegram.org/file/bot"


def test_bad_env_override_is_reported_with_its_variable(tmp_path: Path) -> None:
    """A bad override names the key and the variable it came from."""
    error = error_of(write(tmp_path, MINIMAL), {"BAOSONG_API_BASE_URL": "localhost:8081"})
    assert error.problems == (
        "telegram.api_base_url: must be a URL starting with http:// or https://, like the "
        "default (value from BAOSONG_API_BASE_URL)",
    )


def test_empty_env_values_count_as_unset(tmp_path: Path) -> None:
    """An exported but empty variable does not override anything."""
    env = {"BAOSONG_CONFIG": "", "BAOSONG_DB": "", "BAOSONG_BOT_TOKEN": ""}
    settings = load_settings(write(tmp_path, MINIMAL), env)
    assert settings.bot_token is None
    assert settings.storage.path == tmp_path / "data" / "baosong.db"


def test_bot_token_comes_from_the_environment(tmp_path: Path) -> None:
    """BAOSONG_BOT_TOKEN becomes a SecretStr on the settings."""
    settings = load_settings(write(tmp_path, MINIMAL), {"BAOSONG_BOT_TOKEN": TOKEN})
    assert settings.bot_token is not None
    assert settings.bot_token.get_secret_value() == TOKEN


def test_bot_token_never_prints(tmp_path: Path) -> None:
    """Neither repr, str, nor a JSON dump of the settings shows the token."""
    settings = load_settings(write(tmp_path, MINIMAL), {"BAOSONG_BOT_TOKEN": TOKEN})
    for shown in (repr(settings), str(settings), settings.model_dump_json(), str(dict(settings))):
        assert TOKEN not in shown
        assert TOKEN.split(":")[1] not in shown


def test_malformed_token_is_an_error_that_hides_it(tmp_path: Path) -> None:
    """A token with a stray space is refused without echoing it."""
    secret = "123456:abc def"
    error = error_of(write(tmp_path, MINIMAL), {"BAOSONG_BOT_TOKEN": secret})
    assert len(error.problems) == 1
    assert error.problems[0].startswith("BAOSONG_BOT_TOKEN: does not look like a bot token")
    assert "abc" not in str(error)


def test_settings_built_in_code_need_units() -> None:
    """The schema itself, not only the loader, requires units."""
    with pytest.raises(ValueError, match="units"):
        Settings.model_validate({})


# --- errors ------------------------------------------------------------------------------------


def test_missing_file_names_the_path_and_the_fix(tmp_path: Path) -> None:
    """A missing file says which path was tried and how to provide one."""
    missing = tmp_path / "nowhere" / "config.yaml"
    message = str(error_of(missing))
    assert str(missing) in message
    assert "BAOSONG_CONFIG" in message
    assert "copy the sample config.yaml" in message


def test_missing_file_from_env_says_so(tmp_path: Path) -> None:
    """When BAOSONG_CONFIG chose the file, the error says so."""
    missing = tmp_path / "gone.yaml"
    message = str(error_of(None, {"BAOSONG_CONFIG": str(missing)}))
    assert f"config file not found: {missing} (from BAOSONG_CONFIG)" in message


def test_non_utf8_file_is_explained(tmp_path: Path) -> None:
    """A GBK-saved file (common on office PCs) gets a clear message."""
    path = tmp_path / "config.yaml"
    path.write_bytes(MINIMAL.encode("gbk"))
    assert "save the file as UTF-8" in str(error_of(path))


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    """Windows editors add a byte-order mark; it is not an error."""
    path = tmp_path / "config.yaml"
    path.write_bytes(MINIMAL.encode("utf-8-sig"))
    assert load_settings(path, {}).units[0].name == "综合科"


def test_message_has_file_name_header_and_one_line_per_problem(tmp_path: Path) -> None:
    """Several problems: the file name on top, then one indented line each, in schema order."""
    text = (
        "units:\n"
        "  - {name: 甲, kind: window, monthly_quota: -1, annual_target: 1}\n"
        "  - {name: 乙, kind: windw, monthly_quota: 1, annual_target: 1}\n"
        "language: fr\n"
    )
    path = write(tmp_path, text)
    message = str(error_of(path))
    assert message.splitlines() == [
        f"{path} is invalid:",
        "  language: must be one of zh, en",
        "  units[0].monthly_quota: must be ≥ 0",
        "  units[1].kind: must be one of window, township, town_centre, section",
    ]


def corpus() -> list[Path]:
    """The invalid configs, each with its expected problem in a first-line comment."""
    return sorted(CORPUS.glob("*.yaml"))


def test_corpus_is_large_enough() -> None:
    """The corpus keeps at least the twenty cases the brief asks for."""
    assert len(corpus()) >= 20


@pytest.mark.parametrize("case", corpus(), ids=lambda path: path.stem)
def test_invalid_config_gives_one_clear_line(case: Path) -> None:
    """Each broken config fails with exactly one problem line at the expected key path."""
    first_line = case.read_text(encoding="utf-8").splitlines()[0]
    expect = EXPECT.fullmatch(first_line)
    assert expect is not None, f"{case.name} must start with '# expect: <path>: <fragment>'"
    message = str(error_of(case))
    header, *problems = message.splitlines()
    assert header.startswith(str(case))
    assert len(problems) == 1, message
    path, _, text = problems[0].strip().partition(": ")
    assert path == expect["path"], message
    assert expect["fragment"] in text, message
