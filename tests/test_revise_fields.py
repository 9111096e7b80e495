"""A return answered in full: 修改后重报 changes every field (category, title, body in parts,
a typed date, a photo removed and a document added), the preview shows what changed against
the returned version, the resubmission starts the chain again and its signer reads the last
return's reason and what changed; each change a transaction with its audit row. Over the fake
Bot API as the informant and the signer see it, and on the engine's in-memory channel."""

from __future__ import annotations

import json

from channels.telegram.app import BotApp
from chat.actions import revise as rv
from chat.actions import submit as sub
from sandbox.telegram.server import FakeBotApi
from scoring.vocab import ItemState
from storage import audit, items
from storage.db import Database
from tests import test_dialogue as base
from tests.flow import button_data, buttons, settle, texts_of
from tests.test_dialogue import channel, return_press, submit_item
from tests.test_flows import WINDOW, join, say, tap
from workflow import revision
from workflow.rules import CentreRules

rules, cast = base.rules, base.cast  # the engine tests' fixtures: shipped rules, a cast
PHOTO = b"\xff\xd8\xff\xe0 a photo of the window"
PDF = b"%PDF-1.4 the figures asked for"


async def test_every_field_revised_and_the_signer_reads_what_changed(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    head = server.user(102, "李明")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, head, WINDOW, "window_head")
    await say(server, bot, informant, "/submit")
    await tap(server, bot, informant, informant.received()[-1], "sub:cat:measures")
    await say(server, bot, informant, "市人社局窗口推行“一窗通办”")
    await say(server, bot, informant, "原来的正文。")
    await tap(server, bot, informant, informant.received()[-1], "sub:body:done")
    await say(server, bot, informant, "2026-10-14")
    await informant.send_photo(PHOTO)
    await settle(server, bot)
    await tap(server, bot, informant, informant.received()[-1], "sub:files:done")
    await tap(server, bot, informant, informant.received()[-1], "sub:ok")
    request = next(m for m in reversed(head.received()) if "so:1:0:0:r" in str(m))
    await tap(server, bot, head, request, button_data(request, "so:1:0:0:r"))
    await say(server, bot, head, "请补充照片和办件数字")
    await tap(server, bot, head, head.received()[-1], "so:1:0:0:c")
    returned = informant.received()[-1]
    assert "请补充照片和办件数字" in str(returned["text"])

    await say(server, bot, informant, "/my")
    listing = informant.received()[-1]
    await tap(server, bot, informant, listing, button_data(listing, "rv:1"))
    preview = texts_of(informant)[-1]
    assert "请核对" in preview and "附件：1 个" in preview
    assert "原因：请补充照片和办件数字" in preview  # why it came back, beside the draft
    assert "与退回时相比，没有修改" in preview
    await tap(server, bot, informant, informant.received()[-1], "sub:chg")
    fields = informant.received()[-1]
    assert list(buttons(fields)) == ["类别", "标题", "正文", "日期", "附件"]
    await tap(server, bot, informant, fields, "sub:chg:category")
    await tap(server, bot, informant, informant.received()[-1], "sub:cat:culture")
    await tap(server, bot, informant, informant.received()[-1], "sub:chg")
    await tap(server, bot, informant, informant.received()[-1], "sub:chg:title")
    await say(server, bot, informant, "一窗通办：办件三千余件")
    await tap(server, bot, informant, informant.received()[-1], "sub:chg")
    await tap(server, bot, informant, informant.received()[-1], "sub:chg:body")
    assert "请输入正文" in texts_of(informant)[-1]
    await say(server, bot, informant, "第一段：当天办件 3000 余件。")
    assert "共 29 字" in await say(server, bot, informant, "第二段：群众只跑一次。")
    await tap(server, bot, informant, informant.received()[-1], "sub:body:done")
    await tap(server, bot, informant, informant.received()[-1], "sub:chg")
    await tap(server, bot, informant, informant.received()[-1], "sub:chg:date")
    await say(server, bot, informant, "10月13日")
    await tap(server, bot, informant, informant.received()[-1], "sub:chg")
    await tap(server, bot, informant, informant.received()[-1], "sub:chg:files")
    listed = informant.received()[-1]
    assert "现有附件 1 个" in str(listed["text"])
    assert list(buttons(listed)) == ["🗑 移除 1. 照片", "完成"]
    await informant.send_document("办件统计.pdf", "application/pdf", PDF)
    await settle(server, bot)
    both = informant.received()[-1]
    assert list(buttons(both)) == ["🗑 移除 1. 照片", "🗑 移除 2. 办件统计.pdf", "完成"]
    await tap(server, bot, informant, both, buttons(both)["🗑 移除 1. 照片"])
    left = informant.received()[-1]
    assert list(buttons(left)) == ["🗑 移除 1. 办件统计.pdf", "完成"]
    await tap(server, bot, informant, both, buttons(both)["🗑 移除 1. 照片"])  # tapped again
    assert "这个附件已经移除了" in texts_of(informant)[-1]
    await tap(server, bot, informant, left, "sub:files:done")
    preview = texts_of(informant)[-1]
    for shown in (
        "与退回时相比，修改了",
        "类别：原为“主要措施和创新做法”，现为“文化建设”",
        "标题，原为：市人社局窗口推行“一窗通办”",
        "正文（原 6 字）",
        "日期，原为 2026-10-14",
        "附件：新增 1 个，移除 1 个",
        "第二段：群众只跑一次。",
    ):
        assert shown in preview, shown
    await tap(server, bot, informant, informant.received()[-1], "sub:ok")
    assert "已修改并重新送审" in " ".join(texts_of(informant)[-2:])

    request = next(m for m in reversed(head.received()) if "so:1:1:0:a" in str(m))
    text = str(request["text"])
    assert "一窗通办：办件三千余件" in text
    assert "↩️ 此前被 李明（窗口负责人）退回，原因：请补充照片和办件数字" in text
    assert "类别：原为“主要措施和创新做法”，现为“文化建设”" in text
    assert "附件：新增 1 个，移除 1 个" in text
    sent_before = [m for m in head.received() if m.get("document")]
    assert any(m["document"].get("file_name") == "办件统计.pdf" for m in sent_before)

    async with ledger.reading() as tx:
        item = await items.get_item(tx, 1)
        files = await items.files_of(tx, 1)
        trail = [entry.action for entry in await audit.audit_trail(tx, "item", 1)]
        revised = [e for e in await audit.audit_trail(tx, "item", 1) if e.action == "item.revise"]
    assert item is not None
    assert (item.state, item.chain_round, item.chain_step) == (ItemState.PENDING, 1, 0)
    assert (item.category, item.title) == ("culture", "一窗通办：办件三千余件")
    assert item.body == "第一段：当天办件 3000 余件。\n第二段：群众只跑一次。"
    assert item.event_date.isoformat() == "2026-10-13"
    assert [(f.kind, f.file_name) for f in files] == [("document", "办件统计.pdf")]
    tail = trail[trail.index("item.return") + 1 :]
    assert tail[:5] == ["item.update", "item.detach", "item.attach", "item.resubmit", "item.revise"]
    changes = json.loads(revised[0].detail)["changes"]
    assert [c["field"] for c in changes] == ["category", "title", "body", "date", "files"]


async def test_a_revision_refused_midway_leaves_the_returned_item(
    db: Database, rules: CentreRules, cast: dict[str, int]
) -> None:
    """A title too long is asked again; a removed file's stale button changes nothing; the
    item stays as it was returned until ✅ 确认, and is resubmitted once."""
    chat = channel(db, rules)
    author, head = cast["informant"], cast["head"]
    item_id = await submit_item(chat, author)
    await chat.press(head, await return_press(db, item_id))
    shown = await chat.text(head, "请补充数字")
    await chat.press(head, shown[0].press("✅ 确认"))
    await chat.press(author, rv.Revise(item_id))
    await chat.press(author, sub.Change("title"))
    long = await chat.text(author, "长" * (rules.title_max + 1))
    assert long[0].reply is not None and long[0].reply.key == "refused.title_too_long"
    await chat.text(author, "改过的标题")
    await chat.press(author, sub.Change("files"))
    gone = await chat.press(author, rv.RemoveFile(0, revision.file_tag("sha256:none")))
    assert [s.reply.key for s in gone if s.reply] == ["revise.file_gone"]
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
    assert item is not None and item.state is ItemState.RETURNED and item.title != "改过的标题"
    await chat.press(author, sub.Step("files:done"))
    done = await chat.press(author, sub.Step("ok"))
    assert done[0].text.startswith(f"✅ 信息 #{item_id} 已修改并重新送审")
    again = await chat.press(author, rv.Revise(item_id))  # the notice's button, pressed again
    assert [s.reply.key for s in again if s.reply] == ["refused.item_not_returned"]
    async with db.reading() as tx:
        item = await items.get_item(tx, item_id)
        revised = [
            e for e in await audit.audit_trail(tx, "item", item_id) if e.action == "item.revise"
        ]
    assert item is not None and (item.title, item.chain_round) == ("改过的标题", 1)
    assert len(revised) == 1
    assert json.loads(revised[0].detail)["changes"] == [
        {"field": "title", "old": "一窗通办上线", "new": "改过的标题"}
    ]
