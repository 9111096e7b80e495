"""Commands by id, and how each channel words them (a Telegram slash command, a WeCom word)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

#: Every command people can give, by id, with the word a WeCom user sends for it.
COMMANDS: Final[Mapping[str, str]] = {
    "start": "开始",
    "help": "帮助",
    "cancel": "取消",
    "submit": "报送",
    "my": "我的信息",
    "unit": "本单位",
    "rank": "排名",
    "item": "查看",
    "find": "查找",
    "pending": "待审签",
    "queue": "待处理",
    "invite": "邀请",
    "units": "单位",
    "noinformant": "未落实信息员",
    "revoke": "撤销角色",
    "correct": "更正",
    "task": "写作任务",
    "tasks": "任务列表",
    "announce": "发通知",
    "announced": "通知送达",
    "guide": "报送指南",
    "brief": "编简报",
    "briefs": "简报",
    "news": "网站信息",
    "visit": "走访",
    "bulletin": "通报",
    "campaign": "考核方案",
    "campaigns": "考核",
    "notify": "接收通知",
    "link": "关联账号",
}


@dataclass(frozen=True, slots=True)
class CommandTable:
    """How one channel words each command in a text, and which command a typed word gives."""

    channel: str
    names: Mapping[str, str]  # what a person types for each command id
    shown: str = "{}"  # how a text shows a typed name (WeCom quotes it: 「报送」)
    also: Mapping[str, str] = field(default_factory=dict)  # shorter words taken, never shown

    def word(self, command: str) -> str:
        """The command as a text on this channel shows it; KeyError for an unknown id."""
        return self.shown.format(self.names[command])

    def command(self, typed: str) -> str | None:
        """The command id that what a person typed names on this channel, if any."""
        typed = typed.strip()
        for command, name in self.names.items():
            if typed == name:
                return command
        return self.also.get(typed)


TELEGRAM_COMMANDS: Final = CommandTable("telegram", {c: f"/{c}" for c in COMMANDS})
#: WeCom has no slash commands: a person sends the command's word (or picks it in a menu).
#: The shorter words people use for some of them are taken too (我的 for 我的信息).
WECOM_COMMANDS: Final = CommandTable(
    "wecom",
    dict(COMMANDS),
    shown="「{}」",
    also={"我的": "my"},
)
