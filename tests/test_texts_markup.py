"""The catalogue in neutral markup: valid everywhere, rendered for Telegram exactly as before,
and as plain text with each channel's command words."""

from __future__ import annotations

import ast
import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.settings.schema import Settings
from bot.wiring import centre_rules, telegram_options
from channels.telegram.app import build_application
from chat import texts_campaigns
from chat.commands import COMMANDS, TELEGRAM_COMMANDS, WECOM_COMMANDS
from chat.markup import Markup, MarkupError, escape, fill, problems, validate
from chat.render import TELEGRAM_HTML, WECOM_TEXT, PlainText, TelegramHtml
from chat.texts import CATALOGUES, ZH, Raw, Texts
from storage.db import Database
from tests.flow import TOKEN

FIXTURE = Path(__file__).parent / "fixtures" / "texts_telegram.json"
CHAT = Path(__file__).resolve().parent.parent / "chat"


def sample(template: str) -> dict[str, str]:
    """Each field of a template filled with its name and characters that need escaping."""
    names = [field for _, field, _, _ in string.Formatter().parse(template) if field]
    return {name: f"{name}<&>\"'" for name in names}


def test_every_text_renders_for_telegram_exactly_as_before_the_neutral_markup() -> None:
    frozen = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for language, catalogue in CATALOGUES.items():
        texts = Texts(language)
        newer = set(texts_campaigns.ZH)  # written in the neutral markup from the start
        assert set(frozen[language]) == set(catalogue) - newer, language
        for key, markup in catalogue.items():
            if key in newer:
                continue
            assert texts(key, **sample(markup)) == frozen[language][key], (language, key)


def test_every_text_is_valid_markup_naming_known_commands() -> None:
    for language, catalogue in CATALOGUES.items():
        for key, markup in catalogue.items():
            assert problems(markup, COMMANDS) == [], (language, key)


def test_texts_keep_no_html_and_name_commands_by_reference() -> None:
    everything = "\n".join(m for catalogue in CATALOGUES.values() for m in catalogue.values())
    assert "<b>" not in everything and "<code>" not in everything
    assert "[cmd submit]" in ZH["help.submit"]
    assert Texts("zh")("help.submit") == "/submit — 报送一条信息"


@pytest.mark.parametrize(
    ("markup", "problem"),
    [
        ("[u]下划线[/u]", "unknown tag"),
        ("[B]粗[/B]", "unknown tag"),
        ("<b>粗</b>", None),  # angle brackets are text in this markup (escaped for Telegram)
        ("发送 [cmd nope]", "unknown command id 'nope'"),
        ("发送 [cmd]", "names no command"),
        ("发送 /submit 报送", "use [cmd submit]"),
        ("发送/submit报送", "use [cmd submit]"),
        ("[b]没有关上", "never closed"),
        ("[b]交叉[i]嵌套[/b][/i]", "closes nothing open"),
        ("多余[/b]", "closes nothing open"),
        ("[b 没有右括号", "opens no tag"),
        ("[cmd {name}]", "parameter inside a tag"),
        ("[link]没有网址[/link]", "needs an address"),
        ("[b x]粗[/b]", "takes nothing"),
        ("[code][b]代码里加粗[/b][/code]", "inside [code]"),
        ("{unclosed", "bad field"),
        ("[code][cmd start] {code}[/code]", None),
        ("[[不是标签] 和 /其他 与 a/b", None),
    ],
)
def test_the_validator_names_what_is_wrong(markup: str, problem: str | None) -> None:
    found = problems(markup, COMMANDS)
    if problem is None:
        assert found == []
        validate(markup, COMMANDS)
    else:
        assert any(problem in p for p in found), found
        with pytest.raises(MarkupError):
            validate(markup, COMMANDS)


def test_plain_text_drops_tags_words_commands_and_spells_out_links() -> None:
    markup = "[b]通知[/b] 详见 [link https://example.org/a?b=1&c=2]网站[/link]，发送 [cmd submit] 报送；[i]斜体[/i] [code]x < y[/code] [[1]"
    assert WECOM_TEXT.render(markup) == (
        "通知 详见 网站 (https://example.org/a?b=1&c=2)，发送 「报送」 报送；斜体 x < y [1]"
    )
    assert PlainText(TELEGRAM_COMMANDS).render("发送 [cmd submit]") == "发送 /submit"
    assert TELEGRAM_HTML.render(markup) == (
        '<b>通知</b> 详见 <a href="https://example.org/a?b=1&amp;c=2">网站</a>，发送 /submit 报送；'
        "<i>斜体</i> <code>x &lt; y</code> [1]"
    )


def test_a_plain_texts_catalogue_fills_parameters_unescaped() -> None:
    wecom = Texts("zh", WECOM_TEXT)
    assert wecom("help.submit") == "「报送」 — 报送一条信息"
    assert wecom("welcome", name="A&B", unit="<窗口>", role="信息员", help="") == (
        "欢迎，A&B！您已加入 <窗口>，身份：信息员。\n\n"
    )
    assert Texts("zh")(
        "welcome", name="A&B", unit="<窗口>", role="信息员", help=Raw("<i>h</i>")
    ) == ("欢迎，A&amp;B！您已加入 <b>&lt;窗口&gt;</b>，身份：信息员。\n\n<i>h</i>")
    for key in ZH:  # every text renders as plain text too
        wecom(key, **sample(ZH[key]))


keys = st.sampled_from(sorted(ZH))
values = st.text(alphabet=st.sampled_from("[]/<>&;{}ab 报送\n"), max_size=12)


@given(keys, st.data())
def test_filling_then_rendering_equals_rendering_then_filling(key: str, data: Any) -> None:
    """Parameters escaped for the markup never become markup: the neutral text with its
    parameters in renders to what the channel's catalogue gives."""
    template = ZH[key]
    names = {field for _, field, _, _ in string.Formatter().parse(template) if field}
    params = {name: data.draw(values) for name in names}
    neutral = fill(template, **params)
    validate(neutral, COMMANDS, template=False)
    for renderer in (TELEGRAM_HTML, WECOM_TEXT):
        assert renderer.render(neutral) == Texts("zh", renderer)(key, **params)


def test_a_markup_fragment_goes_in_as_is_and_other_text_is_escaped() -> None:
    assert escape("[b]x[/b]") == "[[b]x[[/b]"
    assert escape(Markup("[b]x[/b]")) == "[b]x[/b]"
    assert TELEGRAM_HTML.render(fill("{a} {b}", a="[b]x[/b]", b=Markup("[b]y[/b]"))) == (
        "[b]x[/b] <b>y</b>"
    )


def test_command_tables_word_every_command_and_read_typed_words_back() -> None:
    for table in (TELEGRAM_COMMANDS, WECOM_COMMANDS):
        assert set(table.names) == set(COMMANDS)
        assert len(set(table.names.values())) == len(COMMANDS)  # a typed word names one command
        for command in COMMANDS:
            assert table.command(table.names[command]) == command
    assert TELEGRAM_COMMANDS.word("submit") == "/submit"
    assert WECOM_COMMANDS.word("submit") == "「报送」"
    assert WECOM_COMMANDS.command(" 报送 ") == "submit"
    assert WECOM_COMMANDS.command("/submit") is None
    assert TelegramHtml(WECOM_COMMANDS).render("[cmd pending]") == "「待审签」"


def _commands(handler: BaseHandler[Any, Any, Any]) -> set[str]:
    """The commands a handler answers, looking inside conversations."""
    if isinstance(handler, CommandHandler):
        return set(handler.commands)
    if isinstance(handler, ConversationHandler):
        inner = [*handler.entry_points, *handler.fallbacks]
        inner += [h for state in handler.states.values() for h in state]
        return {c for h in inner for c in _commands(h)}
    return set()


async def test_telegram_command_words_are_the_commands_the_bot_answers(
    settings: Settings, ledger: Database
) -> None:
    app = build_application(
        telegram_options(settings), ledger, centre_rules(settings), token=TOKEN, rate_limit=False
    )
    answered = {c for group in app.handlers.values() for h in group for c in _commands(h)}
    assert {f"/{c}" for c in answered} == set(TELEGRAM_COMMANDS.names.values())


def test_chat_imports_no_channel_library_and_no_adapter() -> None:
    for path in CHAT.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in {"telegram", "bot", "handlers"}, (path, name)


def test_wecom_takes_the_shorter_words_but_shows_the_full_ones() -> None:
    assert WECOM_COMMANDS.command("我的") == "my"
    assert WECOM_COMMANDS.command(" 我的信息 ") == "my"
    assert WECOM_COMMANDS.word("my") == "「我的信息」"
    assert WECOM_COMMANDS.command("我") is None
