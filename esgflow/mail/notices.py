"""The mails esgflow writes: templates out, reminders, return letters (Chinese, or English overseas)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from esgflow import glossary
from esgflow.entities import Entity
from esgflow.mail import messages
from esgflow.mail.kept import KeptMessage
from esgflow.mail.sending import Attachment, Mail
from esgflow.periods import Period
from esgflow.records import MailThread
from esgflow.safety import shown
from esgflow.workbooks.formats import in_language, is_format_refusal


def signin_mail(to: str, link: str, who: str) -> Mail:
    """A sign-in link for the portal, sent by the ESG office to the person it was made for."""
    subject = "【ESG数据填报】门户登录链接 / [ESG data] Your sign-in link"
    body = (
        f"您好：\n\nESG 工作办公室为您开通了 ESG 数据填报门户（{who}）。请点击以下链接登录，"
        "链接仅供本人使用，请勿转发：\n\n"
        f"{link}\n\n"
        f"Hello,\n\nThe ESG office has opened the ESG data portal for you ({who}). Sign in with this link; "
        "it is yours alone, please do not forward it:\n\n"
        f"{link}\n\n中铝国际 ESG 工作办公室 / ESG Office, China Aluminum International Engineering\n"
    )
    return Mail((to,), subject, body, (), None)


def template_mail(entity: Entity, to: list[str], period: Period, deadline: date, template: Path) -> Mail:
    """The period's template for one entity, with the deadline and how to fill it in."""
    if entity.language == "zh":
        subject = f"【ESG数据填报】{entity.short_zh} {period} 年度数据填报模板（截止 {deadline.isoformat()}）"
        body = (
            f"{entity.short_zh} ESG 数据填报人，您好：\n\n"
            f"附件为贵单位 {period} 报告期的 ESG 数据填报模板《{template.name}》。\n"
            f"请于 {deadline.isoformat()} 前填写完毕并回复本邮件发送。\n\n"
            "填写说明：只填写黄色单元格；按“计量单位”列所示单位填写数字；每个数值都须填写，确实为零的填 0，\n"
            "没有数据时留空（或填“-”）并在“说明”列写明原因；\n"
            "人数等须为整数；与上期相比变化较大的数值请在“说明”列写明原因；分项之和应等于合计。\n"
            "模板第一页“说明 Instructions”有详细说明。收到文件后系统会自动核对，并回复核对结果。\n\n"
            "中铝国际 ESG 工作办公室\n"
        )
    else:
        subject = f"[ESG data] {entity.name_en}: template for {period} (due {deadline.isoformat()})"
        body = (
            f"Dear ESG reporter of {entity.name_en},\n\n"
            f"Attached is your entity's ESG data template for {period}, {template.name}.\n"
            f"Please fill it in and reply to this message with the file by {deadline.isoformat()}.\n\n"
            "How to fill it in: yellow cells only; numbers in the unit shown beside each cell; every figure is\n"
            "required: a real zero is 0, and a cell left blank (or '-') needs a note saying why; whole numbers for\n"
            "head counts; explain large changes from last period in the note column; breakdowns must add up to\n"
            "their total. The first sheet, 'Instructions', says more. Each file is checked on arrival and you will\n"
            "receive the result.\n\n"
            "ESG Office, China Aluminum International Engineering\n"
        )
    return Mail(tuple(to), subject, body, (Attachment(template.name, template.read_bytes()),), entity.code)


def reminder_mail(
    entity: Entity,
    to: list[str],
    period: Period,
    deadline: date,
    today: date,
    status: str,
    template: Path | None = None,
    portal: str | None = None,
) -> Mail:
    """A reminder for a missing or rejected return, worded for before or after the deadline, in short sentences;
    with the entity's template attached (a missing return) and the portal's address, so nobody has to ask for them."""
    late, due = today > deadline, deadline.isoformat()
    if entity.language == "zh":
        what = (
            f"贵单位 {period} 报告期的数据文件未通过核对。\n请按核对结果修改，然后重新发送。"
            if status == "rejected"
            else f"我们尚未收到贵单位 {period} 报告期的数据文件。"
        )
        when = f"截止日期 {due} 已过。\n请尽快发送。" if late else f"截止日期是 {due}。\n请在此之前发送。"
        subject = f"【ESG数据填报提醒】{entity.short_zh} {period}：{'已逾期' if late else '即将截止'}"
        where = ("附件是本期填报模板。\n" if template else "") + (f"也可在填报平台上传：{portal}\n" if portal else "")
        body = f"{entity.short_zh} ESG 数据填报人，您好：\n\n{what}\n{when}\n{where}\n中铝国际 ESG 工作办公室\n"
    else:
        what = (
            f"The file you sent for {period} did not pass the checks.\n"
            "Please correct it as the result letter says. Then send it again."
            if status == "rejected"
            else f"We have not yet received your entity's data file for {period}."
        )
        when = (
            f"The deadline was {due}.\nPlease send it now."
            if late
            else f"The deadline is {due}.\nPlease send it by then."
        )
        subject = f"[ESG data reminder] {entity.name_en}, {period}: {'overdue' if late else 'due soon'}"
        where = ("This period's template is attached.\n" if template else "") + (
            f"You can also upload it in the portal: {portal}\n" if portal else ""
        )
        body = (
            f"Dear ESG reporter of {entity.name_en},\n\n{what}\n{when}\n{where}\n"
            "ESG Office, China Aluminum International Engineering\n"
        )
    attached = (Attachment(template.name, template.read_bytes()),) if template else ()
    return Mail(tuple(to), subject, body, attached, entity.code)


def letter_mail(
    entity: Entity,
    to: list[str],
    period: Period,
    version: int,
    status: str,
    letter: Path,
    annotated: Path | None,
    thread: MailThread | None = None,
) -> Mail:
    """The return letter as the body, and the annotated workbook when there is anything to fix."""
    verdict_zh, verdict_en = ({s: w[i] for s, w in glossary.STATUS.items()} for i in (0, 1))
    if entity.language == "zh":
        subject = f"【ESG数据核对结果】{entity.short_zh} {period} 第 {version} 版：{verdict_zh.get(status, status)}"
    else:
        subject = f"[ESG data check] {entity.name_en}, {period} version {version}: {verdict_en.get(status, status)}"
    files = (Attachment(annotated.name, annotated.read_bytes()),) if annotated else ()
    if thread is None:
        return Mail(tuple(to), subject, letter.read_text("utf-8"), files, entity.code)
    # A return by mail is answered in its thread, and its sender hears back even when the address is granted,
    # not registered.
    recipients = (*to, thread.sender) if thread.sender not in {t.lower() for t in to} else tuple(to)
    return Mail(
        recipients, subject, letter.read_text("utf-8"), files, entity.code, in_reply_to=thread.message_id,
        references=thread.references,
    )  # fmt: skip


# Why a message was not taken, and what the reporter should do: (Chinese, English).
_KEPT_WORDING: dict[str, tuple[str, str]] = {
    messages.UNKNOWN_SENDER: (
        "发件地址 {sender} 不是已登记的 ESG 填报人地址。请从贵单位登记的填报邮箱发送，或请 ESG 工作办公室为您登记。",
        "{sender} is not a registered ESG reporter's address. Please send the return from your entity's registered "
        "reporting address, or ask the ESG office to register you.",
    ),
    messages.UNAUTHENTICATED: (
        "ESG 工作办公室的邮件服务器未能验证发件地址 {sender}（其域名没有通过 DMARC、DKIM 或 SPF 验证：{detail}）。"
        "邮件已转 ESG 工作办公室核实；也可通过填报门户上传。",
        "The ESG office's mail server did not authenticate {sender} (no DMARC, DKIM or SPF pass for its domain "
        "from {detail}). The message is kept for the ESG office to check; you can also upload the return on the "
        "portal.",
    ),
    messages.NOT_YOUR_ENTITY: (
        "附件工作簿属于 {detail}，而发件地址 {sender} 不是 {detail} 的登记填报人。请只发送本单位的模板，"
        "或由 {detail} 的填报人发送。",
        "The workbook attached is {detail}'s, and {sender} is not a registered reporter of {detail}. Please send "
        "only your own entity's template, or ask {detail}'s reporter to send it.",
    ),
    messages.NO_WORKBOOK: (
        "邮件中没有 Excel 工作簿附件。请回复模板邮件，并附上填好的模板（.xlsx）。",
        "The message has no Excel workbook attached. Please reply to the template e-mail with the filled template "
        "(.xlsx) attached.",
    ),
    messages.TNEF_WITHOUT_WORKBOOK: (
        "邮件以 Outlook 的 RTF 格式发送，附件被打包为 winmail.dat，其中没有 Excel 工作簿。请在 Outlook 中选择"
        "“格式文本 > HTML”（或“文件 > 选项 > 邮件 > 以 HTML 格式撰写邮件”），附上填好的模板（.xlsx）后重新发送。",
        "The message was sent in Outlook's rich-text format, so its attachments arrived packed in winmail.dat, "
        "and no Excel workbook was in it. In Outlook choose Format Text > HTML (or File > Options > Mail > "
        "Compose messages in HTML format), attach the filled template (.xlsx) and send it again.",
    ),
    messages.TOO_MANY_ATTACHMENTS: (
        "邮件附件过多（{detail} 个）。请每封邮件只附一个填好的工作簿。",
        "The message has too many attachments ({detail}). Please send one filled workbook per message.",
    ),
    messages.TOO_LARGE: (
        "邮件过大（{detail}），未被读取。请只附填好的模板，不要附其他文件。",
        "The message is too large ({detail}) and was not read. Please attach the filled template only.",
    ),
    messages.ATTACHMENT_TOO_LARGE: (
        "附件 {detail} 过大，未被读取。请只附填好的模板。",
        "The attachment {detail} is too large and was not read. Please attach the filled template only.",
    ),
    messages.REFUSED: (
        "附件工作簿无法接收：{detail}。请在下发的模板中填写后重新发送。",
        "The workbook attached could not be taken: {detail}. Please fill in the template you were sent and send "
        "it again.",
    ),
    messages.NO_SENDER: ("无法识别发件人。", "The sender could not be told."),
}


_FORMAT_REFUSED = ("附件无法接收：{detail}。", "The attachment could not be taken: {detail}.")


def kept_reason(reason: str, detail: str, sender: str | None, language: str = "en") -> str:
    """Why a message was kept aside and what to do, in one language (zh or en)."""
    zh, en = _KEPT_WORDING.get(reason, ("邮件未被接收。", "The message was not taken."))
    if reason == messages.REFUSED and is_format_refusal(detail):  # it says what to do, in either language
        zh, en = _FORMAT_REFUSED
        detail = in_language(detail, "zh" if language == "zh" else "en")
    if reason == messages.UNAUTHENTICATED and not detail:
        detail = "ESGFLOW_MAIL_AUTHSERV_ID is not set"
    return (zh if language == "zh" else en).format(detail=shown(detail), sender=shown(sender or "?"))


def kept_mail(kept: KeptMessage) -> Mail:
    """The polite answer to a message kept aside: why, and what to do, in the sender's language (both if unknown)."""
    zh = (
        f"您好：\n\n我们收到了您的邮件《{shown(kept.subject)}》，但未能接收其中的数据。\n"
        f"{kept_reason(kept.reason, kept.detail, kept.sender, 'zh')}\n邮件已转 ESG 工作办公室。\n\n"
        "中铝国际 ESG 工作办公室\n"
    )
    en = (
        f"Dear reporter,\n\nWe received your message '{shown(kept.subject)}' but could not take the data in it.\n"
        f"{kept_reason(kept.reason, kept.detail, kept.sender, 'en')}\nThe message was passed to the ESG office.\n\n"
        "ESG Office, China Aluminum International Engineering\n"
    )
    body = {"zh": zh, "en": en}.get(kept.language, zh + "\n" + en)
    subject = {"zh": "【ESG数据填报】邮件未被接收", "en": "[ESG data] Your message was not taken"}.get(
        kept.language, "【ESG数据填报】邮件未被接收 / [ESG data] Your message was not taken"
    )
    return Mail(
        (kept.sender or "",), subject, body, key=f"kept-{kept.key}", in_reply_to=kept.message_id,
        references=kept.references,
    )  # fmt: skip


def returned_mail(entity: Entity, to: list[str], period: Period, version: int, reason: str) -> Mail:
    """The ESG office sends an accepted return back to its reporters, with the reason."""
    if entity.language == "zh":
        subject = f"【ESG数据退回】{entity.short_zh} {period} 第 {version} 版：请修改后重新提交"
        body = (
            f"{entity.short_zh} ESG 数据填报人，您好：\n\n"
            f"贵单位 {period} 报告期第 {version} 版数据文件已通过系统核对，"
            "但经 ESG 工作办公室审核后退回，原因如下：\n\n"
            f"{reason}\n\n"
            "请按上述意见修改后重新发送数据文件；在新版本审核通过前，本版本不予确认。\n\n"
            "中铝国际 ESG 工作办公室\n"
        )
    else:
        subject = f"[ESG data returned] {entity.name_en}, {period} version {version}: please correct and resend"
        body = (
            f"Dear ESG reporter of {entity.name_en},\n\n"
            f"Your entity's data file for {period}, version {version}, passed the automatic checks, but the ESG\n"
            "office has reviewed it and returns it to you for this reason:\n\n"
            f"{reason}\n\n"
            "Please correct the file accordingly and send it again; this version is not approved.\n\n"
            "ESG Office, China Aluminum International Engineering\n"
        )
    return Mail(tuple(to), subject, body, (), entity.code)
