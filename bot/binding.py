"""`baosong bind`: an admin registers a WeCom member by their userid, without a code exchanged
(../shared/spec/CHANNELS.md: apps cannot read a member's phone or e-mail, so people join by
an invite code or an admin binds a userid)."""

from __future__ import annotations

import re
from typing import Final, TextIO

from bot.settings.schema import Settings
from bot.wiring import centre_rules
from chat.texts import Texts
from scoring.vocab import Role
from storage.db import Database
from storage.models import Account
from workflow import joining
from workflow.outcomes import Refused

#: WeCom's userids: letters, digits and _ - . @, 1–64 characters (the admin console's rule).
USERID: Final = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


async def bind_member(
    settings: Settings, userid: str, name: str, unit: str | None, role: Role, out: TextIO
) -> int:
    """Binds the WeCom member to a unit and role under `name`, and says so; the member is told
    in the app by the running bot's outbox."""
    if not settings.storage.path.exists():
        print(f"错误: 数据库不存在 ({settings.storage.path})，请先运行 baosong init", file=out)
        return 1
    userid = userid.strip()
    if not USERID.fullmatch(userid):
        print(f"错误: “{userid}”不是企业微信的账号（userid：字母、数字和 _ - . @）", file=out)
        return 1
    account = Account("wecom", userid.lower())  # WeCom's userids are case-insensitive
    async with await Database.open(settings.storage.path) as db:
        try:
            joined = await joining.bind(
                db, centre_rules(settings), account, unit_name=unit, role=role, name=name
            )
        except Refused as refused:
            texts = Texts(settings.language.value)
            print(f"错误: {texts('refused.' + refused.key, **refused.params)}", file=out)
            return 1
    where = joined.unit.name if joined.unit else "中心"
    print(
        f"已绑定: {joined.person.name}（企业微信 {account.external_id}）/ {where} / {role.value}",
        file=out,
    )
    print("对方会在企业微信中收到通知（机器人运行时发出）。", file=out)
    return 0
