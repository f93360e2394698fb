"""The mails esgflow writes: templates out, reminders and return letters, in Chinese or (overseas) English."""

from __future__ import annotations

import email
import re
from datetime import date
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from esgflow.entities import Entity, EntityRegistry
from esgflow.mail.notices import letter_mail, reminder_mail, returned_mail, template_mail
from esgflow.mail.sending import Mail, to_message
from esgflow.periods import parse_period

PERIOD = parse_period("2024")
DEADLINE = date(2025, 1, 31)
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
CJK = re.compile(r"[\u4e00-\u9fff]")
TO_ZH = ["esg.sami@example.com", "deputy.sami@example.com"]
TO_EN = ["esg.in@example.com"]


def _chinese(text: str) -> bool:
    return bool(CJK.search(text))


@pytest.fixture
def sami(registry: EntityRegistry) -> Entity:
    entity = registry["SAMI"]
    assert entity.language == "zh"
    return entity


@pytest.fixture
def india(registry: EntityRegistry) -> Entity:
    entity = registry["OS-IN"]
    assert entity.language == "en"
    return entity


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / f"SAMI_{PERIOD}.xlsx"
    path.write_bytes(b"PK\x03\x04 template bytes \x00\xff")
    return path


@pytest.fixture
def letter(tmp_path: Path) -> Path:
    path = tmp_path / "letter.txt"
    path.write_text("核对结果：第 3 行“用电量”为空。\nResult: row 3, electricity, is blank.\n", "utf-8")
    return path


@pytest.fixture
def annotated(tmp_path: Path) -> Path:
    path = tmp_path / f"SAMI_{PERIOD}_v2_annotated.xlsx"
    path.write_bytes(b"PK\x03\x04 annotated workbook \x00\x01")
    return path


def _as_sent(mail: Mail) -> EmailMessage:
    message = email.message_from_bytes(bytes(to_message(mail, "esg-office@example.com")), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


# --- template_mail ----------------------------------------------------------------------------------------------------


def test_template_mail_for_a_chinese_entity_is_in_chinese_with_period_and_deadline(
    sami: Entity, template: Path
) -> None:
    mail = template_mail(sami, TO_ZH, PERIOD, DEADLINE, template)

    assert mail.subject.startswith("【ESG数据填报】") and "沈阳院" in mail.subject
    assert PERIOD.code in mail.subject and "2025-01-31" in mail.subject
    assert mail.body.startswith("沈阳院 ESG 数据填报人，您好")
    assert f"{PERIOD} 报告期" in mail.body and "请于 2025-01-31 前填写完毕" in mail.body
    assert template.name in mail.body and sami.name_en not in mail.subject + mail.body
    assert "Dear" not in mail.body


def test_template_mail_for_an_overseas_entity_is_in_english_with_period_and_deadline(
    india: Entity, template: Path
) -> None:
    mail = template_mail(india, TO_EN, PERIOD, DEADLINE, template)

    assert mail.subject == f"[ESG data] Chalieco (India) Private Limited: template for {PERIOD} (due 2025-01-31)"
    assert mail.body.startswith("Dear ESG reporter of Chalieco (India) Private Limited,")
    assert f"template for {PERIOD}" in mail.body and "by 2025-01-31" in mail.body and template.name in mail.body
    assert not _chinese(mail.subject) and not _chinese(mail.body)


@pytest.mark.parametrize("code", ["SAMI", "OS-IN"])
def test_template_mail_attaches_the_template_and_keeps_recipients(
    registry: EntityRegistry, code: str, template: Path
) -> None:
    to = ["one@example.com", "two@example.com"]

    mail = template_mail(registry[code], to, PERIOD, DEADLINE, template)

    assert mail.to == ("one@example.com", "two@example.com") and mail.entity == code
    assert [(a.filename, a.data, a.mime) for a in mail.attachments] == [(template.name, template.read_bytes(), XLSX)]


def test_template_mail_arrives_as_a_message_with_the_workbook(sami: Entity, template: Path) -> None:
    message = _as_sent(template_mail(sami, TO_ZH, PERIOD, DEADLINE, template))

    assert message["To"] == ", ".join(TO_ZH) and _chinese(str(message["Subject"]))
    parts = [(p.get_filename(), p.get_payload(decode=True)) for p in message.iter_attachments()]
    assert parts == [(template.name, template.read_bytes())]


# --- reminder_mail ----------------------------------------------------------------------------------------------------


def test_reminder_mail_chinese_before_the_deadline_asks_for_the_missing_file(sami: Entity) -> None:
    mail = reminder_mail(sami, TO_ZH, PERIOD, DEADLINE, date(2025, 1, 20), "not_submitted")

    assert mail.subject == f"【ESG数据填报提醒】沈阳院 {PERIOD}：即将截止"
    assert f"我们尚未收到贵单位 {PERIOD} 报告期的数据文件。" in mail.body
    assert "截止日期是 2025-01-31。\n请在此之前发送。" in mail.body and "已过" not in mail.body


def test_reminder_mail_chinese_after_the_deadline_says_overdue(sami: Entity) -> None:
    mail = reminder_mail(sami, TO_ZH, PERIOD, DEADLINE, date(2025, 2, 1), "not_submitted")

    assert mail.subject.endswith("已逾期") and "截止日期 2025-01-31 已过。\n请尽快发送。" in mail.body


def test_reminder_mail_chinese_for_a_rejected_return_asks_for_a_corrected_file(sami: Entity) -> None:
    mail = reminder_mail(sami, TO_ZH, PERIOD, DEADLINE, date(2025, 1, 20), "rejected")

    assert "未通过核对" in mail.body and "尚未收到" not in mail.body


def test_reminder_mail_english_before_the_deadline_asks_for_the_missing_file(india: Entity) -> None:
    mail = reminder_mail(india, TO_EN, PERIOD, DEADLINE, date(2025, 1, 20), "not_submitted")

    assert mail.subject == f"[ESG data reminder] Chalieco (India) Private Limited, {PERIOD}: due soon"
    assert mail.body.startswith("Dear ESG reporter of Chalieco (India) Private Limited,")
    assert f"We have not yet received your entity's data file for {PERIOD}." in mail.body
    assert "The deadline is 2025-01-31.\nPlease send it by then." in mail.body
    assert not _chinese(mail.subject) and not _chinese(mail.body)


def test_reminder_mail_english_after_the_deadline_says_overdue(india: Entity) -> None:
    mail = reminder_mail(india, TO_EN, PERIOD, DEADLINE, date(2025, 3, 1), "rejected")

    assert mail.subject.endswith(": overdue")
    assert "The deadline was 2025-01-31.\nPlease send it now." in mail.body and "did not pass the checks." in mail.body
    assert not _chinese(mail.body)


@pytest.mark.parametrize(("code", "due_soon"), [("SAMI", "即将截止"), ("OS-IN", "due soon")])
def test_reminder_mail_on_the_deadline_day_is_not_yet_overdue(
    registry: EntityRegistry, code: str, due_soon: str
) -> None:
    assert reminder_mail(registry[code], TO_EN, PERIOD, DEADLINE, DEADLINE, "not_submitted").subject.endswith(due_soon)


@pytest.mark.parametrize("code", ["SAMI", "OS-IN"])
def test_reminder_mail_has_no_attachments_and_keeps_recipients(registry: EntityRegistry, code: str) -> None:
    mail = reminder_mail(registry[code], TO_ZH, PERIOD, DEADLINE, date(2025, 1, 20), "not_submitted")

    assert mail.attachments == () and mail.to == tuple(TO_ZH) and mail.entity == code


# --- letter_mail ------------------------------------------------------------------------------------------------------


def test_letter_mail_chinese_subject_gives_version_and_verdict(sami: Entity, letter: Path) -> None:
    subjects = {
        status: letter_mail(sami, TO_ZH, PERIOD, 2, status, letter, None).subject
        for status in ("accepted", "accepted_with_warnings", "rejected")
    }

    assert subjects == {
        "accepted": f"【ESG数据核对结果】沈阳院 {PERIOD} 第 2 版：已接受",
        "accepted_with_warnings": f"【ESG数据核对结果】沈阳院 {PERIOD} 第 2 版：已接受（有提示）",
        "rejected": f"【ESG数据核对结果】沈阳院 {PERIOD} 第 2 版：未通过",
    }


def test_letter_mail_english_subject_gives_version_and_verdict(india: Entity, letter: Path) -> None:
    subjects = {
        status: letter_mail(india, TO_EN, PERIOD, 3, status, letter, None).subject
        for status in ("accepted", "accepted_with_warnings", "rejected")
    }

    prefix = f"[ESG data check] Chalieco (India) Private Limited, {PERIOD} version 3: "
    assert subjects == {
        "accepted": prefix + "accepted",
        "accepted_with_warnings": prefix + "accepted with warnings",
        "rejected": prefix + "not accepted",
    }


@pytest.mark.parametrize("code", ["SAMI", "OS-IN"])
def test_letter_mail_body_is_the_letter_text(registry: EntityRegistry, code: str, letter: Path) -> None:
    mail = letter_mail(registry[code], TO_EN, PERIOD, 1, "accepted", letter, None)

    assert mail.body == letter.read_text("utf-8") and mail.to == tuple(TO_EN) and mail.entity == code


@pytest.mark.parametrize("code", ["SAMI", "OS-IN"])
def test_letter_mail_attaches_the_annotated_workbook_when_given(
    registry: EntityRegistry, code: str, letter: Path, annotated: Path
) -> None:
    mail = letter_mail(registry[code], TO_ZH, PERIOD, 2, "rejected", letter, annotated)

    assert [(a.filename, a.data, a.mime) for a in mail.attachments] == [(annotated.name, annotated.read_bytes(), XLSX)]


@pytest.mark.parametrize("code", ["SAMI", "OS-IN"])
def test_letter_mail_without_an_annotated_workbook_has_no_attachment(
    registry: EntityRegistry, code: str, letter: Path
) -> None:
    assert letter_mail(registry[code], TO_ZH, PERIOD, 2, "accepted", letter, None).attachments == ()


def test_letter_mail_arrives_with_letter_body_and_annotated_workbook(
    india: Entity, letter: Path, annotated: Path
) -> None:
    message = _as_sent(letter_mail(india, TO_EN, PERIOD, 2, "rejected", letter, annotated))

    body = message.get_body(("plain",))
    assert body is not None and body.get_content() == letter.read_text("utf-8")
    parts = [(p.get_filename(), p.get_payload(decode=True)) for p in message.iter_attachments()]
    assert parts == [(annotated.name, annotated.read_bytes())]


def test_the_mail_states_the_rule_for_blanks_as_the_template_and_the_check_do(
    sami: Entity, india: Entity, template: Path
) -> None:
    from esgflow.workbooks.template import INSTRUCTIONS

    zh_mail = template_mail(sami, TO_ZH, PERIOD, DEADLINE, template).body
    en_mail = template_mail(india, TO_ZH, PERIOD, DEADLINE, template).body
    assert "确实为零的填 0" in zh_mail and "写明原因" in zh_mail and "不要填 0" not in zh_mail
    assert "a real zero is 0" in en_mail and "needs a note saying why" in en_mail and "never 0" not in en_mail
    zh_rule, en_rule = next((zh, en) for zh, en in INSTRUCTIONS if zh.startswith("3."))
    assert "确实为零的填0" in zh_rule and "说明" in zh_rule and "不会被接受" in zh_rule
    assert "a real zero is 0" in en_rule and "say why in its note" in en_rule and "not accepted" in en_rule


def test_a_returned_return_goes_back_with_the_reason_in_the_reporters_language(sami: Entity, india: Entity) -> None:
    zh = returned_mail(sami, TO_ZH, PERIOD, 2, "柴油用量与去年相同，请核实")
    assert _chinese(zh.subject) and "第 2 版" in zh.subject and "柴油用量与去年相同，请核实" in zh.body
    assert zh.to == tuple(TO_ZH) and zh.entity == "SAMI" and zh.attachments == ()
    en = returned_mail(india, TO_EN, PERIOD, 1, "Diesel equals last year's: please check")
    assert not _chinese(en.subject + en.body) and f"{PERIOD} version 1" in en.subject
    assert "Diesel equals last year's: please check" in en.body and en.to == tuple(TO_EN)


@pytest.mark.parametrize("code", ["SAMI", "OS-IN"])
@pytest.mark.parametrize("status", ["not_submitted", "rejected"])
@pytest.mark.parametrize("today", [date(2025, 1, 2), date(2025, 3, 1)])
def test_reminder_mail_is_written_in_short_sentences(
    registry: EntityRegistry, code: str, status: str, today: date
) -> None:
    body = reminder_mail(registry[code], TO_EN, PERIOD, DEADLINE, today, status).body
    _, text, _ = body.split("\n\n")  # greeting, what and when, signature
    sentences = [s for s in re.split(r"(?<=[。.])\s*", text.replace("\n", " ")) if s.strip()]
    assert len(sentences) >= 2
    for sentence in sentences:  # one thing per sentence: no clauses joined by a colon or semicolon, and short
        assert not set("；;：") & set(sentence) and len(sentence) <= (25 if code == "SAMI" else 70), sentence
