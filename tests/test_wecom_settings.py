"""The `wecom:` settings (bot/settings/): plain values from the file or the BAOSONG_WECOM_*
environment, secrets from the environment only, each problem one clear line; what the
callback server is handed (bot.wiring.wecom_callback_config)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.settings.errors import ConfigError
from bot.settings.loader import load_settings
from bot.wiring import wecom_callback_config
from channels.wecom.callback import CallbackConfig
from tests.test_wecom_callback import AES_KEY, CORP, PATH, TOKEN

MINIMAL = "units:\n  - {name: 综合科, kind: section, monthly_quota: 1, annual_target: 10}\n"
SECRET = "Xk2_secret-from-the-admin-console-1234567890"
ENV = {
    "BAOSONG_WECOM_CORP_ID": CORP,
    "BAOSONG_WECOM_AGENT_ID": "1000002",
    "BAOSONG_WECOM_SECRET": SECRET,
    "BAOSONG_WECOM_TOKEN": TOKEN,
    "BAOSONG_WECOM_AES_KEY": AES_KEY,
}


def config_file(tmp_path: Path, extra: str = "") -> Path:
    """A minimal config file, with an optional `wecom:` section."""
    path = tmp_path / "config.yaml"
    path.write_text(MINIMAL + extra, encoding="utf-8")
    return path


def problems_of(path: Path, env: dict[str, str]) -> tuple[str, ...]:
    """The problem lines of a config that must fail."""
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env)
    return caught.value.problems


def test_wecom_defaults_when_unconfigured(tmp_path: Path) -> None:
    """Without WeCom values nothing is required and callbacks are off."""
    settings = load_settings(config_file(tmp_path), {})
    wecom = settings.wecom
    assert (wecom.api_base_url, wecom.callback_path) == ("https://qyapi.weixin.qq.com", PATH)
    assert (wecom.host, wecom.port, wecom.replay_window_seconds) == ("127.0.0.1", 8089, 300)
    assert not wecom.api_ready and not wecom.callbacks_ready
    assert wecom_callback_config(settings) is None


def test_wecom_from_the_environment(tmp_path: Path) -> None:
    """All seven variables give a configured application and the callback server's config."""
    env = {
        **ENV,
        "BAOSONG_WECOM_API_BASE_URL": "http://127.0.0.1:9000/",
        "BAOSONG_WECOM_LISTEN": "[::]:8443",
    }
    settings = load_settings(config_file(tmp_path), env)
    wecom = settings.wecom
    assert (wecom.corp_id, wecom.agent_id) == (CORP, 1000002)
    assert wecom.api_base_url == "http://127.0.0.1:9000"
    assert (wecom.host, wecom.port) == ("::", 8443)
    assert wecom.secret is not None and wecom.secret.get_secret_value() == SECRET
    assert wecom.callbacks_ready
    assert wecom_callback_config(settings) == CallbackConfig(
        corp_id=CORP, token=TOKEN, encoding_aes_key=AES_KEY
    )
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        for secret in (SECRET, TOKEN, AES_KEY):
            assert secret not in shown


def test_wecom_plain_values_from_the_file(tmp_path: Path) -> None:
    """CorpID, AgentID, listen address, path and limits may be written in the file."""
    section = (
        f"wecom:\n  corp_id: {CORP}\n  agent_id: 1000002\n  listen: 0.0.0.0:9001\n"
        "  callback_path: /cb/wecom\n  max_body_bytes: 4096\n  replay_window_seconds: 120\n"
    )
    env = {key: value for key, value in ENV.items() if "CORP_ID" not in key and "AGENT" not in key}
    settings = load_settings(config_file(tmp_path, section), env)
    config = wecom_callback_config(settings)
    assert config is not None
    assert (config.path, config.max_body_bytes) == ("/cb/wecom", 4096)
    assert config.replay_window == timedelta(seconds=120)
    assert (settings.wecom.host, settings.wecom.port) == ("0.0.0.0", 9001)


@pytest.mark.parametrize("key", ["secret", "token", "aes_key", "EncodingAESKey"])
def test_wecom_secrets_in_the_file_are_refused(tmp_path: Path, key: str) -> None:
    """A secret written in the file is an error naming the variable to use instead."""
    problems = problems_of(config_file(tmp_path, f"wecom:\n  {key}: abc\n"), {})
    assert len(problems) == 1
    assert problems[0].startswith(f"wecom.{key}: secrets must not be written in this file")
    assert "BAOSONG_WECOM_" in problems[0]


@pytest.mark.parametrize("bad", ["short", AES_KEY + "x", AES_KEY[:-1] + "!", AES_KEY[:-1]])
def test_a_bad_aes_key_is_a_clear_error_that_hides_it(tmp_path: Path, bad: str) -> None:
    """An EncodingAESKey that is not 43 base64 characters fails with one line, not echoed."""
    problems = problems_of(config_file(tmp_path), {**ENV, "BAOSONG_WECOM_AES_KEY": bad})
    assert len(problems) == 1
    assert problems[0].startswith("BAOSONG_WECOM_AES_KEY: must be the callback's EncodingAESKey")
    assert "43 characters of base64" in problems[0]
    assert bad not in problems[0]


def test_a_bad_token_is_refused(tmp_path: Path) -> None:
    """The callback's Token is up to 32 letters or digits."""
    problems = problems_of(config_file(tmp_path), {**ENV, "BAOSONG_WECOM_TOKEN": "t" * 33})
    assert problems == (
        "BAOSONG_WECOM_TOKEN: must be the callback's Token: 1–32 letters or digits, "
        "as set in the admin console",
    )


def test_a_partial_wecom_configuration_names_what_is_missing(tmp_path: Path) -> None:
    """Callbacks without the API's values, or a token without its key, are each reported."""
    env = {"BAOSONG_WECOM_TOKEN": TOKEN}
    assert problems_of(config_file(tmp_path), env) == (
        "wecom.corp_id: required for WeCom (or set BAOSONG_WECOM_CORP_ID)",
        "wecom.agent_id: required for WeCom (or set BAOSONG_WECOM_AGENT_ID)",
        "BAOSONG_WECOM_SECRET: not set; WeCom's API needs it",
        "BAOSONG_WECOM_AES_KEY: not set; WeCom's callbacks need it",
    )


def test_the_api_alone_is_a_valid_configuration(tmp_path: Path) -> None:
    """CorpID, AgentID and Secret without the callback's values: the API only."""
    env = {k: v for k, v in ENV.items() if "TOKEN" not in k and "AES" not in k}
    settings = load_settings(config_file(tmp_path), env)
    assert settings.wecom.api_ready and not settings.wecom.callbacks_ready
    assert wecom_callback_config(settings) is None


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("BAOSONG_WECOM_LISTEN", "8089", "wecom.listen: must be host:port"),
        ("BAOSONG_WECOM_LISTEN", "127.0.0.1:70000", "wecom.listen: must be host:port"),
        ("BAOSONG_WECOM_AGENT_ID", "app", "wecom.agent_id: must be a whole number"),
        ("BAOSONG_WECOM_AGENT_ID", "0", "wecom.agent_id: must be ≥ 1"),
        ("BAOSONG_WECOM_CORP_ID", "ww 12", "wecom.corp_id: must be the CorpID"),
        ("BAOSONG_WECOM_API_BASE_URL", "qyapi.weixin.qq.com", "wecom.api_base_url: must be a URL"),
    ],
)
def test_bad_wecom_values_name_their_variable(
    tmp_path: Path, variable: str, value: str, expected: str
) -> None:
    """A bad value from the environment is one line at its key, naming the variable."""
    problems = problems_of(config_file(tmp_path), {**ENV, variable: value})
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected)
    assert problems[0].endswith(f"(value from {variable})")


def test_bad_callback_path_in_the_file(tmp_path: Path) -> None:
    """The path must be a URL path."""
    problems = problems_of(config_file(tmp_path, "wecom:\n  callback_path: wecom cb\n"), {})
    assert problems == (
        "wecom.callback_path: must be a URL path starting with /, like the default",
    )
