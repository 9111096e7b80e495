"""Texts of assessment campaigns (考核, the seed's parts 1 and 3): notices, refusals (zh).

Chinese only: a text missing from another language's catalogue is shown in Chinese.
"""

from __future__ import annotations

from typing import Final

ZH: Final[dict[str, str]] = {
    # notices the campaign services queue (workflow/campaign_common.post)
    "notice.campaign_plan_to_approve": (
        "📋 [b]请审批考核方案[/b]：{title}（第 {round} 轮，第 {step} 步）"
    ),
    "notice.campaign_grades_to_approve": (
        "📋 [b]请审定考核等次[/b]：{title}（第 {round} 轮，第 {step} 步）"
    ),
    "notice.campaign_plan_returned": (
        "↩️ 考核方案“{title}”被退回。\n原因：{reason}\n\n请修改后重新送审。"
    ),
    "notice.campaign_grades_returned": "↩️ “{title}”的考核等次被退回。\n原因：{reason}",
    "notice.campaign_notice": (
        "📣 [b]考核通知[/b]：{title}\n"
        "被考核单位：{unit_name}\n实地考核日期：[b]{onsite_on}[/b]\n"
        "请在此之前按 {checks} 项考核内容逐项自查，提供佐证材料，"
        "提交自查汇报材料并由单位负责人签字。点“开始自查”开始。"
    ),
    "notice.campaign_assessor": (
        "📋 您是“{title}”考核小组成员。实地考核按通知日期进行；发送 [cmd campaigns] 查看"
        "各单位的自查材料并逐项评分。"
    ),
    "notice.campaign_started": "✅ 考核方案“{title}”已审批通过，考核通知已下发到各被考核单位。",
    "notice.campaign_report_to_sign": (
        "✍️ [b]请签字确认自查汇报材料[/b]：{title}\n单位：{unit_name}\n\n{report}"
    ),
    "notice.campaign_report_signed": "✅ {unit_name} 已提交并签字确认自查汇报材料（{title}）。",
    "notice.campaign_result": (
        "📊 “{title}”考核结果：{unit_name} 总分 {total}，等次 [b]{grade}[/b]。\n各项得分：\n{checks}"
    ),
    "notice.campaign_result_rectify": (
        "📊 “{title}”考核结果：{unit_name} 总分 {total}，等次 [b]{grade}[/b]。\n"
        "⚠️ 请于 {rectify_by} 前完成整改并提交整改报告。\n各项得分：\n{checks}"
    ),
    "notice.campaign_closed": (
        "🏁 “{title}”考核已审定，结果已公布。\n通报表扬：{praise_names}\n不合格：{failed_names}"
    ),
    "notice.campaign_rectification_to_review": (
        "📥 [b]请验收整改报告[/b]：{title}\n单位：{unit_name}（第 {round} 次提交）\n\n{text}\n\n"
        "佐证材料 {files} 件：点“整改材料”查看全文和材料。"
    ),
    "notice.campaign_rectification_accepted": "✅ “{title}”的整改报告已通过审核，整改完成。",
    "notice.campaign_rectification_returned": (
        "↩️ “{title}”的整改报告被退回。\n原因：{reason}\n\n请按要求修改后重新提交。"
    ),
    "notice.campaign_rectification_overdue": (
        "⚠️ “{title}”：{unit_name} 的整改期限 {due_on} 已过 {late} 天，整改报告尚未提交，"
        "请尽快提交。"
    ),
    "notice.campaign_rectification_late": (
        "⚠️ “{title}”：{unit_name} 的整改期限 {due_on} 已过，整改报告尚未提交。"
    ),
    "notice.campaign_filed": (
        "🏛 [b]考核结果备案[/b]：“{title}”已结束，考核结果（{count} 个单位的得分和等次）"
        "报{upper}备案。点“考核结果”查看。"
    ),
    "notice.campaign_selfcheck_reminder": (
        "⏰ “{title}”：{unit_name} 距实地考核还有 {days} 天，自查已答 {answered}/{checks} 项，"
        "自查汇报材料尚未签字确认。"
    ),
    "notice.campaign_rectification_reminder": (
        "⏰ “{title}”的整改期限为 {due_on}（还有 {days} 天），请按时提交整改报告。"
    ),
    # help lines (channels/telegram/handlers/start.py lists them in each role's help)
    "help.campaign": "[cmd campaign] — 制定政务公开考核方案并送领导小组审批（领导小组办公室）",
    "help.campaigns": "[cmd campaigns] — 考核：办公室查看进度；被考核单位逐项自查、提交自查汇报材料",
    # /campaign: the office's plan
    "wait.pending_campaign": "考核方案",
    "wait.pending_campaign_return": "考核方案（等次）的退回原因",
    "wait.pending_selfcheck": "自查材料",
    "campaign.ask_template": "📋 [b]制定考核方案[/b]\n请选择考核模板（考核内容、分值和等次）。随时发送 [cmd cancel] 取消。",
    "campaign.ask_title": "模板：{name}\n请输入考核名称（如：2026年度政务公开工作考核）。",
    "campaign.ask_scope": "请选择考核范围：普遍考核（全部单位）或重点考核（选定单位）。",
    "campaign.ask_units": "请点选被考核单位（已选 {count} 个，再点一次取消），选好后点“完成”。",
    "campaign.pick_units": "请至少选择一个被考核单位。",
    "campaign.ask_date": (
        "请输入 [b]{unit}[/b] 的实地考核日期（{n}/{count}）。\n"
        "须提前 {days} 天通知，最早 {earliest}。可输入 2026-11-20、11月20日 等。"
    ),
    "campaign.ask_leading": (
        "请按审批顺序点选领导小组成员（已选 {count} 人，再点一次取消），选好后点“完成”。"
    ),
    "campaign.pick_leading": "领导小组至少要有一人。",
    "campaign.ask_assessors": "请点选考核小组成员（已选 {count} 人，再点一次取消），选好后点“完成”。",
    "campaign.pick_assessors": "考核小组至少要有一人。",
    "campaign.summary": (
        "📋 [b]请核对考核方案[/b]\n名称：{title}\n模板：{name}\n范围：{scope}\n"
        "实地考核日期：\n{units}\n领导小组（审批顺序）：{leading}\n考核小组：{assessors}\n\n"
        "点“送审”保存方案并送领导小组审批。"
    ),
    "campaign.use_buttons": "请点击上面的按钮作答。",
    "campaign.plan_cancelled": "已取消，考核方案没有保存。",
    "campaign.plan_sent_alert": "已送审",
    "campaign.plan_sent": "✅ 考核方案 #{campaign}“{title}”已保存并送领导小组审批（先由 {leader} 审批）。",
    # the leading group's decisions
    "campaign.ask_reason": "请输入退回“{title}”的原因。发送 [cmd cancel] 放弃。",
    "campaign.reason_empty": "退回原因不能为空，请输入原因。",
    "campaign.confirm_return": "确定退回“{title}”吗？\n原因：{reason}",
    "campaign.return_kept": "已取消退回。",
    "campaign.returned_alert": "已退回",
    "campaign.returned": "↩️ 已由 {by} 退回。原因：{reason}",
    "campaign.approved_alert": "已同意",
    "campaign.approved": "✅ 已由 {by} 审批同意。",
    "wait.pending_campaign_redate": "新的实地考核日期",
    "campaign.ask_redate_unit": "📅 请选择要修改实地考核日期的单位：",
    "campaign.ask_redate_day": "请输入 [b]{unit}[/b] 新的实地考核日期（如 2026-11-20、11月20日）。",
    "campaign.redated": "✅ {unit} 的实地考核日期已改为 {day}。可继续修改，或重新送审。",
    "campaign.redate_cancelled": "已取消，日期没有修改。",
    "btn.campaign_redate": "📅 改日期",
    # on-site scoring, grades
    "wait.pending_campaign_scoring": "实地考核评分",
    "campaign.list_assessor": "🧮 [b]待评分的单位[/b]（考核小组）\n{lines}",
    "campaign.ask_points": (
        "🧮 [b]{unit} 评分 {n}/{count}[/b]　{section}\n{check}（满分 {max}）\n"
        "单位自查：{verdict}；佐证材料 {evidence} 件\n请输入得分（0–{max}，最多一位小数）。"
    ),
    "campaign.ask_number": "请输入得分（数字）。",
    "campaign.scoring_paused": "已暂停评分，已评的分数都已保存。",
    "campaign.scored": "✅ {unit} 的 {count} 项已全部评分。",
    "campaign.proposed_alert": "已送审定",
    "campaign.proposed": "📨 初步等次已送领导小组审定。",
    "btn.campaign_propose": "📨 提出初步等次",
    "campaign.resubmitted_alert": "已重新送审",
    "campaign.resubmitted": "📤 已重新送审。",
    # a unit's self-check
    "campaign.ask_check": (
        "📝 [b]自查 {n}/{count}[/b]　{section}\n{check}（满分 {points}）{given}\n"
        "请选择本单位的情况："
    ),
    "campaign.ask_evidence": (
        "请发送第 {n} 项的佐证材料：文字说明、照片或文件（Word、PDF、Excel，最大 20 MB），"
        "可发多条；发完点“下一项”。"
    ),
    "campaign.evidence_added": "已收到第 {n} 项的佐证材料 {added} 件。继续发送，或点“下一项”。",
    "campaign.ask_report": (
        "全部 {count} 项已自查。请提交[b]自查汇报材料[/b]：直接输入文字，或发送文件（Word、PDF）。"
        "提交后请单位负责人签字确认。"
    ),
    "campaign.paused": "已暂停。已作答的内容都已保存；点考核通知里的“开始自查”可继续。",
    "campaign.report_sent": "✅ 自查汇报材料已提交（{title}），已请 {leaders} 位单位负责人签字确认。",
    "campaign.signed_alert": "已签字确认",
    "campaign.signed": "✍️ 已由 {by} 签字确认。",
    # the office's lists
    "campaign.progress": "📊 [b]{title}[/b] 自查进度（{waiting} 个单位未完成）：\n{lines}",
    "campaign.list_office": "📋 [b]考核[/b]\n{lines}",
    "campaign.list_unit": "📝 [b]本单位的考核[/b]\n{lines}",
    "campaign.list_none": "目前没有考核。",
    "refused.campaign_step_passed": "这一步已经过去了，请在最新的消息里操作。",
    # buttons
    "btn.campaign_cancel": "✖️ 取消",
    "btn.campaign_done": "✔️ 完成",
    "btn.campaign_general": "普遍考核",
    "btn.campaign_focus": "重点考核",
    "btn.campaign_same": "同上一单位",
    "btn.campaign_submit": "📤 送审",
    "btn.campaign_met": "符合",
    "btn.campaign_partly": "部分符合",
    "btn.campaign_not_met": "不符合",
    "btn.campaign_next": "➡️ 下一项",
    "btn.campaign_pause": "⏸ 暂停",
    "btn.campaign_approve": "✅ 同意",
    "btn.campaign_return": "↩️ 退回",
    "btn.campaign_selfcheck": "📝 开始自查",
    "btn.campaign_sign": "✍️ 签字确认",
    "btn.campaign_resubmit": "📤 重新送审",
    "btn.campaign_progress": "📊 自查进度",
    # the services' refusals
    "refused.campaign_decided": "这一步已经处理过了（或方案已重新送审）。",
    "refused.campaign_file_empty": "文件是空的，请重新发送。",
    "refused.campaign_file_too_large": "文件太大：最多 {limit_mb} MB。",
    "refused.campaign_file_type": "不能接收这种文件（{mime_type}）。请发送照片、PDF、Word、Excel 或图片文件。",
    "refused.campaign_general_needs_all": "普遍考核须包括全部单位，还缺：{missing}",
    "refused.campaign_group_empty": "领导小组和考核小组都至少要有一人。",
    "refused.campaign_group_repeated": "同一人在一个小组里只能出现一次。",
    "refused.campaign_no_rectification": "这个单位没有整改任务。",
    "refused.campaign_no_results": "考核结果还没有公布。",
    "refused.campaign_no_units": "请至少选择一个被考核单位。",
    "refused.campaign_not_assessor": "您不是这次考核的考核小组成员。",
    "refused.campaign_not_yours": "您不能查看这个单位的自查材料。",
    "refused.campaign_onsite_too_soon": (
        "{unit} 的实地考核日期太近：须提前 {days} 天通知，最早可定在 {earliest}。"
    ),
    "refused.campaign_rectification_not_submitted": "整改报告还没有提交，或已经审核过了。",
    "refused.campaign_rectification_submitted": "整改报告已经提交，正在等待审核。",
    "refused.campaign_report_empty": "自查汇报材料不能为空：请输入文字或发送文件。",
    "refused.campaign_report_missing": "自查汇报材料还没有提交。",
    "refused.campaign_report_signed": "自查汇报材料已经签字确认，不能再修改。",
    "refused.campaign_score_not_number": "“{text}”不是分数。请输入数字，如 5 或 4.5。",
    "refused.campaign_score_out_of_range": (
        "第 {number} 项的得分须在 0 到 {max} 之间，最多一位小数。请重新输入。"
    ),
    "refused.campaign_scores_missing": "还有 {count} 项没有评分。",
    "refused.campaign_selfcheck_incomplete": "还有 {missing} 项考核内容没有自查，请先逐项作答。",
    "refused.campaign_survey_answered": "您已经参加过这个单位的测评。",
    "refused.campaign_text_too_long": "内容太长：最多 {limit} 字。",
    "refused.campaign_unit_not_assessed": "这个单位不在本次考核范围内。",
    "refused.campaign_unit_not_failed": "这个单位的等次不是不合格。",
    "refused.campaign_unknown": "没有这次考核。",
    "refused.campaign_unknown_check": "没有这项考核内容（{check}）。",
    "refused.campaign_unknown_grade": "没有“{grade}”这个等次。",
    "refused.campaign_unknown_person": "没有这个人（{person}）。",
    "refused.campaign_unknown_template": "没有这个考核模板。",
    "refused.campaign_wrong_state": "考核现在不能做这一步（当前状态：{state}）。",
    "refused.campaign_reason_missing": "请写明原因。",
    "refused.campaign_title_missing": "请输入考核名称。",
    "refused.campaign_evidence_empty": "佐证材料不能为空。",
    "refused.campaign_talk_incomplete": "请写明谈话人和谈话对象。",
    "refused.campaign_workbook_unreadable": "评分表读不懂：{where} {problem}",
    "refused.campaign_workbook_empty": "评分表里没有填写任何得分。",
    "refused.campaign_scores_differ": (
        "还有 {count} 项考核小组评分不一致、尚未核定：请先在“核定分数”里按规则确认或核定。"
    ),
    "refused.campaign_scores_agree": "这一项的评分没有分歧，不需要核定。",
    "refused.campaign_check_settled": "这一项已由办公室核定为 {points} 分。",
    # settling differing scores (the office)
    "btn.campaign_settle": "⚖️ 核定分数",
    "btn.campaign_accept_rule": "✅ {n}. 按规则取 {points}",
    "btn.campaign_settle_check": "✍️ {n}. 核定",
    "btn.campaign_accept_all": "✅ 其余全部按规则",
    "campaign.settle_none": "⚖️ “{title}”：目前没有评分不一致的检查项。",
    "campaign.settle_list": (
        "⚖️ [b]{title}[/b] 评分不一致的检查项（规则：{rule}；待核定 {waiting} 项）：\n{lines}\n\n"
        "可按规则确认，或点“核定”输入分数和理由。全部处理后才能提出初步等次。"
    ),
    "campaign.rule_accepted_alert": "已按规则确认",
    "campaign.rule_accepted": "✅ {unit} 第 {n} 项按规则取 {points} 分。",
    "campaign.rules_accepted": "✅ 其余 {count} 项已按规则确认。",
    "wait.pending_campaign_settle": "核定的分数和理由",
    "campaign.ask_settle_points": (
        "✍️ [b]核定[/b]：{line}\n考核小组评分：{scores}；按规则为 {rule}。\n"
        "请输入核定的得分（0–{max}，最多一位小数）。"
    ),
    "campaign.ask_settle_reason": "核定为 {points} 分。请输入核定理由。",
    "campaign.settle_reason_empty": "核定理由不能为空，请输入理由。",
    "campaign.confirm_settle": "确定核定吗？\n{line}\n核定得分：{points}\n理由：{reason}",
    "campaign.settle_kept": "已取消核定。",
    "campaign.settle_cancelled": "已取消，没有核定。",
    "campaign.settled_alert": "已核定",
    "campaign.settled": "✍️ 已核定：{line} {points} 分。理由：{reason}",
    # the score workbook
    "btn.campaign_score_sheet": "📥 评分表",
    "btn.campaign_upload": "📤 上传评分表",
    "campaign.score_sheet": (
        "📥 “{title}”的考核评分表：每个单位一页，在“得分”“评语”两列填写，"
        "不要改动编号列。填好后点“上传评分表”发回。"
    ),
    "wait.pending_campaign_upload": "填好的考核评分表",
    "campaign.ask_upload_member": "📤 这份评分表是哪位考核小组成员的？",
    "campaign.ask_upload": (
        "📤 请发送 {member} 填好的“{title}”考核评分表（.xlsx）。表中有任何一格有误，整份都不记录。"
    ),
    "campaign.ask_upload_file": "请发送填好的考核评分表文件（.xlsx）。",
    "campaign.upload_cancelled": "已取消，没有记录任何评分。",
    "campaign.uploaded": "✅ 已记录 {member} 的评分表：{count} 项评分有更新。",
    # the satisfaction survey (民主测评): anyone with a unit's link, and the office's QR codes
    "campaign.survey_ask": (
        "📊 [b]民主测评[/b]\n{title}\n被测评单位：[b]{unit}[/b]\n\n"
        "您对该单位的政务公开工作是否满意？请选择："
    ),
    "campaign.survey_answered": "已记录：{answer}",
    "campaign.survey_ask_comment": (
        "如有意见或建议，请直接输入（{limit} 字以内）；没有请点“跳过”。"
    ),
    "campaign.survey_thanks": "🙏 感谢您参加民主测评！",
    "campaign.survey_skipped": "已跳过",
    "campaign.survey_codes": (
        "📊 [b]{title}[/b] 民主测评二维码：每个单位一个，扫码或打开链接即可参加"
        "（每个账号对每个单位限评一次）。"
    ),
    "campaign.survey_code": "{unit}：{link}\n企业微信成员向应用发送：「{word}」",
    "campaign.survey_words": (
        "📊 [b]{title}[/b] 民主测评口令：每个单位一个，企业微信成员向本应用发送口令即可参加"
        "（每个账号对每个单位限评一次）。"
    ),
    "campaign.survey_word": "{unit}：「{word}」",
    "notice.campaign_survey_words": (
        "📊 [b]{title}[/b] 已开始。民主测评口令：每个单位一个，企业微信成员向本应用发送口令即可参加"
        "（每个账号对每个单位限评一次）。\n{words}"
    ),
    "campaign.wecom_no_upload": (
        "企业微信成员不能向应用发送文件，评分表无法在这里上传；"
        "考核小组成员可发送 [cmd campaigns]，点单位逐项评分。"
    ),
    "campaign.wecom_photos_only": "（企业微信不能向应用发送文件：佐证材料请拍照发送，或输入文字说明。）",
    "btn.campaign_survey_qr": "📊 测评二维码",
    "btn.survey_satisfied": "满意",
    "btn.survey_basic": "基本满意",
    "btn.survey_dissatisfied": "不满意",
    "btn.survey_skip": "跳过",
    "refused.campaign_survey_unknown": "这个测评链接无效，请扫描单位公布的二维码重新打开。",
    "refused.campaign_survey_over": "“{title}”的民主测评已经结束，感谢您的关注。",
    "refused.campaign_survey_flood": "打开太频繁了，请一分钟后再试。",
    # a closed campaign's results, 诫勉谈话, 限期整改 and 备案
    "campaign.results": (
        "📊 [b]{title}[/b] 考核结果（第 {version} 版）\n{lines}\n\n通报表扬：{praise}\n"
        "不合格单位：\n{failed}\n\n报备上级：{upper}"
    ),
    "campaign.results_doc": "📄 “{title}”考核结果通报",
    "btn.campaign_results": "📊 考核结果",
    "btn.campaign_talk": "🗣 诫勉谈话 · {unit}",
    "btn.campaign_record_talk": "🗣 记录诫勉谈话",
    "btn.campaign_file_upward": "🏛 报备上级",
    "wait.pending_campaign_talk": "诫勉谈话记录",
    "campaign.ask_talker": "🗣 [b]记录诫勉谈话[/b]：{unit}\n请输入谈话人（姓名和职务）。",
    "campaign.ask_talk_with": "请输入谈话对象（{unit} 的主要负责人、分管领导等）。",
    "campaign.ask_talk_day": "请输入谈话日期（如 2026-11-20、11月20日、昨天）。",
    "campaign.ask_talk_note": "请输入简要记录（{limit} 字以内），没有请点“跳过”。",
    "campaign.talk_want_text": "请输入文字。",
    "campaign.confirm_talk": (
        "确定记录这次诫勉谈话吗？\n单位：{unit}\n谈话人：{talker}\n谈话对象：{with_whom}\n"
        "日期：{held_on}\n记录：{note}"
    ),
    "campaign.talk_kept": "已取消，没有记录。",
    "campaign.talk_cancelled": "已取消，没有记录诫勉谈话。",
    "campaign.talk_recorded_alert": "已记录",
    "campaign.talk_recorded": "🗣 已记录 {unit} 的诫勉谈话。",
    "btn.campaign_rectify": "✍️ 提交整改报告",
    "btn.campaign_rectify_again": "✍️ 重新提交整改报告",
    "btn.campaign_rectify_unit": "✍️ 整改报告 · {unit}",
    "btn.campaign_rectify_submit": "📤 提交",
    "wait.pending_campaign_rectify": "整改报告",
    "campaign.ask_rectify": (
        "✍️ [b]整改报告[/b]：{title}\n单位：{unit}　整改期限：{due_on}{returned}\n\n"
        "请直接输入整改情况，可分多条发送；整改的照片和文件（Word、PDF、Excel，最大 20 MB）"
        "作为佐证材料一并发送。写完点“完成”。"
    ),
    "campaign.rectify_added": "已收到：文字 {chars} 字，佐证材料 {files} 件。继续发送，或点“完成”。",
    "campaign.rectify_nothing": "整改报告还是空的：请输入文字或发送材料。",
    "campaign.rectify_use_buttons": "请点击上面的按钮。",
    "campaign.confirm_rectify": (
        "请核对整改报告（{title}）：\n\n{text}\n\n佐证材料：{files}\n\n点“提交”报办公室验收。"
    ),
    "campaign.rectify_cancelled": "已取消，整改报告没有提交。",
    "campaign.rectify_sent_alert": "已提交",
    "campaign.rectify_sent": "📤 整改报告已提交办公室验收（{title}）。",
    "campaign.list_rectify": "✍️ [b]本单位的整改任务[/b]\n{lines}",
    "btn.campaign_accept": "✅ 验收通过",
    "btn.campaign_report_files": "📎 整改材料",
    "campaign.rectify_accepted_alert": "已验收通过",
    "campaign.rectify_accepted": "✅ 已由 {by} 验收通过，整改完成。",
    "wait.pending_campaign_rectify_return": "整改报告的退回原因",
    "campaign.ask_rectify_reason": "请输入退回 {unit} 整改报告的原因。发送 [cmd cancel] 放弃。",
    "campaign.confirm_rectify_return": "确定退回 {unit} 的整改报告吗？\n原因：{reason}",
    "campaign.report_shown": (
        "📄 [b]整改报告[/b]：{title}\n单位：{unit}（第 {round} 次提交）\n\n{text}\n\n"
        "佐证材料 {files} 件："
    ),
    "campaign.report_file": "📎 {n}. {name}",
    "wait.pending_campaign_filing": "报备的上级机关",
    "campaign.ask_upper": (
        "🏛 [b]报备上级[/b]\n请输入考核结果报送备案的上级机关（如：县政务公开领导小组办公室）。"
    ),
    "campaign.ask_upper_people": (
        "请点选{upper}接收备案的人员（已选 {count} 人，再点一次取消），选好后点“完成”。"
    ),
    "campaign.pick_upper": "请至少选择一人。",
    "campaign.upper_cancelled": "已取消，没有报备。",
    "campaign.upper_named": "✅ 已设定：考核结束时，结果报{upper}备案（{count} 人接收）。",
    "campaign.upper_filed": "✅ 考核结果已报{upper}备案（{count} 人接收）。",
    "refused.campaign_rectification_reviewed": "这份整改报告已经审核过了。",
    "refused.campaign_rectification_done": "整改已经验收通过，不需要再提交。",
    "refused.campaign_evidence_too_many": "佐证材料最多 {limit} 件。",
    "refused.campaign_talk_ahead": "谈话日期 {day} 还没到：请输入谈话实际进行的日期。",
    "refused.campaign_upper_missing": "请输入上级机关的名称。",
    "refused.campaign_upper_nobody": "请至少选择一位接收备案的人员。",
    "refused.campaign_already_filed": "考核结果已经报{upper}备案。",
    "refused.campaign_survey_comment_long": ("意见最多 {limit} 字，请精简后重新输入，或点“跳过”。"),
    # the unit's evidence opened beside on-site scoring
    "btn.campaign_evidence": "📎 查看材料（{count}）",
    "campaign.evidence_head": "📎 [b]{unit}[/b] 第 {n} 项“{check}”的佐证材料 {count} 件：",
    "campaign.evidence_none": "📎 {unit} 第 {n} 项“{check}”没有佐证材料。",
    "campaign.evidence_text": "📝 {n}. {text}",
    "campaign.evidence_file": "📎 {n}. {name}",
    # the grades under review, a grade changed
    "notice.campaign_grades_to_approve_changed": (
        "📋 [b]请审定考核等次[/b]：{title}（第 {round} 轮，第 {step} 步）\n"
        "领导小组已调整的等次：\n{changes}"
    ),
    "notice.campaign_grade_changed": (
        "✏️ “{title}”：{unit_name} 的考核等次由 {from} 调整为 [b]{grade}[/b]（{by}）。\n"
        "理由：{reason}"
    ),
    "notice.campaign_grade_changed_again": (
        "✏️ “{title}”：{unit_name} 的考核等次由 {from} 调整为 [b]{grade}[/b]（{by}）。\n"
        "理由：{reason}\n已作出的审定意见针对调整前的等次，领导小组从第 1 步起重新审定。"
    ),
    "btn.campaign_grade_review": "🔍 查看等次",
    "campaign.grade_review": "📋 [b]{title}[/b] 初步考核等次（{state}）：\n{lines}",
    "campaign.grade_review_hint": "如需调整某个单位的等次，点它的名称，选择等次并写明理由。",
    "btn.campaign_change_grade": "✏️ {unit}",
    "wait.pending_campaign_grade": "调整的等次和理由",
    "campaign.ask_grade": (
        "✏️ [b]调整等次[/b]：{unit}（总分 {total}，初步等次 {preliminary}，现为 {grade}）\n"
        "请选择新的等次。"
    ),
    "campaign.ask_grade_reason": "调整为 {grade}。请输入调整理由。",
    "campaign.grade_reason_empty": "调整理由不能为空，请输入理由。",
    "campaign.confirm_grade": "确定调整等次吗？\n{unit}：{old} → {grade}\n理由：{reason}",
    "campaign.grade_kept": "已取消调整。",
    "campaign.grade_cancelled": "已取消，等次没有调整。",
    "campaign.grade_changed_alert": "已调整",
    "campaign.grade_changed": "✏️ 已调整：{unit} {old} → {grade}。理由：{reason}",
    # corrections (更正) of a closed campaign
    "notice.campaign_corrected": (
        "📝 “{title}”考核结果更正（第 {version} 版）：{unit_name} {what}由 {old} 更正为 {new}。\n"
        "理由：{reason}\n更正后总分 {total}，等次 [b]{grade}[/b]。此前的版本存档备查。"
    ),
    "notice.campaign_corrected_failed": (
        "⚠️ 经更正（第 {version} 版），{unit_name} 在“{title}”中的等次为 [b]{grade}[/b]："
        "予以通报批评，考核结果抄送目标考核办公室，并对主要负责人、分管领导进行诫勉谈话。\n"
        "请于 {rectify_by} 前完成整改并提交整改报告。"
    ),
    "notice.campaign_corrected_failed_office": (
        "⚠️ 经更正（第 {version} 版），{unit_name} 在“{title}”中的等次为 [b]{grade}[/b]："
        "已列入通报批评，结果抄送目标考核办公室，限期整改至 {rectify_by}。\n"
        "请记录对其主要负责人、分管领导的诫勉谈话。"
    ),
    "notice.campaign_corrected_unfailed": (
        "✅ 经更正（第 {version} 版），{unit_name} 在“{title}”中的等次为 [b]{grade}[/b]，"
        "不再列入通报批评。已记录的诫勉谈话存档备查。"
    ),
    "notice.campaign_corrected_unfailed_task": (
        "✅ 经更正（第 {version} 版），{unit_name} 在“{title}”中的等次为 [b]{grade}[/b]，"
        "不再列入通报批评，限期整改任务已关闭，无需再提交整改报告。已记录的诫勉谈话存档备查。"
    ),
    "notice.campaign_corrected_unfailed_office": (
        "✅ 经更正（第 {version} 版），{unit_name} 在“{title}”中的等次为 [b]{grade}[/b]："
        "通报批评撤销，目标考核办公室以更正后的通报为准。已记录的 {talks} 次诫勉谈话存档备查。"
    ),
    "notice.campaign_corrected_unfailed_office_task": (
        "✅ 经更正（第 {version} 版），{unit_name} 在“{title}”中的等次为 [b]{grade}[/b]："
        "通报批评撤销，限期整改任务已关闭，目标考核办公室以更正后的通报为准。"
        "已记录的 {talks} 次诫勉谈话存档备查。"
    ),
    "notice.campaign_corrected_praised": (
        "🏅 经更正（第 {version} 版），{unit_name} 列入“{title}”通报表扬名单。"
    ),
    "notice.campaign_corrected_unpraised": (
        "经更正（第 {version} 版），{unit_name} 不再列入“{title}”通报表扬名单。"
    ),
    "btn.campaign_correct": "📝 更正结果",
    "wait.pending_campaign_correct": "更正的内容和理由",
    "campaign.ask_correct_unit": (
        "📝 [b]更正考核结果[/b]：{title}（现为第 {version} 版）\n请选择要更正的单位。"
    ),
    "campaign.ask_correct_what": (
        "{unit}：总分 {total}，等次 {grade}。\n{lines}\n请选择要更正的检查项得分，或等次。"
    ),
    "btn.campaign_correct_check": "第 {n} 项 {score}/{max}",
    "btn.campaign_correct_grade": "等次：{grade}",
    "campaign.ask_correct_points": (
        "第 {n} 项“{check}”现为 {old} 分。请输入更正后的得分（0–{max}，最多一位小数）。"
    ),
    "campaign.ask_correct_grade": "{unit} 的等次现为 {old}。请选择更正后的等次。",
    "campaign.ask_correct_reason": "更正为 {new}。请输入更正理由。",
    "campaign.correct_reason_empty": "更正理由不能为空，请输入理由。",
    "campaign.confirm_correct": (
        "确定发布更正（第 {version} 版）吗？\n{unit} {what}：{old} → {new}\n理由：{reason}\n"
        "此前的版本保留存档，不作改动。"
    ),
    "campaign.correct_kept": "已取消更正。",
    "campaign.correct_cancelled": "已取消，没有更正。",
    "campaign.corrected_alert": "已发布更正",
    "campaign.corrected": (
        "📝 已发布第 {version} 版：{unit} {what}由 {old} 更正为 {new}（总分 {total}，等次 {grade}）。"
        "更正后的通报和汇总表随后发送。"
    ),
    "campaign.corrected_with": (
        "📝 已发布第 {version} 版：{unit} {what}由 {old} 更正为 {new}（总分 {total}，等次 {grade}）。"
        "随之：{consequences}。更正后的通报和汇总表随后发送。"
    ),
    "refused.campaign_correction_same": "更正后的内容与现在相同，没有可更正的。",
}
