"""Return letters to reporters: the letter in their language and, when there is anything to fix, an annotated
copy of their workbook, named after the return; end to end through ingestion as well."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from esgflow.catalog import Catalog, load_catalog
from esgflow.config import Settings
from esgflow.display import figure
from esgflow.entities import EntityRegistry, load_registry
from esgflow.feedback import write_feedback
from esgflow.feedback.annotate import ERROR_FILL, FEEDBACK_SHEET, WARNING_FILL
from esgflow.feedback.letter import Judged, render_letter
from esgflow.findings import Finding
from esgflow.jobs.collection import data_docs_index, ingest_files, write_templates
from esgflow.jobs.figures import check_group
from esgflow.jobs.setup import import_history_file
from esgflow.periods import parse_period
from esgflow.workbooks.template import TemplateRequest, write_template
from tests.returns_factory import P2024, demo_inputs, fill, open_collection, run_demo


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, registry: EntityRegistry) -> Path:
    folder = tmp_path_factory.mktemp("feedback")
    template = folder / "tpl" / "SAMI_2025.xlsx"
    write_template(template, TemplateRequest(registry["SAMI"], parse_period("2025"), {}, "esg1-test"), catalog)
    return fill(template, folder / "in", {"env_diesel": -5})


def _judged(registry: EntityRegistry, findings: list[Finding], version: int = 1, period: str = "2025") -> Judged:
    return Judged(
        registry["SAMI"], period, version, f"SAMI_{period}.xlsx", "rejected" if findings else "accepted", findings, {}
    )


def _diesel_below_zero(path: Path) -> Finding:
    ((sheet, coord),) = load_workbook(path).defined_names["env_diesel"].destinations
    return Finding("range", "error", "env_diesel is below 0", ("env_diesel",), sheet=sheet, cell=coord.replace("$", ""))


def test_write_feedback_writes_the_letter_and_an_annotated_copy_named_after_the_return(
    returned: Path, registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    judged = _judged(registry, [_diesel_below_zero(returned)], version=2)
    letters = tmp_path / "home" / "letters"
    letter, annotated = write_feedback(judged, returned.read_bytes(), letters, catalog)
    assert (letter, annotated) == (letters / "SAMI_2025_v2.txt", letters / "SAMI_2025_v2.xlsx")
    assert letter.read_text("utf-8") == render_letter(judged, catalog)
    assert annotated is not None and load_workbook(annotated).sheetnames[0] == FEEDBACK_SHEET
    assert sorted(p.name for p in letters.iterdir()) == ["SAMI_2025_v2.txt", "SAMI_2025_v2.xlsx"]


def test_a_return_without_findings_gets_only_a_letter(
    returned: Path, registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    letter, annotated = write_feedback(_judged(registry, []), returned.read_bytes(), tmp_path, catalog)
    assert annotated is None and letter == tmp_path / "SAMI_2025_v1.txt"
    assert [p.name for p in tmp_path.iterdir()] == ["SAMI_2025_v1.txt"]


def test_each_version_and_period_keeps_its_own_letter(
    returned: Path, registry: EntityRegistry, catalog: Catalog, tmp_path: Path
) -> None:
    raw = returned.read_bytes()
    first, _ = write_feedback(_judged(registry, [_diesel_below_zero(returned)]), raw, tmp_path, catalog)
    second, _ = write_feedback(_judged(registry, [], version=2), raw, tmp_path, catalog)
    quarter, _ = write_feedback(_judged(registry, [], period="2025-Q1"), raw, tmp_path, catalog)
    assert [p.name for p in (first, second, quarter)] == ["SAMI_2025_v1.txt", "SAMI_2025_v2.txt", "SAMI_2025-Q1_v1.txt"]
    assert "未被接受" in first.read_text("utf-8") and "已接受" in second.read_text("utf-8")


def _cell(path: Path, code: str) -> tuple[str, str]:
    ((sheet, coord),) = load_workbook(path).defined_names[code].destinations
    return sheet, coord.replace("$", "")


def test_a_chinese_letter_lists_every_finding(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    path = fill(templates["SAMI"], tmp_path / "in", {"env_gasoline": "lots", "env_diesel": -5, "env_natural_gas": None})
    [outcome] = ingest_files(sqlite_settings, [path])
    assert outcome.status == "rejected" and outcome.letter and outcome.annotated
    text = outcome.letter.read_text("utf-8")
    sheet, gasoline = _cell(path, "env_gasoline")
    assert text.startswith("沈阳院 ESG 数据填报人，您好：")
    # 4 errors: text, a negative diesel, the diesel's mobile part (FY2026) then above its whole, a blank
    assert "（报告期 2025，第 1 版）未被接受" in text and "共有 4 个错误。" in text
    assert f"【错误】'{sheet}'!{gasoline} 汽油使用量\n" in text
    assert "填报值：lots\n" in text and "问题：数值单元格中填写了文字" in text and "处理办法：请只填写数字" in text
    assert "问题：超出允许范围" in text and "填报值：-5 升" in text
    assert re.search(r"您于 \d{4}-\d\d-\d\d \d\d:\d\d UTC\+8 提交", text)  # when it arrived, in Beijing time
    assert "问题：必填项缺失" in text and "系统将记为第 2 版" in text
    wb = load_workbook(outcome.annotated)
    marked = wb[sheet][gasoline]
    assert marked.fill.fgColor.rgb.endswith(ERROR_FILL.fgColor.rgb[-6:])
    assert "数值单元格中填写了文字" in marked.comment.text
    feedback = wb[FEEDBACK_SHEET]
    rows = list(feedback.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4 and {r[3] for r in rows} >= {"汽油使用量", "柴油使用量", "天然气使用量"}
    assert [c.value for c in feedback[1]][:4] == ["级别", "工作表", "单元格", "指标"] and rows[0][0] == "错误"
    assert all(c.data_type == "s" for row in feedback.iter_rows(min_row=2) for c in row if c.value)


def test_an_english_letter_for_an_overseas_entity(sqlite_settings: Settings, tmp_path: Path) -> None:
    run_demo(sqlite_settings, tmp_path / "demo")
    [template] = write_templates(sqlite_settings, parse_period("2025"), tmp_path / "tpl", ["OS-GN"])
    last = demo_inputs(load_catalog(), load_registry(), P2024)["OS-GN"]["env_diesel"]
    path = fill(template, tmp_path / "in", {"env_diesel": last * 2})
    [outcome] = ingest_files(sqlite_settings, [path])
    assert outcome.status == "accepted_with_warnings" and outcome.letter and outcome.annotated
    text = outcome.letter.read_text("utf-8")
    sheet, diesel = _cell(path, "env_diesel")
    assert text.startswith("Dear ESG reporter of Chalieco Guinea,")
    assert re.search(
        r"\(period 2025, version 1\), received [-\d]{10} [:\d]{5} UTC\+8, was accepted, with points that need an", text
    )
    assert f"1. [Warning] '{sheet}'!{diesel} Diesel consumption\n" in text
    assert "Problem: Large change from last period" in text and "What to do: If the figure is right, explain" in text
    assert f"Last period: {figure(last, 2)} L" in text  # last period's figure, as the appendix publishes it
    assert load_workbook(outcome.annotated)[sheet][diesel].fill.fgColor.rgb.endswith(WARNING_FILL.fgColor.rgb[-6:])


def test_a_clean_return_gets_a_short_thank_you(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["GAMI"])
    [outcome] = ingest_files(sqlite_settings, [fill(templates["GAMI"], tmp_path / "in", {})])
    assert outcome.status == "accepted" and outcome.annotated is None
    assert "已接受，感谢您的填报。" in outcome.letter.read_text("utf-8")


def test_every_run_adds_to_the_data_docs(sqlite_settings: Settings, tmp_path: Path, seed_dir: Path) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["GAMI", "SAMI"])
    ingest_files(sqlite_settings, [fill(templates["GAMI"], tmp_path / "a", {})])
    ingest_files(sqlite_settings, [fill(templates["SAMI"], tmp_path / "b", {"env_diesel": -1})])
    import_history_file(sqlite_settings, seed_dir / "appendix_2022_2024.csv")
    check_group(sqlite_settings, parse_period("2024"))
    index = data_docs_index(sqlite_settings)
    assert index.is_file()
    pages = list((index.parent / "validations").rglob("*.html"))
    assert len(pages) >= 3  # two ingest runs and one group check, each kept
    html = index.read_text("utf-8")
    assert "submission" in html and "group" in html
