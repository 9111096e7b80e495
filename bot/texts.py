"""Every text the bot shows people, in Chinese (default) and English, in the neutral markup of
`chat.markup`; `Texts` renders it for a channel (Telegram's HTML unless told otherwise)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from bot import texts_announce, texts_briefs, texts_webnews
from chat.render import TELEGRAM_HTML, Renderer
from scoring.vocab import ItemState, Role

_CORE_ZH: Final[dict[str, str]] = {
    # roles and states
    "role.informant": "信息员",
    "role.window_head": "窗口负责人",
    "role.leader": "分管领导",
    "role.section_staff": "科室工作人员",
    "role.editor": "中心信息员（编辑）",
    "role.centre_leader": "中心分管领导",
    "role.main_leader": "中心主要领导",
    "role.network_admin": "网络管理员",
    "role.admin": "管理员",
    "state.draft": "草稿",
    "state.pending": "待审签",
    "state.returned": "已退回",
    "state.submitted": "已报送中心",
    "state.registered": "中心已登记",
    "state.archived": "已归档",
    "state.withdrawn": "已撤回",
    # joining and help
    "stranger": (
        "您好！这里是[b]报送[/b]——政务服务中心信息报送机器人。\n"
        "您还没有加入任何单位。请向管理员索取邀请链接，点击后即可开始使用。"
    ),
    "flood": "您发送得太快了，机器人还在处理前面的消息。多出的消息没有处理，请稍候再发送。",
    "welcome": "欢迎，{name}！您已加入 [b]{unit}[/b]，身份：{role}。\n\n{help}",
    "welcome_centre": "欢迎，{name}！您的身份：{role}。\n\n{help}",
    "help.head": "您可以使用以下命令：",
    "help.submit": "[cmd submit] — 报送一条信息",
    "help.my": "[cmd my] — 我报送的信息及状态",
    "help.unit": "[cmd unit] — 本单位本月及全年情况",
    "help.rank": "[cmd rank] — 本月及全年排名",
    "help.queue": "[cmd queue] — 待处理的信息（登记、编辑、采用）",
    "help.item": "[cmd item] 编号 — 查看一条信息；[cmd find] 关键词 — 按标题查找",
    "help.invite": "[cmd invite] 单位 角色 — 生成邀请链接；[cmd units] — 单位与人员；[cmd noinformant] — 未落实信息员的单位",
    "help.cancel": "[cmd cancel] — 取消当前操作",
    "help.pending": "[cmd pending] — 待我审签的信息（每条带同意、退回按钮）",
    "pending.none": "目前没有等待您审签的信息。",
    "pending.head": "待您审签的信息共 {count} 条，请逐条审签：",
    "pending.more": "另有 {count} 条未列出，审签以上信息后再发送 [cmd pending] 查看。",
    "digest.head": "🛎 每日送达检查（{day}）",
    "digest.undelivered_head": "未送达或可能未送达的消息（{count} 条）：",
    "digest.line": "• {who}：{what} — {state}（{error}）。{todo}",
    "digest.who_person": "{name}（{chat}）",
    "digest.who_chat": "会话 {chat}",
    "digest.state_failed": "发送失败",
    "digest.state_uncertain": "可能未送达",
    "digest.todo_signoff_failed": "对方可能屏蔽了机器人：请其打开机器人发送任意消息，审签请求会立即重发；或发送 [cmd pending] 查看。",
    "digest.todo_signoff_uncertain": "审签请求会自动重发，无需处理；对方也可发送 [cmd pending] 查看。",
    "digest.todo_other_failed": "对方可能屏蔽了机器人或从未打开机器人：请其打开机器人，必要时另行转告。",
    "digest.todo_other_uncertain": "可能已送达，不会自动重发：必要时请另行转告。",
    "digest.what_signoff": "信息 #{item} 的审签请求",
    "digest.what_item_notice": "信息 #{item} 的通知",
    "digest.what_notice": "通知",
    "digest.what_reminder": "提醒",
    "digest.what_bulletin": "月度通报",
    "digest.what_annual": "年度考核报告",
    "digest.what_announce": "通知公告",
    "digest.what_digest": "每日送达检查",
    "digest.what_calendar": "工作日历提醒",
    "digest.what_other": "消息 {purpose}",
    "digest.unreached_head": "无人可以审签的信息（{count} 条）：",
    "digest.unreached_line": "• #{item} {title}（{unit}）缺少“{role}”：请发送 [cmd invite] {unit} {role_key} 邀请，加入后会立即收到审签请求。",
    "digest.more": "……另有 {count} 条未列出。",
    "help.help": "[cmd help] — 显示本帮助",
    # refusals (workflow.outcomes.Refused keys)
    "refused.invite_unknown": "这个邀请码无效。请检查链接是否完整，或向管理员索取新的邀请链接。",
    "refused.invite_used": "这个邀请码已被使用过。每个邀请码只能用一次，请向管理员索取新的。",
    "refused.invite_revoked": "这个邀请码已被管理员作废，请向管理员索取新的。",
    "refused.invite_expired": "这个邀请码已过期，请向管理员索取新的邀请链接。",
    "refused.unknown_unit": "没有名为“{name}”的单位。发送 [cmd units] 查看单位列表。",
    "refused.role_needs_unit": "“{role}”需要指定单位。",
    "refused.title_empty": "标题不能为空，请重新输入标题。",
    "refused.title_too_long": "标题太长（{length} 字），最多 {limit} 字。请精简后重新输入。",
    "refused.body_empty": "正文不能为空，请输入正文。",
    "refused.body_too_long": "正文太长（{length} 字），最多 {limit} 字。请分成两条信息报送。",
    "submit.body_part_refused": (
        "刚才这一段（{part} 字）没有收下：加上它正文就有 {length} 字，超过 {limit} 字的上限。\n"
        "已收下的正文共 {kept} 字，结尾是“{tail}”。请把这一段缩短后重新发送（不要接着发下一段），"
        "或点击“完成”；内容太多时请分成两条信息报送。"
    ),
    "refused.category_unknown": "请点击按钮选择类别。",
    "refused.date_in_future": "日期 {day} 还没有到。请输入已经发生的工作日期。",
    "refused.date_too_old": "日期 {day} 距今超过一年，不能再作为信息报送。",
    "refused.date_impossible": "“{text}”不是有效的日期。",
    "refused.date_unreadable": "看不懂“{text}”。请输入如 11月20日、11.20、昨天、上周五 或 2026-11-20 这样的日期，或点击按钮。",
    "refused.unit_unknown": "该单位不存在或已停用。",
    "refused.not_informant": "您不是 {unit} 的信息员，不能以该单位名义报送。",
    "refused.item_not_yours": "这不是您报送的信息。",
    "refused.item_not_returned": "这条信息没有被退回，不需要修改后重报。",
    "refused.item_unknown": "找不到这条信息。",
    "refused.return_needs_reason": "退回需要写明原因。",
    "refused.already_decided": "这一步已经审签过了，无需重复操作。",
    "refused.stale": "这条信息的状态已经变化，此按钮已失效。",
    "refused.not_signer": "您没有这一步的审签权限（需要：{role}）。",
    "refused.not_editor": "只有中心信息员（编辑）可以这样操作。",
    "refused.already_registered": "这条信息已经登记过了。",
    "refused.not_at_centre": "这条信息还没有报送到中心。",
    "refused.editor_without_section": "您的编辑身份没有对应科室，无法记录修改。请联系管理员。",
    "refused.outlet_unknown": "没有名为“{name}”的采用渠道。",
    "refused.reference_too_long": "期号或网址太长（最多 {limit} 字）。",
    "refused.adopted_before_centre": "采用日期不能早于报送到中心的日期（{day}）。",
    "refused.already_adopted": "“{outlet}”对这条信息的采用已经登记过了。",
    "refused.withdraw_needs_reason": "撤销采用需要写明原因。",
    "refused.adoption_unknown": "找不到这条采用记录。",
    "refused.already_withdrawn": "这条采用记录已经撤销过了。",
    "refused.month_closed": (
        "{year}年{month}月已通报结算，该月的数字不再改动：日期在该月的采用不能再录入、撤销或改期。"
        "如确需更正，请告知管理员用 [cmd correct] 录入更正（注明原因），更正会列入下一期通报。"
    ),
    "refused.year_closed": (
        "{year}年度已考核结算，该年的数字不再改动。如确需更正，请管理员先重开该年度（注明原因）。"
    ),
    "refused.month_open": "{year}年{month}月尚未结算，请直接录入或撤销采用，不需要更正。",
    "refused.not_admin": "只有管理员可以这样操作。",
    "refused.editor_needs_section": (
        "中心信息员（编辑）只能加入中心的科室（如 办公室、综合科），不能加入“{name}”："
        "第九条的修改加分计入科室。请改用科室名称重新生成邀请。"
    ),
    "refused.correction_needs_reason": "更正必须写明原因。",
    "refused.reopen_needs_reason": "重开已结算的期间必须写明原因。",
    "refused.period_not_closed": "{period} 没有结算（或已重开），无需重开。",
    "refused.period_already_closed": "{period} 已结算；如需重新结算，请先重开（注明原因）。",
    "refused.not_allowed": "您没有权限执行这个操作。",
    "refused.forged": "按钮数据无效，请重新打开该信息。",
    # notices (workflow.outcomes.Notice keys)
    "notice.signoff_request": "📝 请审签（第 {step_no} 步，{role}）：\n\n{card}",
    "notice.signoff_again": "📝 待您审签（第 {step_no} 步，{role}）：这条信息在等您审签（之前的审签请求可能没有送达您）。\n\n{card}",
    "notice.admin_no_signer": "⚠️ {unit} 没有“{role}”，信息 #{item} 无人审签。请邀请相应人员。",
    "notice.editor_new_item": "📥 新信息报送到中心：\n\n{card}",
    "notice.author_returned": "↩️ 您的信息 #{item} 被 {by}（{role}）退回。\n原因：{reason}\n\n发送 [cmd my] 打开该信息，修改后重新报送。",
    "notice.author_step_approved": "✅ 您的信息 #{item} 已由 {by}（{role}）审签通过，进入下一步。",
    "notice.author_at_centre": "📨 您的信息 #{item} 已审签完毕，报送到市政务服务中心。",
    "notice.author_at_centre_late": "📨 您的信息 #{item} 已审签完毕，报送到市政务服务中心。\n⏰ 送达中心时已超过报送时限（{deadline}）{days} 个工作日，将在通报中标注为迟报。",
    "notice.adoption_adopted": "🎉 信息 #{item} 被“{outlet}”采用（{level} 级，{points} 分）。该信息累计 {total} 分。",
    "notice.adoption_withdrawn": "ℹ️ 信息 #{item} 的“{outlet}”采用记录已撤销。该信息现累计 {total} 分。",
    # item card
    "card": "[b]{number}{title}[/b]\n单位：{unit}　类别：{category}\n工作日期：{event_date}　状态：{state}{late}\n\n{body}",
    "card.late": "\n⏰ 迟报 {days} 个工作日",
    "card.due": "\n🕒 时限 {due}，{standing}",
    "due.left": "还剩 {days} 个工作日",
    "due.today": "今天截止",
    "due.overdue": "已超时 {days} 个工作日",
    # buttons
    "btn.approve": "✅ 同意",
    "btn.return": "↩️ 退回",
    "btn.register": "📋 登记",
    "btn.edit": "✏️ 修改",
    "btn.adopt": "🏅 登记采用",
    "btn.today": "今天",
    "btn.yesterday": "昨天",
    "btn.skip": "跳过",
    "btn.done": "完成",
    "btn.confirm": "✅ 确认报送",
    "btn.change": "✏️ 修改",
    "btn.cancel": "✖️ 取消",
    "btn.revise": "✏️ 修改后重报",
    # sign-off flow
    "signoff.approved": "✅ 已同意（{by}）",
    "signoff.returned": "↩️ 已退回（{by}）：{reason}",
    "signoff.ask_reason": "请输入退回信息 #{item} 的原因（发送 [cmd cancel] 放弃）：",
    "signoff.reason_empty": "原因不能为空，请输入退回原因。",
    "signoff.done_next": "已同意，已转交下一步审签。",
    "signoff.done_centre": "已同意，信息已报送到市政务服务中心。",
    "signoff.done_returned": "已退回，并通知了作者。",
    # submitting
    "submit.no_unit": "您不是任何单位的信息员，不能报送信息。如需开通，请联系管理员。",
    "submit.choose_unit": "请选择以哪个单位的名义报送：",
    "submit.choose_category": "请选择信息类别：",
    "submit.ask_title": "请输入标题（最多 {limit} 字）：",
    "submit.ask_body": "请输入正文。内容较长时可以分几条消息发送。",
    "submit.body_more": "已记录正文（共 {length} 字）。可继续发送补充内容，写完后点击“完成”。",
    "submit.ask_date": "这项工作是哪天发生的？点击按钮，或输入日期（如 11月20日、11.20、前天、上周五）。",
    "submit.ask_files": "可以发送照片或文件（可多张），发完后点击“完成”；没有附件请点击“跳过”。",
    "submit.file_added": "已添加附件 {count} 个。可继续发送，或点击“完成”。",
    "submit.file_type": "不支持这种文件（{name}）。可以发送照片，或 PDF、Word、Excel、WPS、图片文件。",
    "submit.file_big": "文件太大（{size} MB），最大 20 MB。请压缩后再发送。",
    "submit.file_many": "附件最多 {limit} 个。请点击“完成”。",
    "submit.want_text": "请输入文字。",
    "submit.want_file": "请发送照片或文件，或点击“完成”。",
    "submit.use_buttons": "请点击上面的按钮。",
    "submit.preview": "请核对：\n\n{card}\n\n附件：{files} 个\n{timeliness}",
    "submit.on_time": "🕒 报送时限至 {deadline}，现在报送属按时报送。",
    "submit.late": "⏰ 报送时限为 {deadline}，已超过 {days} 个工作日。仍可报送，但将在通报中标注为迟报。",
    "submit.centre_due": "🕒 报送时限至 {deadline}（需在此前完成审签送达中心），{standing}。",
    "submit.exempt": "🕒 {category}不设 {days} 个工作日的报送时限。",
    "submit.which_field": "要修改哪一项？",
    "submit.field.category": "类别",
    "submit.field.title": "标题",
    "submit.field.body": "正文",
    "submit.field.date": "日期",
    "submit.field.files": "附件",
    "submit.done": "✅ 已报送，编号 [b]#{item}[/b]。",
    "submit.done_on_time": "按时报送（时限至 {deadline}）。",
    "submit.done_late": "⏰ 迟报 {days} 个工作日（时限至 {deadline}），将在通报中标注。",
    "submit.done_late_pending": "⏰ 已超过报送时限 {days} 个工作日（时限至 {deadline}），送达中心后将在通报中标注为迟报。",
    "submit.to_chain": "已送 {role} 审签，结果会通知您。",
    "submit.to_centre": "已直接报送市政务服务中心。",
    "submit.resubmitted": "✅ 信息 [b]#{item}[/b] 已修改并重新送审。",
    "submit.cancelled": "已取消，草稿已删除。",
    "submit.resume": "您有一条未完成的草稿，已从上次中断处继续。",
    # centre
    "centre.queue_empty": "目前没有待处理的信息。",
    "centre.queue_head": "待处理的信息（{count} 条）：",
    "centre.queue_line": "#{id} {title}（{unit}，{state}，{points} 分）",
    "centre.registered": "📋 信息 #{item} 已登记。",
    "centre.ask_edit": "请发送修改后的全文：第一行是标题，其余是正文。（发送 [cmd cancel] 放弃）",
    "centre.edit_format": "请按“第一行标题，其余正文”的格式发送。",
    "centre.edited": "✏️ 信息 #{item} 已按编辑稿修改，记为 {section} 的修改（采用后按 1/2 计入该科室得分）。",
    "centre.edit_same": "内容与原稿相同，没有修改。",
    "centre.choose_outlet": "信息 #{item} 被哪里采用？（日期默认今天 {today}）",
    "centre.outlet_button": "{name}（{level}级 {points}分）",
    "centre.adopted": "🏅 已登记：“{outlet}”采用信息 #{item}，{level} 级，{points} 分。该信息累计 {total} 分。",
    "centre.ask_withdraw": "请输入撤销该采用记录的原因（发送 [cmd cancel] 放弃）：",
    "centre.withdrawn": "已撤销“{outlet}”的采用记录。该信息现累计 {total} 分。",
    "centre.adoption_line": "· {outlet}（{level}级）{points} 分，{day}",
    "centre.adoptions_head": "采用情况（累计 {total} 分）：",
    "centre.edit_credit_line": "✏️ {section} 修改此信息，计 {points} 分（第九条：按实际采用分计入科室）",
    "btn.withdraw": "撤销（录错）",
    "btn.adoption_day": "📅 改采用日期",
    "btn.adoption_ref": "🔗 填期号/网址",
    "centre.ask_day": "请输入采用日期（如 11月20日、11.20、昨天、上周五；发送 [cmd cancel] 放弃）：",
    "centre.ask_ref": "请输入期号或网址（发送 [cmd cancel] 放弃）：",
    "centre.amended": "已更新“{outlet}”的采用记录：日期 {day}，期号/网址 {reference}。",
    # looking up
    "my.empty": "您还没有报送过信息。发送 [cmd submit] 报送第一条。",
    "my.head": "我报送的信息（最近 {count} 条）：",
    "my.line": "#{id} {title} — {state}{points}",
    "my.points": "，{points} 分",
    "unit.none": "您不属于任何单位。",
    "unit.summary": (
        "[b]{unit}[/b] {year}年{month}月\n"
        "报送 {submitted} 条，到达中心 {at_centre} 条 / 任务 {quota} 条（{quota_state}）\n"
        "采用 {adopted} 条，得分 {score}，迟报 {late} 条，本月排名：{rank}\n\n"
        "全年累计（1—{month}月）：得分 {year_score} / 目标 {target}，"
        "报送 {year_count} / {year_quota} 条，排名：{year_rank}"
    ),
    "unit.met": "已完成",
    "unit.not_met": "未完成",
    "rank.month_head": "[b]{year}年{month}月排名[/b]",
    "rank.nth": "第 {rank} 名",
    "rank.none": "暂无（各单位均为 0 分）",
    "rank.all_zero": "各单位均为 0 分，暂不排名。",
    "rank.year_head": "[b]{year}年累计排名[/b]",
    "rank.line": "{rank}. {unit} {score} 分",
    "item.usage": "用法：[cmd item] 编号，例如 [cmd item] 12",
    "find.usage": "用法：[cmd find] 关键词，例如 [cmd find] 一窗通办",
    "find.none": "没有找到标题含“{text}”的信息。",
    "find.head": "找到 {count} 条：",
    # admin
    "admin.only": "只有管理员可以这样操作。",
    "admin.invite_usage": "用法：[cmd invite] 单位名称 角色\n角色：{roles}\n中心角色（编辑等）也请写其所在科室。",
    "admin.invite_made": "邀请链接（{unit}，{role}，{hours} 小时内有效，仅可使用一次）：\n{link}\n\n或让对方向机器人发送：[code][cmd start] {code}[/code]",
    "admin.units_head": "单位与人员：",
    "admin.unit_line": "[b]{unit}[/b]：{people}",
    "admin.no_people": "（无）",
    "admin.noinformant_none": "所有单位都已落实信息员。",
    "admin.revoke_head": "点击要撤销的身份（撤销后此人不再有该权限，历史记录保留）：",
    "admin.revoke_none": "目前没有任何人员身份。",
    "admin.revoked": "已撤销：{name}（{unit}{role}）。如需恢复，请重新发送邀请。",
    "refused.already_revoked": "该身份已经撤销过了。",
    "help.revoke": "[cmd revoke] — 撤销人员身份",
    "help.correct": "[cmd correct] — 更正已结算月份的采用（补录或撤销，注明原因）",
    "admin.correct_usage": (
        "用法（仅用于已通报结算的月份）：\n"
        "补录采用：[code][cmd correct] 信息编号 渠道 采用日期 原因[/code]，"
        "例如 [code][cmd correct] 12 省政务服务中心 2026-10-28 月末采用漏登[/code]\n"
        "撤销采用：[code][cmd correct] 撤销 信息编号 渠道 原因[/code]\n"
        "更正列入下一期通报，原通报保持不变，全年数字计入更正。"
    ),
    "admin.corrected_adoption": (
        "已更正：补录 #{item} 在“{outlet}”的采用（{day}，{points} 分）。"
        "{year}年{month}月的通报保持原样，更正将列入下一期通报并计入全年。"
    ),
    "admin.corrected_withdrawal": (
        "已更正：撤销 #{item} 在“{outlet}”的采用（{day}，{points} 分）。"
        "{year}年{month}月的通报保持原样，更正将列入下一期通报并计入全年。"
    ),
    "admin.noinformant_head": "未落实信息员的单位（第三条；年终扣信息分值 50%）：",
    # scheduled messages
    "bulletin.head": "[b]{year}年{month}月 信息报送情况通报[/b]",
    "bulletin.line": "{rank}. {unit}：{score} 分（报送 {count}/{quota}{met}，采用 {adopted} 条{late}{informant}）",
    "bulletin.line_mine": "👉 [b]{rank}. {unit}：{score} 分（报送 {count}/{quota}{met}，采用 {adopted} 条{late}{informant}）[/b]",
    "bulletin.met": " ✓",
    "bulletin.not_met": " ✗",
    "bulletin.late": "，迟报 {late} 条",
    "bulletin.no_informant": "，未落实信息员",
    "bulletin.ytd_head": "[b]全年累计（1—{month}月）[/b]",
    "bulletin.ytd_line": "{rank}. {unit}：{score} 分 / 目标 {target}",
    "bulletin.footer": "按第九条计分：市政务服务中心 {p1} 分，市委市政府 {p2} 分，省政务服务中心 {p3} 分，省委省政府及以上 {p4} 分；{credit}。",
    "bulletin.footer_credit": "中心科室修改{kinds}信息，计实际采用分的 {share}",
    "bulletin.footer_no_credit": "科室修改不另计分",
    "bulletin.ytd_not_assessed": "{rank}. {unit}：{score} 分（不考核）",
    "bulletin.corrections_head": "[b]更正[/b]（已结算月份的补录、撤销；原通报不变，计入全年）",
    "bulletin.correction_line": "{period}：{unit} #{item} {outlet} {points} 分（{reason}）",
    "bulletin.no_rank": "—",
    "kind.window": "窗口",
    "kind.township": "乡镇",
    "kind.town_centre": "镇政务服务中心",
    "kind.section": "科室",
    "annual.head": "[b]{year} 年度信息工作考核[/b]（第十、十一条）",
    "annual.line": "{rank}. {unit}：{score}/{target} 分，奖励 {reward} 元，考核分 {assessment}{deductions}",
    "annual.deductions": "（扣分：{reasons}）",
    "annual.not_assessed": "{rank}. {unit}：{score} 分，不考核（目标分为 0，不计奖励和考核分）",
    "annual.owing": "未完成调研文章的科室（第十二条）：{units}",
    "deduction.no_informant": "未落实信息员",
    "deduction.quota_missed": "未完成报送任务",
    "remind.signoff": "⏳ 信息 #{item}（{unit}）已等待您审签 {days} 个工作日，请尽快处理：\n\n{card}",
    "remind.signoff_escalate": "⏳ 信息 #{item}（{unit}）在“{role}”一步已等待 {days} 个工作日，请督促。",
    "remind.signoff_due": "⏰ 信息 #{item}（{unit}）的报送时限是今天（{deadline}），请今天完成审签，送达市政务服务中心，以免迟报：\n\n{card}",
    "remind.task_due": "📝 写作任务今天到期：{title}（{unit}，工作日期 {event_date}）。请今天报送（[cmd submit]）。",
    "remind.task_overdue": "⚠️ 写作任务已逾期：{title}（{unit}，应于 {due_on} 前报送）。",
    "remind.quota": "📊 本月还有 {days} 个工作日。{unit} 本月已报送 {count} 条，任务 {quota} 条，还差 {missing} 条。",
    "remind.research": "📚 {year} 年即将结束，{unit} 今年还没有报送调研文章（第十二条：每年至少一篇）。",
    "remind.calendar_gap": "⚠️ 工作日历没有 {year} 年的官方放假安排，目前按周一至周五减去法定节假日（元旦、春节除夕至初三、清明、劳动节5月1–2日、端午、中秋、国庆10月1–3日）计算，{year} 年的调休上班日和调休放假日未知，时限可能算错。请在 config.yaml 的 calendar.extra_holidays 和 calendar.extra_workdays 中填写 {year} 年的放假日期和调休上班日期，并把 {year} 加入 calendar.complete_years；或升级 chinesecalendar。可用 baosong calendar --year {year} 查看。",
    # writing tasks
    "notice.task_opened": "📝 新的写作任务：{title}\n请于 {due_on} 前报送（[cmd submit]）。报送后点击“完成”。",
    "task.usage": "用法：[cmd task] 单位名称 任务标题，例如：[cmd task] 城关镇便民服务中心 市领导视察便民服务中心",
    "task.opened": "已给 {unit} 开写作任务 #{task}：{title}，{due_on} 前完成，已通知其信息员。",
    "task.none": "没有未完成的写作任务。",
    "task.line": "#{task} {unit}：{title}（{due_on} 前）",
    "task.closed_done": "写作任务 #{task} 已完成。",
    "task.closed_cancel": "写作任务 #{task} 已取消。",
    "refused.task_unknown": "找不到这个写作任务。",
    "refused.file_missing": "要发送的文件不存在。",
    "refused.task_closed": "这个写作任务已经关闭了。",
    "btn.task_done": "✓ 完成",
    "btn.task_cancel": "✖ 取消任务",
    "help.tasks": "[cmd task] 单位 标题 — 开写作任务；[cmd tasks] — 未完成的写作任务",
    # waits for typed answers and confirmations of destructive steps
    "wait.pending_return": "退回原因",
    "wait.pending_edit": "修改稿",
    "wait.pending_withdraw": "撤销采用的原因",
    "wait.pending_adoption_day": "采用日期",
    "wait.pending_adoption_ref": "期号/网址",
    "wait.pending_web_return": "网站新闻的退回原因",
    "wait.pending_web_url": "网站新闻的网址",
    "wait.pending_visit": "来访登记",
    "wait.ended": "已取消等待输入（{what}）。",
    "wait.expired": "⌛ 之前等待的输入（{what}）已超过 {minutes} 分钟，已失效：这条消息没有被当作回答，什么也没有改变。如需继续，请重新点按原来的按钮。",
    "btn.confirm_yes": "✅ 确认",
    "btn.confirm_no": "✖️ 取消",
    "confirm.kept": "已取消，没有任何改变。",
    "refused.confirm_stale": "这个确认已失效（已处理、已取消，或超过 {minutes} 分钟）。如需继续，请重新操作。",
    "refused.reason_too_long": "原因太长（{length} 字），最多 {limit} 字。请精简后重新输入。",
    "refused.own_item": "这是您本人报送的信息，作者不能审签自己的信息。",
    "notice.author_own_step_skipped": "ℹ️ 您的信息 #{item} 需要“{role}”审签，而这一身份只有您本人（或按设置不由作者审签）：作者不审签自己的信息，这一步已跳过，转下一步审签或报送中心。",
    "signoff.confirm_return": "请确认退回信息 #{item}《{title}》：\n原因：{reason}\n\n确认后信息退回作者，作者会收到这个原因。",
    "signoff.return_kept": "✖️ 未退回（已取消）",
    "centre.confirm_withdraw": "请确认撤销信息 #{item} 的“{outlet}”采用记录（{level} 级 {points} 分，{day}）：\n原因：{reason}\n\n确认后该信息减少 {points} 分，作者和审签人会收到通知。",
    "centre.withdraw_kept": "✖️ 未撤销（已取消）",
    "admin.confirm_revoke": "请确认撤销 {name}（{unit}{role}）的身份：撤销后此人不再有该权限，历史记录保留。",
    "admin.revoke_kept": "✖️ 未撤销（已取消）",
    "task.confirm_cancel": "请确认取消写作任务 #{task}（{unit}）：{title}，{due_on} 前。取消后不再提醒。",
    "task.cancel_kept": "✖️ 未取消任务",
    # generic
    "cancelled": "已取消。",
    "nothing_to_cancel": "当前没有进行中的操作。",
    "error": "抱歉，处理时出错了，管理员已收到通知。请稍后再试。",
    "error_busy": "系统正忙，这次操作没有保存。请稍等片刻再试一次。",
    "error_full": "服务器存储空间不足，这次操作没有保存。管理员已收到通知。",
    "admin_error": "⚠️ 机器人出错：{error}",
    "group_only_private": "请私聊机器人使用这个命令。",
}

_CORE_EN: Final[dict[str, str]] = {
    "role.informant": "informant",
    "role.window_head": "window head",
    "role.leader": "leader in charge",
    "role.section_staff": "section staff",
    "role.editor": "centre editor",
    "role.centre_leader": "centre leader in charge",
    "role.main_leader": "centre main leader",
    "role.network_admin": "network admin",
    "role.admin": "admin",
    "state.draft": "draft",
    "state.pending": "awaiting sign-off",
    "state.returned": "returned",
    "state.submitted": "at the centre",
    "state.registered": "registered",
    "state.archived": "archived",
    "state.withdrawn": "withdrawn",
    "stranger": (
        "Hello! This is [b]Baosong[/b], the service centre's information submission bot.\n"
        "You have not joined a unit yet. Ask an administrator for an invite link."
    ),
    "flood": "You are sending faster than the bot can answer: the extra messages were not handled. Please wait a moment and send again.",
    "welcome": "Welcome, {name}! You joined [b]{unit}[/b] as {role}.\n\n{help}",
    "welcome_centre": "Welcome, {name}! Your role: {role}.\n\n{help}",
    "help.head": "You can use:",
    "help.submit": "[cmd submit] — submit an item",
    "help.my": "[cmd my] — my items and where they stand",
    "help.unit": "[cmd unit] — my unit this month and this year",
    "help.rank": "[cmd rank] — this month's and this year's ranking",
    "help.queue": "[cmd queue] — items to register, edit and record adoptions for",
    "help.item": "[cmd item] NUMBER — open an item; [cmd find] WORDS — search titles",
    "help.invite": "[cmd invite] UNIT ROLE — make an invite link; [cmd units] — units and people; [cmd noinformant] — units without an informant",
    "help.cancel": "[cmd cancel] — cancel what you are doing",
    "help.pending": "[cmd pending] — items waiting for my sign-off (each with Approve / Return)",
    "pending.none": "Nothing is waiting for your sign-off.",
    "pending.head": "{count} items wait for your sign-off:",
    "pending.more": "{count} more are not listed; send [cmd pending] again after these.",
    "digest.head": "🛎 Daily delivery check ({day})",
    "digest.undelivered_head": "Messages not delivered or maybe not delivered ({count}):",
    "digest.line": "• {who}: {what} — {state} ({error}). {todo}",
    "digest.who_person": "{name} ({chat})",
    "digest.who_chat": "chat {chat}",
    "digest.state_failed": "failed",
    "digest.state_uncertain": "maybe not delivered",
    "digest.todo_signoff_failed": "They may have blocked the bot: ask them to open it and send anything; the request comes again at once (or they send [cmd pending]).",
    "digest.todo_signoff_uncertain": "The request is offered again by itself; nothing to do (they can also send [cmd pending]).",
    "digest.todo_other_failed": "They may have blocked the bot or never opened it: ask them to open it; pass it on by other means if needed.",
    "digest.todo_other_uncertain": "It may have arrived and is not sent again: pass it on by other means if needed.",
    "digest.what_signoff": "the sign-off request of item #{item}",
    "digest.what_item_notice": "a notice about item #{item}",
    "digest.what_notice": "a notice",
    "digest.what_reminder": "a reminder",
    "digest.what_bulletin": "the monthly bulletin",
    "digest.what_annual": "the year-end report",
    "digest.what_announce": "an announcement",
    "digest.what_digest": "the daily delivery check",
    "digest.what_calendar": "the calendar warning",
    "digest.what_other": "message {purpose}",
    "digest.unreached_head": "Items nobody can sign ({count}):",
    "digest.unreached_line": "• #{item} {title} ({unit}) has no {role}: send [cmd invite] {unit} {role_key}; whoever joins gets the request at once.",
    "digest.more": "… and {count} more.",
    "help.help": "[cmd help] — this help",
    "refused.invite_unknown": "This invite code is not valid. Check the link, or ask an administrator for a new one.",
    "refused.invite_used": "This invite code was already used. Each code works once; ask for a new one.",
    "refused.invite_revoked": "This invite code was revoked; ask an administrator for a new one.",
    "refused.invite_expired": "This invite code has expired; ask an administrator for a new one.",
    "refused.unknown_unit": "There is no unit called “{name}”. Send [cmd units] for the list.",
    "refused.role_needs_unit": "The role {role} needs a unit.",
    "refused.title_empty": "The title cannot be empty; please type a title.",
    "refused.title_too_long": "The title is too long ({length} characters, at most {limit}).",
    "refused.body_empty": "The text cannot be empty; please type it.",
    "refused.body_too_long": "The text is too long ({length} characters, at most {limit}); split it in two items.",
    "submit.body_part_refused": (
        "That part ({part} characters) was not kept: with it the text would be {length}"
        " characters, over the limit of {limit}.\nKept so far: {kept} characters, ending"
        " “{tail}”. Send this part again, shorter (not the next one), or press Done; for more,"
        " split it into two items."
    ),
    "refused.category_unknown": "Please choose a category with the buttons.",
    "refused.date_in_future": "{day} has not happened yet. Give the date the work took place.",
    "refused.date_too_old": "{day} is more than a year ago; it can no longer be submitted.",
    "refused.date_impossible": "“{text}” is not a valid date.",
    "refused.date_unreadable": "I cannot read “{text}”. Type a date like 11月20日, 11.20 (month first), 昨天 or 2026-11-20, or use the buttons.",
    "refused.unit_unknown": "That unit does not exist or is no longer active.",
    "refused.not_informant": "You are not an informant of {unit}.",
    "refused.item_not_yours": "This is not your item.",
    "refused.item_not_returned": "This item was not returned; there is nothing to resubmit.",
    "refused.item_unknown": "No such item.",
    "refused.return_needs_reason": "A return needs a reason.",
    "refused.already_decided": "This step was already decided; nothing to do.",
    "refused.stale": "This item has moved on; the button no longer applies.",
    "refused.not_signer": "You cannot sign this step (needs: {role}).",
    "refused.not_editor": "Only centre editors can do that.",
    "refused.already_registered": "This item is already registered.",
    "refused.not_at_centre": "This item has not reached the centre yet.",
    "refused.editor_without_section": "Your editor role has no section; ask an administrator.",
    "refused.outlet_unknown": "There is no outlet called “{name}”.",
    "refused.reference_too_long": "The issue number or URL is too long (at most {limit}).",
    "refused.adopted_before_centre": "The adoption date cannot be before the item reached the centre ({day}).",
    "refused.already_adopted": "“{outlet}” adopting this item is already recorded.",
    "refused.withdraw_needs_reason": "Withdrawing an adoption needs a reason.",
    "refused.adoption_unknown": "No such adoption.",
    "refused.already_withdrawn": "That adoption was already withdrawn.",
    "refused.month_closed": (
        "{year}-{month} was closed when its bulletin was posted: adoptions dated in it can no"
        " longer be recorded, withdrawn or re-dated. Ask an admin to record a correction"
        " (with its reason); it is listed in the next bulletin."
    ),
    "refused.year_closed": (
        "{year} was closed with its year-end report. An admin must reopen it (with a reason)"
        " before anything dated in it changes."
    ),
    "refused.month_open": "{year}-{month} is not closed: record or withdraw the adoption directly.",
    "refused.not_admin": "Only an admin can do that.",
    "refused.editor_needs_section": (
        "A centre editor joins one of the centre's sections (e.g. 办公室), not “{name}”:"
        " 第九条 credits the section for edits. Make the invite for a section."
    ),
    "refused.correction_needs_reason": "A correction needs its reason.",
    "refused.reopen_needs_reason": "Reopening a closed period needs a reason.",
    "refused.period_not_closed": "{period} is not closed (or was reopened): nothing to reopen.",
    "refused.period_already_closed": "{period} is closed; reopen it (with a reason) to close it again.",
    "refused.not_allowed": "You are not allowed to do that.",
    "refused.forged": "That button is not valid; open the item again.",
    "notice.signoff_request": "📝 Please sign off (step {step_no}, {role}):\n\n{card}",
    "notice.signoff_again": "📝 Waiting for your sign-off (step {step_no}, {role}): the earlier request may not have reached you.\n\n{card}",
    "notice.admin_no_signer": "⚠️ {unit} has no {role}; item #{item} cannot be signed. Invite someone.",
    "notice.editor_new_item": "📥 A new item reached the centre:\n\n{card}",
    "notice.author_returned": "↩️ Your item #{item} was returned by {by} ({role}).\nReason: {reason}\n\nSend [cmd my] to open it, revise and resubmit.",
    "notice.author_step_approved": "✅ Your item #{item} was approved by {by} ({role}) and moves on.",
    "notice.author_at_centre": "📨 Your item #{item} is signed off and reached the centre.",
    "notice.author_at_centre_late": "📨 Your item #{item} is signed off and reached the centre.\n⏰ It arrived {days} working days after its deadline ({deadline}); the bulletin marks it late.",
    "notice.adoption_adopted": "🎉 Item #{item} adopted by “{outlet}” (level {level}, {points} points). The item has {total} points.",
    "notice.adoption_withdrawn": "ℹ️ The “{outlet}” adoption of item #{item} was withdrawn. The item has {total} points.",
    "card": "[b]{number}{title}[/b]\nUnit: {unit}  Category: {category}\nDate of the work: {event_date}  State: {state}{late}\n\n{body}",
    "card.late": "\n⏰ {days} working days late",
    "card.due": "\n🕒 Due {due}: {standing}",
    "due.left": "{days} working days left",
    "due.today": "due today",
    "due.overdue": "{days} working days overdue",
    "btn.approve": "✅ Approve",
    "btn.return": "↩️ Return",
    "btn.register": "📋 Register",
    "btn.edit": "✏️ Edit",
    "btn.adopt": "🏅 Record adoption",
    "btn.today": "Today",
    "btn.yesterday": "Yesterday",
    "btn.skip": "Skip",
    "btn.done": "Done",
    "btn.confirm": "✅ Submit",
    "btn.change": "✏️ Change",
    "btn.cancel": "✖️ Cancel",
    "btn.revise": "✏️ Revise and resubmit",
    "signoff.approved": "✅ Approved ({by})",
    "signoff.returned": "↩️ Returned ({by}): {reason}",
    "signoff.ask_reason": "Type the reason for returning item #{item} ([cmd cancel] to give up):",
    "signoff.reason_empty": "The reason cannot be empty; please type it.",
    "signoff.done_next": "Approved; passed on to the next signer.",
    "signoff.done_centre": "Approved; the item reached the centre.",
    "signoff.done_returned": "Returned; the author was told.",
    "submit.no_unit": "You are not an informant of any unit. Ask an administrator.",
    "submit.choose_unit": "Which unit is this item for?",
    "submit.choose_category": "Choose a category:",
    "submit.ask_title": "Type the title (at most {limit} characters):",
    "submit.ask_body": "Type the text. Long texts may be sent as several messages.",
    "submit.body_more": "Text recorded ({length} characters). Send more, or press Done.",
    "submit.ask_date": "On what day did the work happen? Press a button or type a date (11月20日, 11.20 month first, 前天, 上周五).",
    "submit.ask_files": "Send photos or files if any, then press Done; press Skip if there are none.",
    "submit.file_added": "{count} attachment(s) added. Send more, or press Done.",
    "submit.file_type": "This kind of file is not supported ({name}). Send photos, PDF, Word, Excel, WPS or image files.",
    "submit.file_big": "The file is too large ({size} MB, at most 20 MB).",
    "submit.file_many": "At most {limit} attachments. Press Done.",
    "submit.want_text": "Please type text.",
    "submit.want_file": "Send a photo or a file, or press Done.",
    "submit.use_buttons": "Please use the buttons above.",
    "submit.preview": "Please check:\n\n{card}\n\nAttachments: {files}\n{timeliness}",
    "submit.on_time": "🕒 Due by {deadline}: submitting now is on time.",
    "submit.late": "⏰ It was due by {deadline}: {days} working days late. You can still submit; the bulletin marks it late.",
    "submit.centre_due": "🕒 Due at the centre by {deadline} (the sign-offs must be done by then): {standing}.",
    "submit.exempt": "🕒 {category} has no {days}-working-day deadline.",
    "submit.which_field": "What do you want to change?",
    "submit.field.category": "Category",
    "submit.field.title": "Title",
    "submit.field.body": "Text",
    "submit.field.date": "Date",
    "submit.field.files": "Attachments",
    "submit.done": "✅ Submitted as [b]#{item}[/b].",
    "submit.done_on_time": "On time (due by {deadline}).",
    "submit.done_late": "⏰ {days} working days late (due by {deadline}); the bulletin marks it.",
    "submit.done_late_pending": "⏰ Already {days} working days past its deadline ({deadline}); once at the centre, the bulletin marks it late.",
    "submit.to_chain": "Sent to the {role} for sign-off; you will be told the outcome.",
    "submit.to_centre": "Sent straight to the centre.",
    "submit.resubmitted": "✅ Item [b]#{item}[/b] revised and sent for sign-off again.",
    "submit.cancelled": "Cancelled; the draft is deleted.",
    "submit.resume": "You have an unfinished draft; continuing where you left off.",
    "centre.queue_empty": "Nothing waiting.",
    "centre.queue_head": "Items waiting ({count}):",
    "centre.queue_line": "#{id} {title} ({unit}, {state}, {points} points)",
    "centre.registered": "📋 Item #{item} registered.",
    "centre.ask_edit": "Send the edited text: the first line is the title, the rest the body. ([cmd cancel] to give up)",
    "centre.edit_format": "Please send: the title on the first line, the body below it.",
    "centre.edited": "✏️ Item #{item} now has the edited text, recorded as an edit by {section} (half its adoption points count for that section).",
    "centre.edit_same": "The text is unchanged.",
    "centre.choose_outlet": "Where was item #{item} adopted? (date: today, {today})",
    "centre.outlet_button": "{name} (level {level}, {points} pts)",
    "centre.adopted": "🏅 Recorded: “{outlet}” adopted item #{item}, level {level}, {points} points. The item has {total} points.",
    "centre.ask_withdraw": "Type the reason for withdrawing this adoption ([cmd cancel] to give up):",
    "centre.withdrawn": "The “{outlet}” adoption is withdrawn. The item has {total} points.",
    "centre.adoption_line": "· {outlet} (level {level}) {points} points, {day}",
    "centre.adoptions_head": "Adoptions ({total} points):",
    "centre.edit_credit_line": "✏️ {section} edited this item: {points} points (第九条: its share of the adoption points)",
    "btn.withdraw": "Withdraw (mistake)",
    "btn.adoption_day": "📅 Change date",
    "btn.adoption_ref": "🔗 Issue / URL",
    "centre.ask_day": "Type the adoption date (2026-11-20, 11月20日, 昨天 for yesterday, 前天 for the day before; [cmd cancel] to give up):",
    "centre.ask_ref": "Type the issue number or URL ([cmd cancel] to give up):",
    "centre.amended": "Updated the “{outlet}” adoption: date {day}, issue/URL {reference}.",
    "my.empty": "You have not submitted anything yet. Send [cmd submit].",
    "my.head": "My items (latest {count}):",
    "my.line": "#{id} {title} — {state}{points}",
    "my.points": ", {points} points",
    "unit.none": "You do not belong to a unit.",
    "unit.summary": (
        "[b]{unit}[/b] {year}-{month}\n"
        "Submitted {submitted}, reached the centre {at_centre} / quota {quota} ({quota_state})\n"
        "Adopted {adopted}, score {score}, late {late}, rank {rank}\n\n"
        "Year to date (Jan–{month}): score {year_score} / target {target}, "
        "items {year_count} / {year_quota}, rank {year_rank}"
    ),
    "unit.met": "met",
    "unit.not_met": "not met",
    "rank.month_head": "[b]Ranking {year}-{month}[/b]",
    "rank.nth": "no. {rank}",
    "rank.none": "none yet (every unit has 0 points)",
    "rank.all_zero": "Every unit has 0 points: no ranking yet.",
    "rank.year_head": "[b]Ranking {year} so far[/b]",
    "rank.line": "{rank}. {unit} {score} points",
    "item.usage": "Usage: [cmd item] NUMBER, e.g. [cmd item] 12",
    "find.usage": "Usage: [cmd find] WORDS",
    "find.none": "No item title contains “{text}”.",
    "find.head": "Found {count}:",
    "admin.only": "Only administrators can do that.",
    "admin.invite_usage": "Usage: [cmd invite] UNIT ROLE\nRoles: {roles}\nCentre roles (editor…) also name their section.",
    "admin.invite_made": "Invite link ({unit}, {role}, valid {hours} hours, single use):\n{link}\n\nOr send the bot: [code][cmd start] {code}[/code]",
    "admin.units_head": "Units and people:",
    "admin.unit_line": "[b]{unit}[/b]: {people}",
    "admin.no_people": "(nobody)",
    "admin.noinformant_none": "Every unit has an informant.",
    "admin.revoke_head": "Tap a role to revoke it (the person loses it; history is kept):",
    "admin.revoke_none": "Nobody holds a role yet.",
    "admin.revoked": "Revoked: {name} ({unit}{role}). Send a new invite to restore it.",
    "refused.already_revoked": "That role was already revoked.",
    "help.revoke": "[cmd revoke] — revoke someone's role",
    "help.correct": "[cmd correct] — correct a closed month's adoptions (add or withdraw, with a reason)",
    "admin.correct_usage": (
        "Usage (closed months only):\n"
        "add: [code][cmd correct] ITEM OUTLET DATE REASON[/code],"
        " e.g. [code][cmd correct] 12 省政务服务中心 2026-10-28 recorded late[/code]\n"
        "withdraw: [code][cmd correct] 撤销 ITEM OUTLET REASON[/code]\n"
        "The next bulletin lists it; the closed bulletin stays; the year counts it."
    ),
    "admin.corrected_adoption": (
        "Corrected: #{item} adopted by {outlet} on {day} ({points} points). The {year}-{month}"
        " bulletin stays as published; the next one lists the correction."
    ),
    "admin.corrected_withdrawal": (
        "Corrected: #{item}'s adoption by {outlet} on {day} ({points} points) withdrawn. The"
        " {year}-{month} bulletin stays as published; the next one lists the correction."
    ),
    "admin.noinformant_head": "Units without an informant (第三条; −50% at year end):",
    "bulletin.head": "[b]Information bulletin {year}-{month}[/b]",
    "bulletin.line": "{rank}. {unit}: {score} points (items {count}/{quota}{met}, adopted {adopted}{late}{informant})",
    "bulletin.line_mine": "👉 [b]{rank}. {unit}: {score} points (items {count}/{quota}{met}, adopted {adopted}{late}{informant})[/b]",
    "bulletin.met": " ✓",
    "bulletin.not_met": " ✗",
    "bulletin.late": ", {late} late",
    "bulletin.no_informant": ", no informant",
    "bulletin.ytd_head": "[b]Year to date (Jan–{month})[/b]",
    "bulletin.ytd_line": "{rank}. {unit}: {score} / target {target}",
    "bulletin.footer": "Points (第九条): centre {p1}, city {p2}, province centre {p3}, province or higher {p4}; {credit}.",
    "bulletin.footer_credit": "a centre section that edited a {kinds} item earns {share} of its points",
    "bulletin.footer_no_credit": "a section's edits earn nothing extra",
    "bulletin.ytd_not_assessed": "{rank}. {unit}: {score} points (not assessed)",
    "bulletin.corrections_head": "[b]Corrections[/b] (closed months; their bulletins stay as published, the year counts them)",
    "bulletin.correction_line": "{period}: {unit} #{item} {outlet} {points} points ({reason})",
    "bulletin.no_rank": "—",
    "kind.window": "window",
    "kind.township": "township",
    "kind.town_centre": "town centre",
    "kind.section": "section",
    "annual.head": "[b]Information work assessment {year}[/b] (第十、十一条)",
    "annual.line": "{rank}. {unit}: {score}/{target} points, reward {reward} yuan, assessment {assessment}{deductions}",
    "annual.deductions": " (deducted: {reasons})",
    "annual.not_assessed": "{rank}. {unit}: {score} points, not assessed (target 0: no reward, no assessment)",
    "annual.owing": "Sections without a research article (第十二条): {units}",
    "deduction.no_informant": "no informant designated",
    "deduction.quota_missed": "submission quota missed",
    "remind.signoff": "⏳ Item #{item} ({unit}) has waited {days} working days for your sign-off:\n\n{card}",
    "remind.signoff_escalate": "⏳ Item #{item} ({unit}) has waited {days} working days at the {role} step.",
    "remind.signoff_due": "⏰ Item #{item} ({unit}) is due at the centre today ({deadline}): please sign it off today so it is not late:\n\n{card}",
    "remind.task_due": "📝 A writing task is due today: {title} ({unit}, work on {event_date}). Please [cmd submit] today.",
    "remind.task_overdue": "⚠️ A writing task is overdue: {title} ({unit}, due {due_on}).",
    "remind.quota": "📊 {days} working days left this month. {unit} has {count} of {quota} items; {missing} to go.",
    "remind.research": "📚 {year} is ending and {unit} has no research article yet (第十二条: at least one a year).",
    "remind.calendar_gap": "⚠️ The working-day calendar has no official schedule for {year}: Monday–Friday minus the statutory holidays (New Year's Day, Spring Festival eve to day 3, Qingming, May 1–2, Dragon Boat, Mid-Autumn, Oct 1–3) is used, and {year}'s make-up working days (调休) are unknown, so deadlines may be off. List {year}'s holidays and make-up days under calendar.extra_holidays / calendar.extra_workdays in config.yaml and add {year} to calendar.complete_years, or upgrade chinesecalendar. See baosong calendar --year {year}.",
    "notice.task_opened": "📝 New writing task: {title}\nPlease [cmd submit] by {due_on}, then press Done.",
    "task.usage": "Usage: [cmd task] UNIT TITLE",
    "task.opened": "Opened writing task #{task} for {unit}: {title}, due {due_on}; its informants were told.",
    "task.none": "No open writing tasks.",
    "task.line": "#{task} {unit}: {title} (due {due_on})",
    "task.closed_done": "Writing task #{task} done.",
    "task.closed_cancel": "Writing task #{task} cancelled.",
    "refused.task_unknown": "No such writing task.",
    "refused.file_missing": "The file to send is missing.",
    "refused.task_closed": "That writing task is already closed.",
    "btn.task_done": "✓ Done",
    "btn.task_cancel": "✖ Cancel task",
    "help.tasks": "[cmd task] UNIT TITLE — open a writing task; [cmd tasks] — open writing tasks",
    "wait.pending_return": "the return reason",
    "wait.pending_edit": "the edited text",
    "wait.pending_withdraw": "the reason for withdrawing the adoption",
    "wait.pending_adoption_day": "the adoption date",
    "wait.pending_adoption_ref": "the issue or URL",
    "wait.pending_web_return": "the website news return reason",
    "wait.pending_web_url": "the website news URL",
    "wait.pending_visit": "the visit being logged",
    "wait.ended": "No longer waiting for {what}.",
    "wait.expired": "⌛ The question you were asked ({what}) expired after {minutes} minutes: this message was not taken as its answer and nothing changed. Press the original button again to go on.",
    "btn.confirm_yes": "✅ Confirm",
    "btn.confirm_no": "✖️ Cancel",
    "confirm.kept": "Cancelled; nothing changed.",
    "refused.confirm_stale": "This confirmation no longer applies (done, cancelled, or older than {minutes} minutes). Start again if needed.",
    "refused.reason_too_long": "The reason is too long ({length} characters; at most {limit}). Please shorten it and type it again.",
    "refused.own_item": "You wrote this item; an author never signs their own item.",
    "notice.author_own_step_skipped": "ℹ️ Item #{item} needs the {role}'s sign-off, and you hold that role (and nobody else signs it): an author never signs their own item, so that step is skipped to the next one, or to the centre.",
    "signoff.confirm_return": "Return item #{item} “{title}”?\nReason: {reason}\n\nOnce confirmed, the item goes back to its author with this reason.",
    "signoff.return_kept": "✖️ Not returned (cancelled)",
    "centre.confirm_withdraw": "Withdraw the “{outlet}” adoption of item #{item} (level {level}, {points} points, {day})?\nReason: {reason}\n\nOnce confirmed, the item loses {points} points; its author and signers are told.",
    "centre.withdraw_kept": "✖️ Not withdrawn (cancelled)",
    "admin.confirm_revoke": "Revoke {name}'s role ({unit}{role})? They lose it at once; history is kept.",
    "admin.revoke_kept": "✖️ Not revoked (cancelled)",
    "task.confirm_cancel": "Cancel writing task #{task} ({unit}): {title}, due {due_on}? No more reminders go out.",
    "task.cancel_kept": "✖️ Task kept",
    "cancelled": "Cancelled.",
    "nothing_to_cancel": "Nothing to cancel.",
    "error": "Sorry, something went wrong; the administrators were told. Please try again later.",
    "error_busy": "The system is busy; nothing was saved. Please try again in a moment.",
    "error_full": "The server is out of storage; nothing was saved. The administrators were told.",
    "admin_error": "⚠️ Bot error: {error}",
    "group_only_private": "Please use this command in a private chat with the bot.",
}


def _merged(base: dict[str, str], *parts: Mapping[str, str]) -> dict[str, str]:
    """One language's catalogue: the core texts plus each feature's own module of texts."""
    merged = dict(base)
    for part in parts:
        clash = merged.keys() & part.keys()
        assert not clash, f"text keys defined twice: {sorted(clash)}"
        merged.update(part)
    return merged


ZH: Final[dict[str, str]] = _merged(_CORE_ZH, texts_briefs.ZH, texts_webnews.ZH, texts_announce.ZH)
EN: Final[dict[str, str]] = _merged(_CORE_EN, texts_briefs.EN, texts_webnews.EN, texts_announce.EN)
CATALOGUES: Final[Mapping[str, Mapping[str, str]]] = {"zh": ZH, "en": EN}


class Raw(str):
    """Text already in the renderer's format (a card, a list) that must not be escaped again."""

    __slots__ = ()


#: The catalogues as each renderer shows them, rendered once: `{field}`s are left in place.
_RENDERED: dict[tuple[Renderer, str], dict[str, str]] = {}


def rendered(renderer: Renderer, language: str) -> dict[str, str]:
    """One language's catalogue in a renderer's format (keys missing from it: Chinese)."""
    found = _RENDERED.get((renderer, language))
    if found is None:
        catalogue = {**ZH, **CATALOGUES[language]}
        found = {key: renderer.render(markup) for key, markup in catalogue.items()}
        _RENDERED[(renderer, language)] = found
    return found


class Texts:
    """The catalogue of one language, rendered for one channel (Telegram's HTML by default);
    parameters are escaped for that format unless marked Raw."""

    def __init__(self, language: str, renderer: Renderer = TELEGRAM_HTML) -> None:
        self.language = language
        self.renderer = renderer
        self._catalogue = CATALOGUES[language]
        self._rendered = rendered(renderer, language)

    def __call__(self, key: str, **params: Any) -> str:
        """The text for a key with its parameters filled in (escaped)."""
        escape = self.renderer.escape
        safe = {
            name: value if isinstance(value, Raw) else escape(str(value))
            for name, value in params.items()
        }
        return self._rendered[key].format(**safe)

    def role(self, role: Role | str) -> str:
        """A role's name."""
        return self(f"role.{Role(role).value}")

    def state(self, state: ItemState | str) -> str:
        """An item state's name."""
        return self(f"state.{ItemState(state).value}")

    def has(self, key: str) -> bool:
        """Whether the catalogue has a text for this key."""
        return key in self._catalogue
