"""The plain-text return letter for one judged submission, in the reporter's language."""

from __future__ import annotations

from dataclasses import dataclass

from esgflow.catalog import Catalog, Indicator
from esgflow.checks.rules import wording
from esgflow.decimals import tidy
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


def _figure(j: Judged, code: str, f: Finding) -> str:
    text, unit = j.written.get(code, (f.found, None))
    text = f.found if f.found is not None else text
    return "—" if text in (None, "") else f"{text} {unit or ''}".strip()


def _compared(f: Finding, ind: Indicator | None, lang: str) -> str:
    """The value a finding compares with, in the indicator's reporting unit and the reporter's language."""
    assert f.expected is not None
    number = format(tidy(f.expected), ",f")
    unit = (ind.unit_zh if lang == "zh" else ind.unit) if ind else ""
    return f"{number} {unit}".strip()


def render_letter(j: Judged, catalog: Catalog) -> str:
    lang = j.entity.language
    errors = [f for f in j.findings if f.severity == "error"]
    warnings = [f for f in j.findings if f.severity != "error"]
    zh_status, en_status = STATUS.get(j.status, (j.status, j.status))
    lines: list[str] = []
    if lang == "zh":
        lines += [
            f"{j.entity.short_zh} ESG 数据填报人，您好：",
            "",
            f"您提交的《{shown(j.file)}》（报告期 {j.period}，第 {j.version} 版）{zh_status}",
            f"共有 {len(errors)} 个错误、{len(warnings)} 个提示。",
            "",
        ]
    else:
        lines += [
            f"Dear ESG reporter of {j.entity.name_en},",
            "",
            f"Your return {shown(j.file)} (period {j.period}, version {j.version}) was {en_status}",
            f"It has {_count(len(errors), 'error')} and {_count(len(warnings), 'warning')}.",
            "",
        ]
    for n, f in enumerate(errors + warnings, start=1):
        code = f.indicators[0] if f.indicators else ""
        ind = catalog.by_code.get(code)
        name, action = wording(f.rule, lang)
        where = f"'{f.sheet}'!{f.cell}" if f.sheet and f.cell else (f.sheet or "")
        if lang == "zh":
            kind = "错误" if f.severity == "error" else "提示"
            lines.append(f"{n}.【{kind}】{where} {ind.name_zh if ind else ''}（{code}）".rstrip())
            lines.append(f"   填报值：{_figure(j, code, f)}")
            lines.append(f"   规则：{name}")
            if f.expected is not None:
                lines.append(f"   应为/对比：{_compared(f, ind, lang)}")
            lines.append(f"   请：{action}")
        else:
            kind = "Error" if f.severity == "error" else "Warning"
            lines.append(f"{n}. [{kind}] {where} {ind.name_en if ind else ''} ({code})".rstrip())
            lines.append(f"   Figure entered: {_figure(j, code, f)}")
            lines.append(f"   Rule: {name}")
            if f.expected is not None:
                lines.append(f"   Expected / compared with: {_compared(f, ind, lang)}")
            lines.append(f"   What to do: {action}")
        lines.append(f"   ({f.message})")
        lines.append("")
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
    return "\n".join(lines) + "\n"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
