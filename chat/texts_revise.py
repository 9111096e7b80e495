"""Texts of answering a return (修改后重报 in every field, what changed) and of an open
draft's questions (a second /submit, a cancel to confirm), zh and en."""

from __future__ import annotations

from typing import Final

ZH: Final[dict[str, str]] = {
    # what changed against the returned version: the revision's preview and its signers
    "card.revised": "\n✏️ 与退回时相比，修改了：",
    "card.revised_none": "\n✏️ 与退回时相比，没有修改。",
    "card.revised_category": "\n　· 类别：原为“{old}”，现为“{new}”",
    "card.revised_title": "\n　· 标题，原为：{old}",
    "card.revised_body": "\n　· 正文（原 {old} 字）",
    "card.revised_date": "\n　· 日期，原为 {old}",
    "card.revised_files": "\n　· 附件：新增 {added} 个，移除 {removed} 个",
    # a revision's attachments
    "revise.files": "现有附件 {count} 个。发送照片或文件可添加；点下面的按钮移除某一个；改好后点击“完成”。",
    "revise.no_files": "现在没有附件。可以发送照片或文件添加；改好后点击“完成”。",
    "revise.file_gone": "这个附件已经移除了。",
    "btn.remove_photo": "🗑 移除 {n}. 照片",
    "btn.remove_photo_captioned": "🗑 移除 {n}. 照片：{caption}",
    "btn.remove_file": "🗑 移除 {n}. {name}",
    # an open draft: a second /submit or 修改后重报, and ✖️ 取消 of a draft with content
    "submit.draft_open": "您还有一份没有报送的草稿。要继续上次的草稿，还是放弃它、重新开始？",
    "submit.draft_open_revise": "您正在修改信息 #{item}，还没有重新报送。要继续，还是放弃这次修改、重新开始？",
    "btn.draft_resume": "继续上次草稿",
    "btn.draft_restart": "放弃并重新开始",
    "submit.cancel_ask": "草稿里已经填写了内容，确定要取消吗？取消后草稿将被删除。",
    "btn.cancel_drop": "确认取消",
    "btn.cancel_keep": "继续填写",
    "submit.choice_done": "这个选择已经处理过了。",
}

EN: Final[dict[str, str]] = {
    "card.revised": "\n✏️ Changed since it was returned:",
    "card.revised_none": "\n✏️ Nothing changed since it was returned.",
    "card.revised_category": "\n　· Category: was “{old}”, now “{new}”",
    "card.revised_title": "\n　· Title, was: {old}",
    "card.revised_body": "\n　· Text (was {old} characters)",
    "card.revised_date": "\n　· Date, was {old}",
    "card.revised_files": "\n　· Attachments: {added} added, {removed} removed",
    "revise.files": "{count} attachment(s). Send photos or files to add; press a button below to remove one; press Done when finished.",
    "revise.no_files": "No attachments now. Send photos or files to add; press Done when finished.",
    "revise.file_gone": "That attachment was already removed.",
    "btn.remove_photo": "🗑 Remove {n}. photo",
    "btn.remove_photo_captioned": "🗑 Remove {n}. photo: {caption}",
    "btn.remove_file": "🗑 Remove {n}. {name}",
    "submit.draft_open": "You have a draft not yet submitted. Continue it, or drop it and start again?",
    "submit.draft_open_revise": "You are revising item #{item} and have not resubmitted it. Continue, or drop this revision and start again?",
    "btn.draft_resume": "Continue the draft",
    "btn.draft_restart": "Drop it and start again",
    "submit.cancel_ask": "The draft has content. Cancel it? The draft will be deleted.",
    "btn.cancel_drop": "Yes, cancel",
    "btn.cancel_keep": "Keep writing",
    "submit.choice_done": "That choice was already made.",
}
