"""A photo's or file's caption (图注) is kept: /submit stores it with the file, the signer
reads it with the photo, the revision's remove button names the photo by it, and the
《工作简报》 prints it under the photo. Over the fake Bot API as each person sees it, and in
the database."""

from __future__ import annotations

import io
from datetime import date

import docx

from bot.documents.briefdoc import render
from channels.telegram.app import BotApp
from sandbox.telegram.images import make_png
from sandbox.telegram.server import FakeBotApi
from storage import items
from storage.db import Database
from tests.flow import button_data, buttons, settle
from tests.test_flows import WINDOW, join, say, tap
from workflow import submission
from workflow.briefs import BriefContent

CAPTION = "图为窗口工作人员\n为群众办理社保业务"


async def test_a_caption_is_kept_shown_to_the_signer_and_names_the_photo(
    server: FakeBotApi, bot: BotApp, ledger: Database
) -> None:
    informant = server.user(101, "王芳")
    head = server.user(102, "李明")
    await join(server, bot, informant, WINDOW, "informant")
    await join(server, bot, head, WINDOW, "window_head")
    await say(server, bot, informant, "/submit")
    await tap(server, bot, informant, informant.received()[-1], "sub:cat:measures")
    await say(server, bot, informant, "市人社局窗口推行“一窗通办”")
    await say(server, bot, informant, "正文。")
    await tap(server, bot, informant, informant.received()[-1], "sub:body:done")
    await say(server, bot, informant, "2026-10-14")
    await informant.send_photo(make_png(64, 48), caption=CAPTION)
    await informant.send_document("统计.pdf", "application/pdf", b"%PDF-1.4", caption="  ")
    await settle(server, bot)
    await tap(server, bot, informant, informant.received()[-1], "sub:files:done")
    await tap(server, bot, informant, informant.received()[-1], "sub:ok")

    async with ledger.reading() as tx:
        kept = await items.files_of(tx, 1)
    assert [f.caption for f in kept] == ["图为窗口工作人员 为群众办理社保业务", None]
    photo = next(m for m in head.received() if "photo" in m)
    assert photo["caption"] == "#1 图为窗口工作人员 为群众办理社保业务"
    document = next(m for m in head.received() if "document" in m)
    assert document["caption"] == "#1 统计.pdf"

    request = next(m for m in reversed(head.received()) if "so:1:0:0:r" in str(m))
    await tap(server, bot, head, request, button_data(request, "so:1:0:0:r"))
    await say(server, bot, head, "请补充办件数字")
    await tap(server, bot, head, head.received()[-1], "so:1:0:0:c")
    await say(server, bot, informant, "/my")
    listing = informant.received()[-1]
    await tap(server, bot, informant, listing, button_data(listing, "rv:1"))
    await tap(server, bot, informant, informant.received()[-1], "sub:chg")
    await tap(server, bot, informant, informant.received()[-1], "sub:chg:files")
    listed = informant.received()[-1]
    assert list(buttons(listed)) == [
        "🗑 移除 1. 照片：图为窗口工作人员 为群众办理社…",
        "🗑 移除 2. 统计.pdf",
        "完成",
    ]


def test_a_caption_is_one_cleaned_line_within_its_limit() -> None:
    assert submission.clean_caption(None) is None
    assert submission.clean_caption(" \n ") is None
    assert submission.clean_caption("第一行\n\n第二行\u202e") == "第一行 第二行"
    assert len(submission.clean_caption("字" * 2000) or "") == submission.CAPTION_MAX


def test_the_brief_prints_a_caption_under_its_photo() -> None:
    content = BriefContent(
        title="工作简报",
        issuing_body="市政务服务中心",
        year=2026,
        number=3,
        issue_date=date(2026, 11, 2),
        entries=(("一窗通办", "正文。"),),
        photos=((make_png(320, 240), make_png(320, 240)),),
        captions=(("图为窗口工作人员为群众办理业务", ""),),
    )
    document = docx.Document(io.BytesIO(render(content)))
    lines = [p.text for p in document.paragraphs if p.text.strip()]
    assert lines.count("图为窗口工作人员为群众办理业务") == 1
    shown = lines.index("图为窗口工作人员为群众办理业务")
    assert lines[shown - 1] == "正文。"  # the photo's paragraph has no text: right under it
