"""The plain-text return letter for one judged submission, in the reporter's language.

Figures look as they do everywhere else (esgflow.display): the reporter's own number with
every digit they wrote, a compared figure at the places the appendix publishes it with, and
units in the reporter's language (升, 万千瓦时 in a Chinese letter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from esgflow import display, glossary
from esgflow.catalog import Catalog, Indicator
from esgflow.checks.quote import compared, entered, unit_in
from esgflow.checks.rules import RULES, compared_label, wording
from esgflow.entities import Entity
from esgflow.findings import Finding
from esgflow.safety import shown

# What the letter says of the outcome: zh, en
STATUS = {
    "accepted": ("已接受，感谢您的填报。", "accepted. Thank you."),
    "accepted_with_warnings": (
        "已接受，但有需要说明的提示，请在“说明”列补充后重新发送。",
        "accepted, with points that need an explanation; add notes and send it again.",
    ),
    "rejected": (
        "未被接受，请按以下说明修改后重新发送。",
        "not accepted; please correct it as described below and send it again.",
    ),
}


@dataclass(frozen=True)
class Judged:
    """What the letter is about."""

    entity: Entity
    period: str
    version: int
    file: str
    status: str
    findings: list[Finding]
    written: dict[str, tuple[str | None, str | None]]  # indicator -> (figure as written, unit asked in)
    received: datetime | None = None  # when the file arrived
    late_correction: bool = False  # the period was signed off before it came
    # figures of the return that need their documents and have none yet: (indicator, what to attach zh, en)
    needs: tuple[tuple[str, str, str], ...] = ()


# What a return of a signed-off period is, said before anything else in its letter.
LATE_CORRECTION = (
    "本报告期已签署，本版作为签署后的更正留存：在 ESG 工作办公室核准并重述本报告期之前，不改变任何已发布数据。",
    "The period is signed off, so this version is kept as a late correction: it changes no published figure "
    "unless the ESG office approves it and restates the period.",
)


def _compared_label(f: Finding, catalog: Catalog) -> tuple[str, str]:
    """What the compared figure is, naming the total or the parts when the finding has them (zh, en)."""
    names = [catalog.by_code[c] for c in f.indicators[1:] if c in catalog.by_code]
    if f.rule in ("part_not_above_whole", "part_without_whole") and names:
        return f"合计（{names[0].name_zh}）", f"Its total, {names[0].name_en}"
    if f.rule == "parts_sum_to_total" and names:
        return f"分项（{'、'.join(n.name_zh for n in names)}）之和", f"{' + '.join(n.name_en for n in names)} add up to"
    return compared_label(f.rule)


def _allowed(ind: Indicator | None, lang: str) -> str | None:
    """The range an out-of-range figure must keep to, from the catalog."""
    if ind is None or (ind.rules.min is None and ind.rules.max is None):
        return None
    low, high = (None if b is None else display.as_written(Decimal(str(b))) for b in (ind.rules.min, ind.rules.max))
    u = unit_in(ind.unit, ind, lang)  # the check compares the figure in its reporting unit
    if lang == "zh":
        text = f"{low} 至 {high}" if low and high else (f"不小于 {low}" if low else f"不大于 {high}")
    else:
        text = f"between {low} and {high}" if low and high else (f"at least {low}" if low else f"at most {high}")
    return f"{text}{u}" if u == "%" else f"{text} {u}".strip()


def _counts(errors: int, warnings: int, lang: str) -> str | None:
    """'2 errors and 1 warning', naming only what there is; nothing for a clean return."""
    if lang == "zh":
        parts = [
            f"{n} 个{glossary.severity(what, 'zh')}" for n, what in ((errors, "error"), (warnings, "warning")) if n
        ]
        return f"共有 {'、'.join(parts)}。" if parts else None
    parts = [_count(n, what) for n, what in ((errors, "error"), (warnings, "warning")) if n]
    return f"It has {' and '.join(parts)}." if parts else None


def _finding_lines(j: Judged, n: int, f: Finding, catalog: Catalog, lang: str) -> list[str]:
    code = f.indicators[0] if f.indicators else ""
    ind = catalog.by_code.get(code)
    name, action = wording(f.rule, lang)
    where = shown(f"'{f.sheet}'!{f.cell}" if f.sheet and f.cell else (f.sheet or ""))
    label = _compared_label(f, catalog)
    allowed = _allowed(ind, lang) if f.rule == "range" else None
    if lang == "zh":
        kind = glossary.severity("error" if f.severity == "error" else "warning", "zh")
        lines = [
            f"{n}.【{kind}】{where} {ind.name_zh if ind else code}".rstrip(),
            f"   填报值：{entered(f, j.written, ind, lang)}",
        ]
        lines.append(f"   问题：{name}")
        lines += [f"   允许范围：{allowed}"] if allowed else []
        lines += [f"   {label[0]}：{compared(f, ind, lang)}"] if f.expected is not None else []
        lines += [f"   {label[0]}：{glossary.LEFT_BLANK[0]}"] if f.rule == "part_without_whole" else []
        lines.append(f"   {glossary.COLUMNS['todo'][0]}：{action}")
    else:
        kind = glossary.severity("error" if f.severity == "error" else "warning", "en")
        lines = [f"{n}. [{kind}] {where} {ind.name_en if ind else code}".rstrip()]
        lines.append(f"   Figure entered: {entered(f, j.written, ind, lang)}")
        lines.append(f"   Problem: {name}")
        lines += [f"   Allowed: {allowed}"] if allowed else []
        lines += [f"   {label[1]}: {compared(f, ind, lang)}"] if f.expected is not None else []
        lines += [f"   {label[1]}: {glossary.LEFT_BLANK[1]}"] if f.rule == "part_without_whole" else []
        lines.append(f"   {glossary.COLUMNS['todo'][1]}: {action}")
    if f.rule not in RULES:  # a rule without wording of its own: its message is all the reporter has
        lines.append(f"   {shown(f.message)}")
    return [*lines, ""]


def detail_zh(j: Judged, f: Finding, catalog: Catalog) -> str:
    """A finding's detail for a Chinese reader, as the letter gives it: the figure entered, the allowed range,
    the compared figure (the annotated copy's 说明 column and cell notes; the check's own sentence is English)."""
    if not f.indicators:  # about the whole file: its rule and what to do say it all
        return ""
    ind = catalog.by_code.get(f.indicators[0])
    parts = [f"填报值：{entered(f, j.written, ind, 'zh')}"]
    allowed = _allowed(ind, "zh") if f.rule == "range" else None
    parts += [f"允许范围：{allowed}"] if allowed else []
    parts += [f"{_compared_label(f, catalog)[0]}：{compared(f, ind, 'zh')}"] if f.expected is not None else []
    parts += [f"{_compared_label(f, catalog)[0]}：{glossary.LEFT_BLANK[0]}"] if f.rule == "part_without_whole" else []
    return "；".join(parts)


# Said under the findings when figures of the return need documents: a warning, the return counts as it stands.
NEEDS = (
    "以下数据需附证明材料（提示，不影响本版的接收）：",
    "These figures need their documents (a warning: this version counts as it stands):",
)
NEEDS_HOW = (
    "请在填报门户本单位页面的“证明材料”处上传，或作为邮件附件随报表发送（文件名以指标代码开头，"
    "如 env_electricity 2024年12月电费单.pdf）；如已随本邮件附上，无需再次发送。",
    "Attach them on your entity's page in the portal (Evidence), or send them by mail beside the workbook "
    "(a file name starting with the indicator code, such as env_electricity 2024-12 bill.pdf); if this mail "
    "already carried them, nothing more is needed.",
)


def _needs_lines(j: Judged, catalog: Catalog, lang: str) -> list[str]:
    """The figures still without their documents, each named with what to attach, in the reporter's language."""
    if not j.needs or j.status == "rejected":  # a rejected version's figures are not kept: nothing to document
        return []
    zh = lang == "zh"
    lines = [NEEDS[not zh]]
    for code, what_zh, what_en in j.needs:
        ind = catalog.by_code.get(code)
        name = (ind.name_zh if zh else ind.name_en) if ind else code
        lines.append(f"   - {name}：{what_zh}" if zh else f"   - {name}: {what_en}")
    return [*lines, NEEDS_HOW[not zh], ""]


def render_letter(j: Judged, catalog: Catalog) -> str:
    lang = j.entity.language
    errors = [f for f in j.findings if f.severity == "error"]
    warnings = [f for f in j.findings if f.severity != "error"]
    zh_status, en_status = STATUS.get(j.status, (j.status, j.status))
    counts = _counts(len(errors), len(warnings), lang)
    lines: list[str] = []
    if lang == "zh":
        when = f"于 {display.moment(j.received)} " if j.received else ""
        lines += [
            f"{j.entity.short_zh} ESG 数据填报人，您好：",
            "",
            f"您{when}提交的《{shown(j.file)}》（报告期 {j.period}，第 {j.version} 版）{zh_status}",
        ]
    else:
        when = f", received {display.moment(j.received)}," if j.received else ""
        lines += [
            f"Dear ESG reporter of {j.entity.name_en},",
            "",
            f"Your return {shown(j.file)} (period {j.period}, version {j.version}){when} was {en_status}",
        ]
    lines += [counts, ""] if counts else [""]
    if j.late_correction and j.status != "rejected":
        lines += [LATE_CORRECTION[lang != "zh"], ""]
    for n, f in enumerate(errors + warnings, start=1):
        lines += _finding_lines(j, n, f, catalog, lang)
    lines += _needs_lines(j, catalog, lang)
    if lang == "zh":
        if j.findings:
            lines.append(
                f"请在原文件中修改后再次发送，系统将记为第 {j.version + 1} 版；附件为标注了问题单元格的文件副本。"
            )
        lines += ["", "中铝国际 ESG 工作办公室"]
    else:
        if j.findings:
            lines.append(
                f"Please correct your file and send it again; it will be recorded as version {j.version + 1}. "
                "The attached copy of your workbook marks each cell concerned."
            )
        lines += ["", "ESG Office, China Aluminum International Engineering"]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"  # a clean return has no list to set apart


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
