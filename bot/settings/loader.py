"""Loading config.yaml: which file, YAML read strictly, the BAOSONG_* environment, defaults
and paths.

The secrets (the bot token; WeCom's Secret, Token and EncodingAESKey) come from the
environment only; one written in the file is refused.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import SecretStr, ValidationError

from bot.settings.errors import ConfigError, Loc, problem_lines
from bot.settings.schema import Settings
from channels.wecom.crypto import BadKey, aes_key

#: Environment variable naming the config file; wins over the path given to `load_settings`.
ENV_CONFIG: Final = "BAOSONG_CONFIG"
#: Environment variable overriding `storage.path` (relative values: against the current directory).
ENV_DB: Final = "BAOSONG_DB"
#: Environment variable overriding `telegram.api_base_url` (e.g. a local Bot API server).
ENV_API_BASE_URL: Final = "BAOSONG_API_BASE_URL"
#: Environment variable holding the bot token from @BotFather; never written in the file.
ENV_BOT_TOKEN: Final = "BAOSONG_BOT_TOKEN"
#: WeCom (企业微信): the application's CorpID, AgentID and Secret, the callback's Token and
#: EncodingAESKey, the API's base URL and the callback server's host:port. The secrets come
#: only from here; the others override the `wecom:` section.
ENV_WECOM_CORP_ID: Final = "BAOSONG_WECOM_CORP_ID"
ENV_WECOM_AGENT_ID: Final = "BAOSONG_WECOM_AGENT_ID"
ENV_WECOM_SECRET: Final = "BAOSONG_WECOM_SECRET"
ENV_WECOM_TOKEN: Final = "BAOSONG_WECOM_TOKEN"
ENV_WECOM_AES_KEY: Final = "BAOSONG_WECOM_AES_KEY"
ENV_WECOM_API_BASE_URL: Final = "BAOSONG_WECOM_API_BASE_URL"
ENV_WECOM_LISTEN: Final = "BAOSONG_WECOM_LISTEN"
#: The config file used when neither BAOSONG_CONFIG nor a path is given (current directory).
DEFAULT_CONFIG_FILE: Final = Path("config.yaml")

_TOKEN_KEYS: Final = frozenset({"token", "bot_token", "api_token", "telegram_token"})
_TOKEN_MESSAGE: Final = (
    f"the bot token must not be written in this file; delete the line and set the "
    f"{ENV_BOT_TOKEN} environment variable instead"
)
_TOKEN_SHAPE: Final = re.compile(r"\d+:[A-Za-z0-9_-]+")
#: Keys of the `wecom:` section that would hold a secret, each with the variable to use.
_WECOM_SECRET_KEYS: Final = {
    "secret": ENV_WECOM_SECRET,
    "corp_secret": ENV_WECOM_SECRET,
    "corpsecret": ENV_WECOM_SECRET,
    "token": ENV_WECOM_TOKEN,
    "aes_key": ENV_WECOM_AES_KEY,
    "encoding_aes_key": ENV_WECOM_AES_KEY,
    "encodingaeskey": ENV_WECOM_AES_KEY,
}
_WECOM_TOKEN_SHAPE: Final = re.compile(r"[A-Za-z0-9]{1,32}")
_WECOM_SECRET_SHAPE: Final = re.compile(r"[\x21-\x7e]{1,128}")


_INT_TAG: Final = "tag:yaml.org,2002:int"
_FLOAT_TAG: Final = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG: Final = "tag:yaml.org,2002:timestamp"
_MERGE_TAG: Final = "tag:yaml.org,2002:merge"


class _ConfigLoader(yaml.SafeLoader):
    """SafeLoader that keeps 20:00 and 2026-10-01 as text and refuses duplicate keys.

    YAML 1.1 reads an unquoted 20:00 as the base-60 number 1200 and turns dates into objects
    (failing outright on 2026-02-30); both are left to the schema, which explains itself better.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        """Refuse a key written twice in one mapping (YAML would silently keep the last)."""
        first_line: dict[str, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
                continue
            key = str(key_node.value)
            if key in first_line:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key} (first written on line {first_line[key]})",
                    key_node.start_mark,
                )
            first_line[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


_ConfigLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in {_INT_TAG, _FLOAT_TAG, _TIMESTAMP_TAG}
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ConfigLoader.add_implicit_resolver(
    _INT_TAG,
    re.compile(
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    ),
    list("-+0123456789"),
)
_ConfigLoader.add_implicit_resolver(
    _FLOAT_TAG,
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
        |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def _read_mapping(file: Path, name: str, hint: str) -> dict[Any, Any]:
    """Parse the file into a mapping, turning every way that can fail into a ConfigError."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"config file not found: {file}{hint}",
            [
                "copy the sample config.yaml shipped with the bot to that path and edit it, "
                f"or set {ENV_CONFIG} to the path of an existing config file"
            ],
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{name} is not UTF-8 text{hint}",
            [f"byte {exc.start}: save the file as UTF-8 (not GBK/GB2312) and try again"],
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{name} cannot be read{hint}", [exc.strerror or type(exc).__name__]
        ) from None
    try:
        data = yaml.load(text, Loader=_ConfigLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(top level)"
        problem = exc.problem or exc.context or "unreadable YAML"
        raise ConfigError(f"{name} is not valid YAML{hint}:", [f"{where}: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name} is not valid YAML{hint}:", [f"(top level): {exc}"]) from None
    if data is None:
        raise ConfigError(
            f"{name} is invalid{hint}:",
            [
                "(top level): the file is empty; start from the sample config.yaml shipped with the bot"
            ],
        )
    if not isinstance(data, dict):
        raise ConfigError(
            f"{name} is invalid{hint}:",
            [
                "(top level): must be a mapping of keys such as timezone: and units:, "
                f"not a {_kind_of(data)}"
            ],
        )
    return data


def _kind_of(value: object) -> str:
    """A plain word for a YAML value's type, for messages."""
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def config_file(path: Path | None, env: Mapping[str, str]) -> Path:
    """Which file to load: $BAOSONG_CONFIG, else the given path, else ./config.yaml."""
    from_env = env.get(ENV_CONFIG, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return path if path is not None else DEFAULT_CONFIG_FILE


def _pop_secrets(data: dict[Any, Any]) -> list[str]:
    """Remove and report token-like keys (the token lives in the environment only)."""
    problems: list[str] = []
    sections: list[tuple[str, Any]] = [("", data), ("telegram.", data.get("telegram"))]
    for prefix, section in sections:
        if not isinstance(section, dict):
            continue
        for key in list(section):
            if isinstance(key, str) and key.strip().lower() in _TOKEN_KEYS:
                del section[key]
                problems.append(f"{prefix}{key}: {_TOKEN_MESSAGE}")
    wecom = data.get("wecom")
    if isinstance(wecom, dict):
        for key in list(wecom):
            variable = _WECOM_SECRET_KEYS.get(str(key).strip().lower())
            if variable is not None:
                del wecom[key]
                problems.append(
                    f"wecom.{key}: secrets must not be written in this file; delete the line "
                    f"and set the {variable} environment variable instead"
                )
    if "config_path" in data:
        del data["config_path"]
        problems.append("config_path: unknown key (check spelling)")
    return problems


def _apply_env(data: dict[Any, Any], env: Mapping[str, str]) -> dict[Loc, str]:
    """Put BAOSONG_DB, BAOSONG_API_BASE_URL and WeCom's plain values into the data; return
    what came from where."""
    overrides: dict[Loc, str] = {}
    targets: list[tuple[str, str, str]] = [
        (ENV_DB, "storage", "path"),
        (ENV_API_BASE_URL, "telegram", "api_base_url"),
        (ENV_WECOM_CORP_ID, "wecom", "corp_id"),
        (ENV_WECOM_AGENT_ID, "wecom", "agent_id"),
        (ENV_WECOM_API_BASE_URL, "wecom", "api_base_url"),
        (ENV_WECOM_LISTEN, "wecom", "listen"),
    ]
    for variable, section, key in targets:
        value = env.get(variable, "").strip()
        if not value:
            continue
        if data.get(section) is None:
            data[section] = {}
        if isinstance(data[section], dict):
            if variable == ENV_DB and value != ":memory:":
                value = str(Path(value).expanduser().absolute())
            data[section][key] = value
            overrides[(section, key)] = variable
    return overrides


def _token(env: Mapping[str, str]) -> tuple[SecretStr | None, list[str]]:
    """The bot token from the environment, and a problem line if it is malformed (never shown)."""
    value = env.get(ENV_BOT_TOKEN, "").strip()
    if not value:
        return None, []
    if not _TOKEN_SHAPE.fullmatch(value):
        return None, [
            f"{ENV_BOT_TOKEN}: does not look like a bot token from @BotFather "
            "(digits, a colon, then letters, digits, _ or -)"
        ]
    return SecretStr(value), []


def _wecom_secrets(env: Mapping[str, str]) -> tuple[dict[str, SecretStr], list[str]]:
    """WeCom's Secret, Token and EncodingAESKey from the environment, each checked for its
    shape, with a problem line for each malformed one (never showing the value)."""
    found: dict[str, SecretStr] = {}
    problems: list[str] = []
    checks: list[tuple[str, str, re.Pattern[str] | None, str]] = [
        (ENV_WECOM_SECRET, "secret", _WECOM_SECRET_SHAPE, "the application's Secret, no spaces"),
        (
            ENV_WECOM_TOKEN,
            "token",
            _WECOM_TOKEN_SHAPE,
            "the callback's Token: 1–32 letters or digits, as set in the admin console",
        ),
        (ENV_WECOM_AES_KEY, "aes_key", None, ""),
    ]
    for variable, key, shape, wanted in checks:
        value = env.get(variable, "").strip()
        if not value:
            continue
        if shape is None:
            try:
                aes_key(value)
            except BadKey:
                found_shape = (
                    f"{len(value)} characters" if len(value) != 43 else "a character outside those"
                )
                problems.append(
                    f"{variable}: must be the callback's EncodingAESKey from the admin console, "
                    f"43 characters of base64 (A-Z, a-z, 0-9); this one has {found_shape}"
                )
                continue
        elif not shape.fullmatch(value):
            problems.append(f"{variable}: must be {wanted}")
            continue
        found[key] = SecretStr(value)
    return found, problems


def _wecom_gaps(settings: Settings) -> list[str]:
    """What a partly configured WeCom application lacks, one line each: the API needs the
    CorpID, AgentID and Secret together; callbacks need the Token and the AES key, and the API."""
    wecom = settings.wecom
    api = {
        "corp_id": (
            wecom.corp_id,
            f"wecom.corp_id: required for WeCom (or set {ENV_WECOM_CORP_ID})",
        ),
        "agent_id": (
            wecom.agent_id,
            f"wecom.agent_id: required for WeCom (or set {ENV_WECOM_AGENT_ID})",
        ),
        "secret": (wecom.secret, f"{ENV_WECOM_SECRET}: not set; WeCom's API needs it"),
    }
    callback = {
        "token": (wecom.token, f"{ENV_WECOM_TOKEN}: not set; WeCom's callbacks need it"),
        "aes_key": (wecom.aes_key, f"{ENV_WECOM_AES_KEY}: not set; WeCom's callbacks need it"),
    }
    given_api = any(value is not None for value, _ in api.values())
    given_callback = any(value is not None for value, _ in callback.values())
    needed = ([*api.values()] if given_api or given_callback else []) + (
        [*callback.values()] if given_callback else []
    )
    return [line for value, line in needed if value is None]


def load_settings(path: Path | None, env: Mapping[str, str]) -> Settings:
    """Load and validate the config file and the BAOSONG_* environment, or raise ConfigError."""
    file = config_file(path, env)
    hint = f" (from {ENV_CONFIG})" if env.get(ENV_CONFIG, "").strip() else ""
    name = str(file)
    data = _read_mapping(file, name, hint)
    problems = _pop_secrets(data)
    overrides = _apply_env(data, env)
    token, token_problems = _token(env)
    problems += token_problems
    wecom_secrets, wecom_problems = _wecom_secrets(env)
    problems += wecom_problems
    settings: Settings | None = None
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems += problem_lines(exc, overrides)
    if settings is not None and not wecom_problems:
        settings = settings.model_copy(
            update={"wecom": settings.wecom.model_copy(update=wecom_secrets)}
        )
        problems += _wecom_gaps(settings)
    if problems or settings is None:
        raise ConfigError(f"{name} is invalid{hint}:", problems)
    config_path = file.expanduser().absolute()
    storage_path = settings.storage.path.expanduser()
    if str(storage_path) != ":memory:" and not storage_path.is_absolute():
        storage_path = config_path.parent / storage_path
    storage = settings.storage.model_copy(update={"path": storage_path})
    return settings.model_copy(
        update={"storage": storage, "bot_token": token, "config_path": config_path}
    )
