"""Every text the bot shows people, in Chinese (default) and English; HTML-safe by construction."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, Final

from scoring.vocab import ItemState, Role

ZH: Final[dict[str, str]] = {
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
        "您好！这里是<b>报送</b>——政务服务中心信息报送机器人。\n"
        "您还没有加入任何单位。请向管理员索取邀请链接，点击后即可开始使用。"
    ),
    "welcome": "欢迎，{name}！您已加入 <b>{unit}</b>，身份：{role}。\n\n{help}",
    "welcome_centre": "欢迎，{name}！您的身份：{role}。\n\n{help}",
    "help.head": "您可以使用以下命令：",
    "help.submit": "/submit — 报送一条信息",
    "help.my": "/my — 我报送的信息及状态",
    "help.unit": "/unit — 本单位本月及全年情况",
    "help.rank": "/rank — 本月及全年排名",
    "help.queue": "/queue — 待处理的信息（登记、编辑、采用）",
    "help.item": "/item 编号 — 查看一条信息；/find 关键词 — 按标题查找",
    "help.invite": "/invite 单位 角色 — 生成邀请链接；/units — 单位与人员；/noinformant — 未落实信息员的单位",
    "help.cancel": "/cancel — 取消当前操作",
    "help.help": "/help — 显示本帮助",
    # refusals (workflow.outcomes.Refused keys)
    "refused.invite_unknown": "这个邀请码无效。请检查链接是否完整，或向管理员索取新的邀请链接。",
    "refused.invite_used": "这个邀请码已被使用过。每个邀请码只能用一次，请向管理员索取新的。",
    "refused.invite_revoked": "这个邀请码已被管理员作废，请向管理员索取新的。",
    "refused.invite_expired": "这个邀请码已过期，请向管理员索取新的邀请链接。",
    "refused.unknown_unit": "没有名为“{name}”的单位。发送 /units 查看单位列表。",
    "refused.role_needs_unit": "“{role}”需要指定单位。",
    "refused.title_empty": "标题不能为空，请重新输入标题。",
    "refused.title_too_long": "标题太长（{length} 字），最多 {limit} 字。请精简后重新输入。",
    "refused.body_empty": "正文不能为空，请输入正文。",
    "refused.body_too_long": "正文太长（{length} 字），最多 {limit} 字。请分成两条信息报送。",
    "refused.category_unknown": "请点击按钮选择类别。",
    "refused.date_in_future": "日期 {day} 还没有到。请输入已经发生的工作日期。",
    "refused.date_too_old": "日期 {day} 距今超过一年，不能再作为信息报送。",
    "refused.date_impossible": "“{text}”不是有效的日期。",
    "refused.date_unreadable": "看不懂“{text}”。请输入如 2026-11-20、11月20日 或 20.11 这样的日期，或点击按钮。",
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
    "refused.not_allowed": "您没有权限执行这个操作。",
    "refused.forged": "按钮数据无效，请重新打开该信息。",
    # notices (workflow.outcomes.Notice keys)
    "notice.signoff_request": "📝 请审签（第 {step_no} 步，{role}）：\n\n{card}",
    "notice.admin_no_signer": "⚠️ {unit} 没有“{role}”，信息 #{item} 无人审签。请邀请相应人员。",
    "notice.editor_new_item": "📥 新信息报送到中心：\n\n{card}",
    "notice.author_returned": "↩️ 您的信息 #{item} 被 {by}（{role}）退回。\n原因：{reason}\n\n发送 /my 打开该信息，修改后重新报送。",
    "notice.author_step_approved": "✅ 您的信息 #{item} 已由 {by}（{role}）审签通过，进入下一步。",
    "notice.author_at_centre": "📨 您的信息 #{item} 已审签完毕，报送到市政务服务中心。",
    "notice.adoption_adopted": "🎉 信息 #{item} 被“{outlet}”采用（{level} 级，{points} 分）。该信息累计 {total} 分。",
    "notice.adoption_withdrawn": "ℹ️ 信息 #{item} 的“{outlet}”采用记录已撤销。该信息现累计 {total} 分。",
    # item card
    "card": "<b>#{id} {title}</b>\n单位：{unit}　类别：{category}\n工作日期：{event_date}　状态：{state}{late}\n\n{body}",
    "card.late": "\n⏰ 迟报 {days} 个工作日",
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
    "signoff.ask_reason": "请输入退回信息 #{item} 的原因（发送 /cancel 放弃）：",
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
    "submit.ask_date": "这项工作是哪天发生的？点击按钮，或输入日期（如 2026-11-20、11月20日、20.11）。",
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
    "submit.which_field": "要修改哪一项？",
    "submit.field.category": "类别",
    "submit.field.title": "标题",
    "submit.field.body": "正文",
    "submit.field.date": "日期",
    "submit.field.files": "附件",
    "submit.done": "✅ 已报送，编号 <b>#{item}</b>。",
    "submit.done_on_time": "按时报送（时限至 {deadline}）。",
    "submit.done_late": "⏰ 迟报 {days} 个工作日（时限至 {deadline}），将在通报中标注。",
    "submit.to_chain": "已送 {role} 审签，结果会通知您。",
    "submit.to_centre": "已直接报送市政务服务中心。",
    "submit.resubmitted": "✅ 信息 <b>#{item}</b> 已修改并重新送审。",
    "submit.cancelled": "已取消，草稿已删除。",
    "submit.resume": "您有一条未完成的草稿，已从上次中断处继续。",
    # generic
    "cancelled": "已取消。",
    "nothing_to_cancel": "当前没有进行中的操作。",
    "error": "抱歉，处理时出错了，管理员已收到通知。请稍后再试。",
    "admin_error": "⚠️ 机器人出错：{error}",
    "group_only_private": "请私聊机器人使用这个命令。",
}

EN: Final[dict[str, str]] = {
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
        "Hello! This is <b>Baosong</b>, the service centre's information submission bot.\n"
        "You have not joined a unit yet. Ask an administrator for an invite link."
    ),
    "welcome": "Welcome, {name}! You joined <b>{unit}</b> as {role}.\n\n{help}",
    "welcome_centre": "Welcome, {name}! Your role: {role}.\n\n{help}",
    "help.head": "You can use:",
    "help.submit": "/submit — submit an item",
    "help.my": "/my — my items and where they stand",
    "help.unit": "/unit — my unit this month and this year",
    "help.rank": "/rank — this month's and this year's ranking",
    "help.queue": "/queue — items to register, edit and record adoptions for",
    "help.item": "/item NUMBER — open an item; /find WORDS — search titles",
    "help.invite": "/invite UNIT ROLE — make an invite link; /units — units and people; /noinformant — units without an informant",
    "help.cancel": "/cancel — cancel what you are doing",
    "help.help": "/help — this help",
    "refused.invite_unknown": "This invite code is not valid. Check the link, or ask an administrator for a new one.",
    "refused.invite_used": "This invite code was already used. Each code works once; ask for a new one.",
    "refused.invite_revoked": "This invite code was revoked; ask an administrator for a new one.",
    "refused.invite_expired": "This invite code has expired; ask an administrator for a new one.",
    "refused.unknown_unit": "There is no unit called “{name}”. Send /units for the list.",
    "refused.role_needs_unit": "The role {role} needs a unit.",
    "refused.title_empty": "The title cannot be empty; please type a title.",
    "refused.title_too_long": "The title is too long ({length} characters, at most {limit}).",
    "refused.body_empty": "The text cannot be empty; please type it.",
    "refused.body_too_long": "The text is too long ({length} characters, at most {limit}); split it in two items.",
    "refused.category_unknown": "Please choose a category with the buttons.",
    "refused.date_in_future": "{day} has not happened yet. Give the date the work took place.",
    "refused.date_too_old": "{day} is more than a year ago; it can no longer be submitted.",
    "refused.date_impossible": "“{text}” is not a valid date.",
    "refused.date_unreadable": "I cannot read “{text}”. Type a date like 2026-11-20, 11月20日 or 20.11, or use the buttons.",
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
    "refused.not_allowed": "You are not allowed to do that.",
    "refused.forged": "That button is not valid; open the item again.",
    "notice.signoff_request": "📝 Please sign off (step {step_no}, {role}):\n\n{card}",
    "notice.admin_no_signer": "⚠️ {unit} has no {role}; item #{item} cannot be signed. Invite someone.",
    "notice.editor_new_item": "📥 A new item reached the centre:\n\n{card}",
    "notice.author_returned": "↩️ Your item #{item} was returned by {by} ({role}).\nReason: {reason}\n\nSend /my to open it, revise and resubmit.",
    "notice.author_step_approved": "✅ Your item #{item} was approved by {by} ({role}) and moves on.",
    "notice.author_at_centre": "📨 Your item #{item} is signed off and reached the centre.",
    "notice.adoption_adopted": "🎉 Item #{item} adopted by “{outlet}” (level {level}, {points} points). The item has {total} points.",
    "notice.adoption_withdrawn": "ℹ️ The “{outlet}” adoption of item #{item} was withdrawn. The item has {total} points.",
    "card": "<b>#{id} {title}</b>\nUnit: {unit}  Category: {category}\nDate of the work: {event_date}  State: {state}{late}\n\n{body}",
    "card.late": "\n⏰ {days} working days late",
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
    "signoff.ask_reason": "Type the reason for returning item #{item} (/cancel to give up):",
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
    "submit.ask_date": "On what day did the work happen? Press a button or type a date (2026-11-20, 11月20日, 20.11).",
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
    "submit.which_field": "What do you want to change?",
    "submit.field.category": "Category",
    "submit.field.title": "Title",
    "submit.field.body": "Text",
    "submit.field.date": "Date",
    "submit.field.files": "Attachments",
    "submit.done": "✅ Submitted as <b>#{item}</b>.",
    "submit.done_on_time": "On time (due by {deadline}).",
    "submit.done_late": "⏰ {days} working days late (due by {deadline}); the bulletin marks it.",
    "submit.to_chain": "Sent to the {role} for sign-off; you will be told the outcome.",
    "submit.to_centre": "Sent straight to the centre.",
    "submit.resubmitted": "✅ Item <b>#{item}</b> revised and sent for sign-off again.",
    "submit.cancelled": "Cancelled; the draft is deleted.",
    "submit.resume": "You have an unfinished draft; continuing where you left off.",
    "cancelled": "Cancelled.",
    "nothing_to_cancel": "Nothing to cancel.",
    "error": "Sorry, something went wrong; the administrators were told. Please try again later.",
    "admin_error": "⚠️ Bot error: {error}",
    "group_only_private": "Please use this command in a private chat with the bot.",
}

CATALOGUES: Final[Mapping[str, Mapping[str, str]]] = {"zh": ZH, "en": EN}


class Raw(str):
    """Text already in HTML (a card, a list) that must not be escaped again."""

    __slots__ = ()


class Texts:
    """The catalogue of one language; parameters are HTML-escaped unless marked Raw."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._catalogue = CATALOGUES[language]

    def __call__(self, key: str, **params: Any) -> str:
        """The text for a key with its parameters filled in (escaped)."""
        template = self._catalogue.get(key) or ZH[key]
        safe = {
            name: value if isinstance(value, Raw) else html.escape(str(value), quote=False)
            for name, value in params.items()
        }
        return template.format(**safe)

    def role(self, role: Role | str) -> str:
        """A role's name."""
        return self(f"role.{Role(role).value}")

    def state(self, state: ItemState | str) -> str:
        """An item state's name."""
        return self(f"state.{ItemState(state).value}")

    def has(self, key: str) -> bool:
        """Whether the catalogue has a text for this key."""
        return key in self._catalogue
