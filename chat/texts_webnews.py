"""Texts of website news (中心新闻), routing hints and visit write-ups (zh, en)."""

from __future__ import annotations

from typing import Final

ZH: Final[dict[str, str]] = {
    # help lines (channels/telegram/handlers/start.py lists them in each role's help)
    "help.news": "[cmd news] — 待我处理的网站新闻（审签、发布、我送审的）；[cmd news] 编号 — 把信息送网站审签",
    "help.visit": "[cmd visit] — 登记领导来访，给负责撰稿的单位开写作任务",
    # routing (第六条)
    "btn.route_open": "🧭 去向",
    "btn.route_on": "✅ {outlet}",
    "btn.route_off": "⬜ {outlet}",
    "btn.route_confirm": "📌 确认去向",
    "route.head": "🧭 信息 #{item}「{title}」的去向建议（第六条）：",
    "route.hint": "· {label}（{why}）→ {outlets}",
    "route.by_category": "类别相符",
    "route.by_markers": "含“{markers}”",
    "route.why_both": "{category}；{markers}",
    "route.no_hint": "· 没有匹配的建议，请按需要勾选。",
    "route.stored": "已确认的去向：{outlets}",
    "route.howto": (
        "\n点击渠道勾选或取消，再点“确认去向”。"
        "勾选“{website}”将送中心分管领导审签后在网站发布；"
        "勾选“{brief}”将列为下一期简报的候选稿；其他渠道由中心按去向报送。"
    ),
    "route.nowhere": "无",
    "route.confirmed_alert": "去向已确认。",
    "route.confirmed": "📌 已确认去向：{outlets}",
    "route.brief_candidate": "📰 已列为下一期“{brief}”的候选稿。",
    "route.web_started": "🌐 已送网站审签（新闻 #{news}），已通知中心分管领导 {leaders} 人。",
    "route.web_no_leader": (
        "🌐 已送网站审签（新闻 #{news}），但目前没有中心分管领导，请管理员邀请（[cmd invite] 单位 centre_leader）。"
    ),
    "route.web_stopped": "🌐 网站新闻 #{news} 的审签已撤回（已取消网站去向）。",
    "route.report_by_hand": "📤 请按去向报送：{outlets}。采用后用“登记采用”记录。",
    "refused.route_not_registered": "信息 #{item} 还没有登记。请先点“登记”，再确认去向。",
    "refused.route_same": "去向已确认过，没有变化。",
    "refused.route_none_chosen": "还没有勾选任何去向。请先点渠道按钮勾选，再确认。",
    "refused.route_web_published": "这条信息已在网站发布（{url}），不能取消网站去向。",
    # website news (第七条)
    "btn.web_send": "🌐 送网站审签",
    "btn.web_approve": "✅ 同意发布",
    "btn.web_return": "↩️ 退回",
    "btn.web_resend": "🔁 重新送审",
    "btn.web_published": "🌐 已发布",
    "notice.web_sign_request": (
        "🌐 请审签中心网站新闻 #{news}（第 {round} 轮，信息 #{item}，{unit}，{by} 送审）：\n\n"
        "[b]{heading}[/b]\n\n{body}"
    ),
    "notice.web_publish_request": (
        "🌐 网站新闻 #{news} 已由 {by} 审签同意，请在中心网站发布：\n[b]{heading}[/b]（{unit}）\n\n"
        "{body}\n\n发布后点“已发布”，再粘贴网址；全文和照片点“全文”。"
    ),
    "notice.web_sign_again": (
        "🌐 请重新审签中心网站新闻 #{news}（第 {round} 轮）：信息 #{item} 已由 {by} 修改，"
        "之前的审签作废。（{unit}）\n\n[b]{heading}[/b]\n\n{body}"
    ),
    "notice.web_publish_held": (
        "⏸ 网站新闻 #{news}「{heading}」暂勿发布：{by} 修改了信息，已重新送审，审签后会再通知您。"
    ),
    "notice.web_approved": "✅ 网站新闻 #{news}「{heading}」已由 {by} 审签同意，等待网络管理员发布。",
    "notice.web_returned": (
        "↩️ 网站新闻 #{news}「{heading}」被 {by} 退回。\n原因：{reason}\n\n"
        "可点“修改”改写信息 #{item}，再点“重新送审”。"
    ),
    "notice.web_published": "🌐 网站新闻 #{news}「{heading}」已由 {by} 发布：{url}",
    "web.usage": "用法：[cmd news] 查看待我处理的网站新闻；[cmd news] 信息编号（如 [cmd news] 12）把信息送网站审签。",
    "web.none": "目前没有待您处理的网站新闻。",
    "web.line_sign": "🌐 待审签：网站新闻 #{news}（信息 #{item}，{unit}，第 {round} 轮）\n{heading}",
    "web.line_publish": "🌐 待发布：网站新闻 #{news}（信息 #{item}，{unit}）\n{heading}",
    "web.line_mine": "🌐 我送审的：网站新闻 #{news}（信息 #{item}）{state}\n{heading}",
    "web.line_mine_returned": (
        "🌐 我送审的：网站新闻 #{news}（信息 #{item}）{state}\n{heading}\n退回原因：{reason}"
    ),
    "web.state_signing": "待审签",
    "web.state_returned": "已退回",
    "web.state_approved": "已同意，待发布",
    "web.state_published": "已发布",
    "web.state_cancelled": "已取消",
    "web.sent": "🌐 信息 #{item} 已送网站审签（新闻 #{news}，第 {round} 轮），已通知中心分管领导 {leaders} 人。",
    "web.sent_no_leader": (
        "🌐 信息 #{item} 已送网站审签（新闻 #{news}，第 {round} 轮），但目前没有中心分管领导，"
        "请管理员邀请（[cmd invite] 单位 centre_leader）。"
    ),
    "web.sent_alert": "已送审。",
    "web.approved_alert": "已同意发布，已通知网络管理员。",
    "web.approved_note": "✅ 已同意发布（{by}）",
    "web.no_publisher": "⚠️ 目前没有网络管理员，无人发布。请管理员邀请（[cmd invite] 单位 network_admin）。",
    "web.ask_reason": "请输入退回网站新闻 #{news} 的原因（发送 [cmd cancel] 放弃）：",
    "web.reason_empty": "退回需要写明原因，请输入原因文字（发送 [cmd cancel] 放弃）。",
    "web.returned_done": "↩️ 网站新闻 #{news} 已退回编辑。原因：{reason}",
    "web.confirm_return": "请确认退回网站新闻 #{news}：\n原因：{reason}\n\n确认后退回编辑，编辑会收到这个原因。",
    "web.return_kept": "已取消退回，网站新闻仍待您审签。",
    "web.resent_note": "🔁 已重新送审（第 {round} 轮）",
    "web.ask_url": "请粘贴网站新闻 #{news} 发布后的网址（以 http:// 或 https:// 开头；发送 [cmd cancel] 放弃）：",
    "web.published_done": "🌐 网站新闻 #{news} 已发布：{url}",
    "web.adoption_recorded": "已记录“{outlet}”采用：{level} 级，{points} 分。",
    "web.adoption_existed": "该信息此前已记录过网站采用，不重复计分。",
    "refused.web_url_too_long": "网址太长（最多 {limit} 字）。请粘贴正确的网址。",
    "refused.web_bad_url": (
        "这不是有效的网址。请粘贴发布后的完整网址，以 http:// 或 https:// 开头，"
        "如 https://www.example.gov.cn/news/123.html（发送 [cmd cancel] 放弃）。"
    ),
    "refused.web_not_registered": "信息 #{item} 还没有登记。请先登记、编辑，再送网站审签。",
    "refused.web_stale": "这条网站新闻的状态已经变化，此按钮已失效。发送 [cmd news] 查看最新情况。",
    "refused.web_published": "这条信息已在网站发布（{url}）。",
    "refused.web_in_progress": "信息 #{item} 已在网站审签流程中，发送 [cmd news] 查看进度。",
    "refused.web_unknown": "找不到这条网站新闻。",
    "refused.web_not_leader": "只有中心分管领导可以审签网站新闻。",
    "refused.web_already_signed": "这一轮已由 {by} 审签同意，无需重复操作。",
    "refused.web_return_needs_reason": "退回需要写明原因。",
    "refused.web_not_network_admin": "只有网络管理员可以登记网站发布。",
    "refused.web_already_published": "已由 {by} 发布：{url}",
    "refused.web_no_role": "网站新闻由中心信息员送审、中心分管领导审签、网络管理员发布；您没有这些身份。",
    # visit write-ups (第七条)
    "btn.visit_city": "市领导到中心视察（由中心办公室撰稿）",
    "btn.visit_department": "部门领导到本部门窗口（由该窗口撰稿）",
    "btn.visit_township": "领导到乡镇便民服务中心（由该中心撰稿）",
    "btn.visit_confirm": "✅ 确认登记",
    "btn.visit_cancel": "✖️ 取消",
    "visit.ask_visitor": "请输入来访领导的姓名和职务，如：张三 副市长（发送 [cmd cancel] 放弃）：",
    "visit.ask_kind": "来访领导：{visitor}\n这是哪一类来访？（决定由谁撰稿）",
    "visit.ask_unit_department": "请选择被调研的窗口：",
    "visit.ask_unit_township": "请选择被调研的乡镇（镇）便民服务中心：",
    "visit.ask_date": "{visitor} → {unit}\n来访是哪一天？点按钮，或输入日期（如 2026-11-20、11月20日）：",
    "visit.kind_city": "市领导到中心视察",
    "visit.kind_department": "部门领导到窗口调研",
    "visit.kind_township": "领导到乡镇便民服务中心调研",
    "visit.summary": (
        "请核对来访登记：\n来访领导：{visitor}\n类别：{kind}\n撰稿单位：{unit}\n来访日期：{day}\n\n"
        "将给 {unit} 开写作任务“{title}”，{due_on} 前报送（2 个工作日内），并通知其信息员。"
    ),
    "visit.use_buttons": "请点击上面的按钮（发送 [cmd cancel] 放弃）。",
    "visit.cancelled": "已取消来访登记。",
    "visit.logged_alert": "已登记。",
    "visit.logged": (
        "📝 来访已登记（#{visit}）。已给 {unit} 开写作任务 #{task}：{title}，"
        "{due_on} 前报送，已通知其信息员 {informants} 人。"
    ),
    "visit.logged_no_informant": (
        "📝 来访已登记（#{visit}）。已给 {unit} 开写作任务 #{task}：{title}，{due_on} 前报送。"
        "⚠️ 该单位还没有信息员，无人收到通知，请管理员邀请。"
    ),
    "refused.visit_visitor_empty": "请输入来访领导的姓名和职务。",
    "refused.visit_visitor_too_long": "太长了（{length} 字），最多 {limit} 字。请只写姓名和职务。",
    "refused.visit_no_office": "没有中心科室可以撰稿（配置中没有 section 类单位）。请联系管理员。",
    "refused.visit_unit_wrong": "这个单位不能撰写这类来访。请点击列表中的单位。",
    "refused.visit_no_units": "没有这一类单位。请联系管理员检查单位配置。",
    "refused.visit_duplicate": "这次来访已经登记过了（写作任务 #{task}），无需重复登记。",
    "refused.visit_stale": "没有进行中的来访登记。请发送 [cmd visit] 重新开始。",
    "refused.visit_step_passed": "这个按钮现在不适用，请使用最新一条消息中的按钮。",
}

EN: Final[dict[str, str]] = {
    "help.news": "[cmd news] — website news waiting for me (to sign, to publish, mine); [cmd news] N — send item N to website sign-off",
    "help.visit": "[cmd visit] — log a leader's visit and open the write-up task",
    "btn.route_open": "🧭 Routes",
    "btn.route_on": "✅ {outlet}",
    "btn.route_off": "⬜ {outlet}",
    "btn.route_confirm": "📌 Confirm routes",
    "route.head": "🧭 Where item #{item} “{title}” could go (第六条):",
    "route.hint": "· {label} ({why}) → {outlets}",
    "route.by_category": "its category",
    "route.by_markers": "mentions “{markers}”",
    "route.why_both": "{category}；{markers}",
    "route.no_hint": "· No hint matches; choose as needed.",
    "route.stored": "Routes confirmed so far: {outlets}",
    "route.howto": (
        "\nTap outlets to check or uncheck them, then Confirm routes. “{website}” goes to the "
        "centre leader for sign-off and then onto the website; “{brief}” makes it a candidate "
        "for the next issue; other outlets are where the centre sends it."
    ),
    "route.nowhere": "none",
    "route.confirmed_alert": "Routes confirmed.",
    "route.confirmed": "📌 Routes confirmed: {outlets}",
    "route.brief_candidate": "📰 Now a candidate for the next “{brief}”.",
    "route.web_started": "🌐 Sent to website sign-off (news #{news}); {leaders} centre leader(s) told.",
    "route.web_no_leader": (
        "🌐 Sent to website sign-off (news #{news}), but there is no centre leader yet: ask an "
        "admin to invite one ([cmd invite] UNIT centre_leader)."
    ),
    "route.web_stopped": "🌐 Website news #{news} withdrawn from sign-off (website route dropped).",
    "route.report_by_hand": "📤 Please send it to: {outlets}. Record adoptions with Record adoption.",
    "refused.route_not_registered": "Item #{item} is not registered yet. Register it first.",
    "refused.route_same": "These routes are already confirmed; nothing changed.",
    "refused.route_none_chosen": "No outlet is checked. Tap the outlets first, then confirm.",
    "refused.route_web_published": "This item is already on the website ({url}); the website route stays.",
    "btn.web_send": "🌐 Website sign-off",
    "btn.web_approve": "✅ Approve for website",
    "btn.web_return": "↩️ Return",
    "btn.web_resend": "🔁 Resend",
    "btn.web_published": "🌐 Published",
    "notice.web_sign_request": (
        "🌐 Please sign website news #{news} (round {round}, item #{item}, {unit}, sent by {by}):"
        "\n\n[b]{heading}[/b]\n\n{body}"
    ),
    "notice.web_publish_request": (
        "🌐 Website news #{news} was approved by {by}; please publish it on the centre website:\n"
        "[b]{heading}[/b] ({unit})\n\n{body}\n\nThen press Published and paste the address; the "
        "whole text and photos: Full text."
    ),
    "notice.web_sign_again": (
        "🌐 Please sign website news #{news} again (round {round}): {by} changed item #{item}, "
        "so the earlier sign-off no longer holds. ({unit})\n\n[b]{heading}[/b]\n\n{body}"
    ),
    "notice.web_publish_held": (
        "⏸ Hold website news #{news} “{heading}”: {by} changed the item and sent it back for "
        "sign-off; you will be told again once it is signed."
    ),
    "notice.web_approved": "✅ Website news #{news} “{heading}” approved by {by}; waiting for the network admin.",
    "notice.web_returned": (
        "↩️ Website news #{news} “{heading}” was returned by {by}.\nReason: {reason}\n\n"
        "Press Edit to rewrite item #{item}, then Resend."
    ),
    "notice.web_published": "🌐 Website news #{news} “{heading}” published by {by}: {url}",
    "web.usage": "Usage: [cmd news] lists website news waiting for you; [cmd news] N (e.g. [cmd news] 12) sends item N to sign-off.",
    "web.none": "No website news is waiting for you.",
    "web.line_sign": "🌐 To sign: website news #{news} (item #{item}, {unit}, round {round})\n{heading}",
    "web.line_publish": "🌐 To publish: website news #{news} (item #{item}, {unit})\n{heading}",
    "web.line_mine": "🌐 Sent by me: website news #{news} (item #{item}) {state}\n{heading}",
    "web.line_mine_returned": (
        "🌐 Sent by me: website news #{news} (item #{item}) {state}\n{heading}\nReason: {reason}"
    ),
    "web.state_signing": "waiting for sign-off",
    "web.state_returned": "returned",
    "web.state_approved": "approved, waiting to be published",
    "web.state_published": "published",
    "web.state_cancelled": "cancelled",
    "web.sent": "🌐 Item #{item} sent to website sign-off (news #{news}, round {round}); {leaders} centre leader(s) told.",
    "web.sent_no_leader": (
        "🌐 Item #{item} sent to website sign-off (news #{news}, round {round}), but there is no "
        "centre leader yet: ask an admin to invite one ([cmd invite] UNIT centre_leader)."
    ),
    "web.sent_alert": "Sent for sign-off.",
    "web.approved_alert": "Approved; the network admins were told.",
    "web.approved_note": "✅ Approved for the website ({by})",
    "web.no_publisher": "⚠️ There is no network admin to publish it. Ask an admin to invite one ([cmd invite] UNIT network_admin).",
    "web.ask_reason": "Type the reason for returning website news #{news} ([cmd cancel] to give up):",
    "web.reason_empty": "A return needs a reason; please type it ([cmd cancel] to give up).",
    "web.returned_done": "↩️ Website news #{news} returned to the editor. Reason: {reason}",
    "web.confirm_return": "Confirm returning website news #{news}:\nReason: {reason}\n\nThe editor gets this reason.",
    "web.return_kept": "Return cancelled; the news still waits for your signature.",
    "web.resent_note": "🔁 Sent again (round {round})",
    "web.ask_url": "Paste the address of website news #{news} as published (http:// or https://; [cmd cancel] to give up):",
    "web.published_done": "🌐 Website news #{news} published: {url}",
    "web.adoption_recorded": "Recorded the adoption by “{outlet}”: level {level}, {points} points.",
    "web.adoption_existed": "The website's adoption of this item was recorded before; it counts once.",
    "refused.web_url_too_long": "That address is too long (at most {limit} characters).",
    "refused.web_bad_url": (
        "That is not a valid address. Paste the full address as published, starting with "
        "http:// or https://, e.g. https://www.example.gov.cn/news/123.html ([cmd cancel] to give up)."
    ),
    "refused.web_not_registered": "Item #{item} is not registered yet. Register and edit it first.",
    "refused.web_stale": "This website news has moved on; the button no longer applies. Send [cmd news].",
    "refused.web_published": "This item is already on the website ({url}).",
    "refused.web_in_progress": "Item #{item} is already in website sign-off; send [cmd news] to follow it.",
    "refused.web_unknown": "No such website news.",
    "refused.web_not_leader": "Only a centre leader signs website news.",
    "refused.web_already_signed": "{by} already approved this round; nothing to do.",
    "refused.web_return_needs_reason": "A return needs a reason.",
    "refused.web_not_network_admin": "Only a network admin records website publication.",
    "refused.web_already_published": "Already published by {by}: {url}",
    "refused.web_no_role": "Website news is sent by centre editors, signed by centre leaders and published by network admins; you are none of these.",
    "btn.visit_city": "City leaders visiting the centre (the office writes it up)",
    "btn.visit_department": "A department leader at its window (the window writes it up)",
    "btn.visit_township": "Leaders at a township centre (that centre writes it up)",
    "btn.visit_confirm": "✅ Log it",
    "btn.visit_cancel": "✖️ Cancel",
    "visit.ask_visitor": "Type the visiting leader's name and title, e.g. 张三 副市长 ([cmd cancel] to give up):",
    "visit.ask_kind": "Visitor: {visitor}\nWhat kind of visit was it? (It decides who writes it up.)",
    "visit.ask_unit_department": "Which window was visited?",
    "visit.ask_unit_township": "Which township (town) centre was visited?",
    "visit.ask_date": "{visitor} → {unit}\nWhen was the visit? Tap a button or type a date (2026-11-20, 11月20日):",
    "visit.kind_city": "city leaders visiting the centre",
    "visit.kind_department": "a department leader at its window",
    "visit.kind_township": "leaders at a township centre",
    "visit.summary": (
        "Please check:\nVisitor: {visitor}\nKind: {kind}\nWritten up by: {unit}\nDate: {day}\n\n"
        "A writing task “{title}” will be opened for {unit}, due {due_on} (2 working days), and "
        "its informants told."
    ),
    "visit.use_buttons": "Please tap one of the buttons above ([cmd cancel] to give up).",
    "visit.cancelled": "Visit logging cancelled.",
    "visit.logged_alert": "Logged.",
    "visit.logged": (
        "📝 Visit logged (#{visit}). Writing task #{task} for {unit}: {title}, due {due_on}; "
        "{informants} informant(s) told."
    ),
    "visit.logged_no_informant": (
        "📝 Visit logged (#{visit}). Writing task #{task} for {unit}: {title}, due {due_on}. "
        "⚠️ The unit has no informant, so nobody was told: ask an admin to invite one."
    ),
    "refused.visit_visitor_empty": "Type the visiting leader's name and title.",
    "refused.visit_visitor_too_long": "Too long ({length} characters, at most {limit}). Just the name and title.",
    "refused.visit_no_office": "No centre section can write it up (no unit of kind section). Ask an admin.",
    "refused.visit_unit_wrong": "That unit does not write up this kind of visit. Tap one in the list.",
    "refused.visit_no_units": "There is no unit of that kind. Ask an admin to check the units.",
    "refused.visit_duplicate": "This visit is already logged (writing task #{task}).",
    "refused.visit_stale": "No visit is being logged. Send [cmd visit] to start again.",
    "refused.visit_step_passed": "That button does not apply now; use the buttons of the newest message.",
}
