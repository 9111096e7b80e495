"""Texts of announcements to chosen roles and units, and the /guide for informants (zh, en)."""

from __future__ import annotations

from typing import Final

ZH: Final[dict[str, str]] = {
    # help lines (channels/telegram/handlers/start.py lists them in each role's help)
    "help.announce": "[cmd announce] — 发布通知或培训材料（按角色、单位选择接收人）",
    "help.announced": "[cmd announced] — 已发通知的送达情况；[cmd announced] 编号 — 查看一条",
    "help.guide": "[cmd guide] — 信息报送指南：报送重点、写作格式、时限、审签、计分",
    # the /announce flow
    "ann.ask_text": (
        "📢 [b]发布通知[/b]（第八条：信息员培训、工作通知）\n"
        "请直接输入通知正文；也可以发送一张图片或一个文件（如培训材料），并在说明里写上正文。\n"
        "随时发送 [cmd cancel] 取消。"
    ),
    "ann.ask_caption": (
        "已收到{name}。请输入通知正文，它将作为附件说明一起发出（最多 {limit} 字）。"
    ),
    "ann.file_kind.photo": "图片",
    "ann.file_kind.document": "文件",
    "ann.want_text": "请输入通知正文，或发送图片、文件。发送 [cmd cancel] 取消。",
    "ann.ask_text_photo": (
        "📢 [b]发布通知[/b]（第八条：信息员培训、工作通知）\n"
        "请直接输入通知正文；也可以先发送一张图片，再输入正文作为图片说明。\n"
        "这里不能向应用发送文件：培训材料等文件请截图发送，或在正文里写明获取方式（如下载链接）。\n"
        "随时发送 [cmd cancel] 取消。"
    ),
    "ann.want_text_photo": "请输入通知正文，或发送一张图片（这里不能发送文件）。发送 [cmd cancel] 取消。",
    "ann.use_buttons": "请点击上面消息中的按钮继续；发送 [cmd cancel] 取消。",
    "ann.audience": (
        "👥 [b]选择接收对象[/b]\n"
        "角色：{roles}\n"
        "单位：{units}\n"
        "当前符合条件：[b]{count}[/b] 人（已加入机器人的才能收到）\n\n"
        "点击按钮勾选或取消。单位范围只对信息员、窗口负责人、分管领导、科室工作人员生效；"
        "中心角色（编辑、中心领导等）发给全部持有人。选好后点击“预览”。"
    ),
    "ann.units_pick": "🏢 [b]选择单位[/b]（已选 {count} 个）\n点击单位名称勾选或取消，选好后点击“完成”。",
    "ann.units_all": "全部单位",
    "ann.units_chosen": "{count} 个单位（{names}）",
    "ann.roles_none": "（未选择）",
    "ann.kind.window": "部门窗口",
    "ann.kind.township": "乡镇便民服务中心",
    "ann.kind.town_centre": "镇政务服务中心",
    "ann.kind.section": "中心科室",
    "ann.preview": (
        "📋 [b]请核对通知[/b]\n\n{body}\n\n"
        "接收对象：{roles}；{units}\n"
        "将发送给 [b]{count}[/b] 人：{names}\n\n"
        "确认无误请点击“发送”，每人只会收到一次。"
    ),
    "ann.preview_file": "（附件和正文见上一条消息，收件人看到的就是这样。）",
    "ann.names_more": "{names} 等",
    "ann.queued": (
        "✅ 通知 #{id} 已提交，正在发送给 {count} 人。\n"
        "稍后点击下方按钮或发送 [cmd announced] {id} 查看送达情况。"
    ),
    "ann.cancelled": "已取消，通知没有发送。",
    "ann.stale": "这个按钮已失效（通知已发送、已取消或已重新编辑）。发送 [cmd announced] 查看已发通知。",
    "ann.heading": "📢 市政务服务中心通知",
    "notice.ann_text": "📢 [b]市政务服务中心通知[/b]\n\n{text}\n\n—— {author}",
    # delivery reports
    "ann.report": (
        "📊 [b]通知 #{id} 发送情况[/b]\n"
        "{when} · {author}\n"
        "“{summary}”\n\n"
        "共 {total} 人：已送达 {sent} · 待发送 {pending} · 失败 {failed} · 不确定 {uncertain}"
    ),
    "ann.report_all_sent": "✅ 全部送达。",
    "ann.report_unreached": "\n尚未确认送达：",
    "ann.report_line": "· {name}（{state}）",
    "ann.report_more": "……另有 {count} 人",
    "ann.report_failed_note": "“失败”通常是对方屏蔽了机器人或从未打开过机器人，请电话通知。",
    "ann.report_uncertain_note": (
        "“不确定”是发送时网络中断，对方可能已经收到；系统不会重发，如有需要请单独联系。"
    ),
    "ann.state.pending": "待发送",
    "ann.state.failed": "发送失败",
    "ann.state.uncertain": "不确定是否送达",
    "ann.state.sent": "已送达",
    "ann.list_head": "📢 最近的通知（{count} 条）：",
    "ann.list_line": "#{id} {when} · {author} · “{summary}” · 已送达 {sent}/{total}",
    "ann.list_empty": "还没有发布过通知。发送 [cmd announce] 发布第一条。",
    "ann.report_usage": "用法：[cmd announced] 查看最近的通知；[cmd announced] 编号（如 [cmd announced] 3）查看一条的送达情况。",
    "btn.ann_on": "✅ {label}",
    "btn.ann_off": "▫️ {label}",
    "btn.ann_pick_units": "选择单位…（已选 {count}）",
    "btn.ann_units_done": "✔ 完成",
    "btn.ann_preview": "预览 ▶",
    "btn.ann_send": "✅ 发送",
    "btn.ann_edit": "✏️ 修改接收对象",
    "btn.ann_cancel": "✖ 取消",
    "btn.ann_report": "📊 查看发送情况",
    "btn.ann_report_of": "📊 #{id}",
    "btn.ann_refresh": "🔄 刷新",
    "refused.ann_not_allowed": "只有管理员和中心信息员（编辑）可以发布通知、查看发送情况。",
    "refused.ann_finish_submit": "您有一条正在填写的信息报送。请先完成，或发送 [cmd cancel] 取消后，再发布通知。",
    "refused.ann_text_empty": "通知正文不能为空，请重新输入。",
    "refused.ann_too_long": "通知太长（{length} 字），最多 {limit} 字。请精简，或分成几条通知发送。",
    "refused.ann_caption_too_long": (
        "带附件的通知，正文作为附件说明最多 {limit} 字（现在 {length} 字）。"
        "请精简后重新输入，或发送 [cmd announce] 重新开始、不带附件发送。"
    ),
    "refused.ann_no_roles": "请至少勾选一个接收角色，再点击“预览”。",
    "refused.ann_no_recipients": "按当前选择没有可以接收的人（需已加入机器人）。请点击“修改接收对象”重新选择。",
    "refused.ann_already_sent": "这条通知已经发送过了，不会重复发送。发送 [cmd announced] 查看送达情况。",
    "refused.ann_unknown": "没有编号为 {id} 的通知。发送 [cmd announced] 查看最近的通知。",
    # /guide
    "guide.head": "📘 [b]信息报送指南[/b]（依据《信息发布考核制度》）",
    "guide.topics_head": "[b]一、报送重点（第二条）[/b]\n报送以下方面的信息，[cmd submit] 时选择对应类别：",
    "guide.topic_line": "{n}. {label}",
    "guide.research": (
        "　　写政务服务工作中存在的问题及原因分析；中心各科室每年至少完成 {count} 篇调研文章（第十二条），"
        "报送时选这一类别即计入。"
    ),
    "guide.format": (
        "[b]二、写作格式（第三条：按通讯报道的格式，事实清楚、长短不限、及时准确）[/b]\n"
        "· [b]标题[/b]：概括主要事实，一句话说清谁做了什么，不超过 {title_max} 字。\n"
        "· [b]导语（开头）[/b]：第一段写明时间、地点、人物、事件，让人一看就知道发生了什么。\n"
        "· [b]主体[/b]：展开写做法、经过、数据和成效。\n"
        "· [b]结尾[/b]：简要写意义、下一步打算或群众反响，不说空话套话。\n"
        "· [b]实事求是[/b]：数字、人名、职务、单位名称准确无误，不夸大、不编造。\n"
        "· [b]一事一报[/b]：一条信息只写一件事；几件事请分几条报送。\n"
        "· [b]图片要求[/b]：与内容直接相关，画面清晰、主体突出，不加水印和文字；"
        "每条最多 {files} 个附件（图片或文件），单个不超过 {mb} MB。"
    ),
    "guide.deadline": (
        "[b]三、报送时限（第五条）[/b]\n"
        "时效性强的信息，工作发生时立即报送；最迟在事件发生后 [b]{days} 个工作日[/b]内报送到"
        "市政务服务中心（法定节假日不算，调休上班日算）。\n"
        "例如今天（{event}）发生的事，最迟 {last} 报送。"
        "超过时限仍可报送、计入报送数，但会标注“迟报”，并在每月通报中显示。"
    ),
    "guide.chain_head": "[b]四、审签流程（第三条）[/b]",
    "guide.chain_line": "· {unit}（{kind}）：{steps}",
    "guide.chain_kind": "· {kind}：{steps}",
    "guide.chain_steps": "撰写 → {signers} → 报送市政务服务中心",
    "guide.chain_then": "{before} → {next}",
    "guide.chain_sign": "{role}审签",
    "guide.chain_direct": "撰写后直接报送市政务服务中心（无需审签）",
    "guide.section_staff": "中心科室其他工作人员",
    "guide.chain_note": "审签人可以同意或退回（写明原因）；被退回的信息修改后可在 [cmd my] 中重新报送。",
    "guide.scoring_head": "[b]五、计分办法（第九条）[/b]\n信息被采用才计分，按采用单位的级别：",
    "guide.level_line": "· {level} 级（{outlets}）：每条 {points} 分",
    "guide.level.1": "市政务服务中心",
    "guide.level.2": "市委、市政府",
    "guide.level.3": "省政务服务中心",
    "guide.level.4": "省委、省政府及以上",
    "guide.scoring_rules": (
        "· 被新闻媒体采用的，按上述级别计分；同一条信息被多处采用的，累计计分。\n"
        "· 中心科室人员修改窗口和乡镇的信息，按实际采用分的 {share} 计入科室得分（原单位得分不变）。\n"
        "· 每月报送数不得少于分配的任务数（第四条）。未落实信息员的扣信息分值 {no_informant}，"
        "未完成报送任务的扣 {quota_missed}（第十一条）。\n"
        "· 完成年度基本任务分值得基本任务奖 {base} 元，每超 1 分再奖 {per_point} 元（第十条）。\n"
        "· 中心每月通报各单位报送、采用和得分情况；[cmd unit] 查看本单位，[cmd rank] 查看排名。"
    ),
    "guide.footer": "有疑问请联系中心信息员。发送 [cmd submit] 开始报送。",
}

EN: Final[dict[str, str]] = {
    "help.announce": "[cmd announce] — send a notice or training material to chosen roles and units",
    "help.announced": "[cmd announced] — delivery of recent notices; [cmd announced] N — one notice",
    "help.guide": "[cmd guide] — submission guide: topics, format, deadline, sign-off, scoring",
    "ann.ask_text": (
        "📢 [b]New announcement[/b] (第八条: informant training, notices)\n"
        "Type the text of the announcement, or send one photo or file (e.g. training material) "
        "with the text as its caption.\nSend [cmd cancel] at any time to stop."
    ),
    "ann.ask_caption": (
        "Got the {name}. Now type the text; it goes out as the file's caption "
        "(at most {limit} characters)."
    ),
    "ann.file_kind.photo": "photo",
    "ann.file_kind.document": "file",
    "ann.want_text": "Please type the text, or send a photo or a file. [cmd cancel] stops.",
    "ann.ask_text_photo": (
        "📢 [b]New announcement[/b] (第八条: training, notices)\n"
        "Type the text; or send a photo first, then type the text as its caption.\n"
        "Files cannot be sent to the app here: send a screenshot of training material, or say "
        "in the text where to get it (a download link).\n"
        "[cmd cancel] stops at any time."
    ),
    "ann.want_text_photo": "Please type the text, or send a photo (files cannot be sent here). [cmd cancel] stops.",
    "ann.use_buttons": "Please use the buttons of the message above; [cmd cancel] stops.",
    "ann.audience": (
        "👥 [b]Choose the recipients[/b]\n"
        "Roles: {roles}\n"
        "Units: {units}\n"
        "Matching now: [b]{count}[/b] people (only those who joined the bot receive it)\n\n"
        "Tap to select or clear. The unit choice applies to informants, window heads, leaders "
        "and section staff; centre roles (editors, centre leaders, …) reach every holder. "
        "Then tap Preview."
    ),
    "ann.units_pick": "🏢 [b]Choose units[/b] ({count} chosen)\nTap a unit to select or clear it, then Done.",
    "ann.units_all": "All units",
    "ann.units_chosen": "{count} units ({names})",
    "ann.roles_none": "(none)",
    "ann.kind.window": "Department windows",
    "ann.kind.township": "Township service centres",
    "ann.kind.town_centre": "Town service centres",
    "ann.kind.section": "Centre sections",
    "ann.preview": (
        "📋 [b]Please check the announcement[/b]\n\n{body}\n\n"
        "Recipients: {roles}; {units}\n"
        "It goes to [b]{count}[/b] people: {names}\n\n"
        "Tap Send if all is right; each person gets it once."
    ),
    "ann.preview_file": "(The file and text are in the message above, exactly as recipients see them.)",
    "ann.names_more": "{names} and others",
    "ann.queued": (
        "✅ Announcement #{id} is being sent to {count} people.\n"
        "Tap the button below or send [cmd announced] {id} to see its delivery."
    ),
    "ann.cancelled": "Cancelled; nothing was sent.",
    "ann.stale": "This button no longer applies (the notice was sent, cancelled or changed). "
    "Send [cmd announced] to see notices sent.",
    "ann.heading": "📢 Notice from the service centre",
    "notice.ann_text": "📢 [b]Notice from the service centre[/b]\n\n{text}\n\n— {author}",
    "ann.report": (
        "📊 [b]Announcement #{id}: delivery[/b]\n"
        "{when} · {author}\n"
        "“{summary}”\n\n"
        "{total} people: sent {sent} · pending {pending} · failed {failed} · uncertain {uncertain}"
    ),
    "ann.report_all_sent": "✅ Delivered to everyone.",
    "ann.report_unreached": "\nNot confirmed delivered:",
    "ann.report_line": "· {name} ({state})",
    "ann.report_more": "… and {count} more",
    "ann.report_failed_note": "“Failed” usually means the person blocked the bot or never opened it; "
    "please phone them.",
    "ann.report_uncertain_note": (
        "“Uncertain” means the connection broke while sending; they may have it. It is not "
        "resent; contact them yourself if needed."
    ),
    "ann.state.pending": "pending",
    "ann.state.failed": "failed",
    "ann.state.uncertain": "uncertain",
    "ann.state.sent": "sent",
    "ann.list_head": "📢 Recent announcements ({count}):",
    "ann.list_line": "#{id} {when} · {author} · “{summary}” · sent {sent}/{total}",
    "ann.list_empty": "No announcements yet. Send [cmd announce] to make the first one.",
    "ann.report_usage": "Usage: [cmd announced] for recent notices; [cmd announced] N (e.g. [cmd announced] 3) "
    "for one notice's delivery.",
    "btn.ann_on": "✅ {label}",
    "btn.ann_off": "▫️ {label}",
    "btn.ann_pick_units": "Choose units… ({count} chosen)",
    "btn.ann_units_done": "✔ Done",
    "btn.ann_preview": "Preview ▶",
    "btn.ann_send": "✅ Send",
    "btn.ann_edit": "✏️ Change recipients",
    "btn.ann_cancel": "✖ Cancel",
    "btn.ann_report": "📊 Delivery",
    "btn.ann_report_of": "📊 #{id}",
    "btn.ann_refresh": "🔄 Refresh",
    "refused.ann_not_allowed": "Only administrators and centre editors may send announcements "
    "and see their delivery.",
    "refused.ann_finish_submit": "You are in the middle of a [cmd submit]. Finish it, or send [cmd cancel], "
    "then start the announcement.",
    "refused.ann_text_empty": "The text cannot be empty; please type it again.",
    "refused.ann_too_long": "The text is too long ({length} characters; at most {limit}). "
    "Shorten it or split it into several notices.",
    "refused.ann_caption_too_long": (
        "With a file, the text is its caption: at most {limit} characters (now {length}). "
        "Shorten it, or send [cmd announce] again and send it without a file."
    ),
    "refused.ann_no_roles": "Select at least one role, then tap Preview.",
    "refused.ann_no_recipients": "Nobody who joined the bot matches this choice. "
    "Tap Change recipients.",
    "refused.ann_already_sent": "This announcement was already sent and will not be sent again. "
    "Send [cmd announced] to see its delivery.",
    "refused.ann_unknown": "There is no announcement #{id}. Send [cmd announced] for recent ones.",
    "guide.head": "📘 [b]Submission guide[/b] (the centre's information regulation)",
    "guide.topics_head": "[b]1. What to report (第二条)[/b]\nChoose the matching category in [cmd submit]:",
    "guide.topic_line": "{n}. {label}",
    "guide.research": (
        "   Problems in service work and their causes; every centre section must complete at "
        "least {count} research article(s) a year (第十二条) — submitted in this category, it counts."
    ),
    "guide.format": (
        "[b]2. How to write it (第三条: a news report — clear facts, any length, timely, "
        "accurate)[/b]\n"
        "· [b]Title[/b]: the main fact in one sentence — who did what; at most {title_max} "
        "characters.\n"
        "· [b]Lead[/b]: the first paragraph gives time, place, people and event.\n"
        "· [b]Body[/b]: what was done, how, figures and results.\n"
        "· [b]Ending[/b]: briefly the significance, next steps or public response; no filler.\n"
        "· [b]Truthful[/b]: numbers, names, titles and unit names exact; nothing inflated.\n"
        "· [b]One event per item[/b]: several events, several items.\n"
        "· [b]Photos[/b]: relevant, sharp, the subject clear, no watermarks or text; at most "
        "{files} attachments per item, {mb} MB each."
    ),
    "guide.deadline": (
        "[b]3. Deadline (第五条)[/b]\n"
        "Report time-sensitive work at once, and at the latest within [b]{days} working "
        "days[/b] of the event (public holidays do not count; make-up working days do).\n"
        "An event today ({event}) must be reported by {last}. Later items still count but are "
        "marked late in the monthly bulletin."
    ),
    "guide.chain_head": "[b]4. Sign-off (第三条)[/b]",
    "guide.chain_line": "· {unit} ({kind}): {steps}",
    "guide.chain_kind": "· {kind}: {steps}",
    "guide.chain_steps": "write → {signers} → the service centre",
    "guide.chain_then": "{before} → {next}",
    "guide.chain_sign": "signed by {role}",
    "guide.chain_direct": "write → straight to the service centre (no sign-off)",
    "guide.section_staff": "Other staff of a centre section",
    "guide.chain_note": "A signer approves or returns with a reason; revise a returned item "
    "and resubmit it from [cmd my].",
    "guide.scoring_head": "[b]5. Scoring (第九条)[/b]\nOnly adopted items score, by the level of "
    "the adopting outlet:",
    "guide.level_line": "· level {level} ({outlets}): {points} points each",
    "guide.level.1": "the city service centre",
    "guide.level.2": "city party committee and government",
    "guide.level.3": "the provincial service centre",
    "guide.level.4": "provincial party committee and government, or higher",
    "guide.scoring_rules": (
        "· News media score by the same levels; an item adopted by several outlets scores "
        "the sum.\n"
        "· When centre section staff rewrite a window's or township's item, the section also "
        "earns {share} of its adoption points (the unit keeps all of its own).\n"
        "· Each month, submit at least your quota (第四条). No informant costs {no_informant} "
        "of the info score; a missed quota costs {quota_missed} (第十一条).\n"
        "· Meeting the year's target earns {base} yuan, plus {per_point} yuan per point above "
        "it (第十条).\n"
        "· The centre publishes every unit's figures monthly; [cmd unit] for yours, [cmd rank] for "
        "the ranking."
    ),
    "guide.footer": "Questions: ask the centre's editors. Send [cmd submit] to report.",
}
