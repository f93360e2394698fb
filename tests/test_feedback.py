"""Return letters: text in the reporter's language and an annotated copy of their workbook."""

from pathlib import Path

from openpyxl import load_workbook

from esgflow import jobs
from esgflow.catalog import load_catalog
from esgflow.config import Settings
from esgflow.entities import load_registry
from esgflow.feedback.annotate import ERROR_FILL, FEEDBACK_SHEET, WARNING_FILL
from tests.returns_factory import demo_inputs, fill, open_collection, run_demo


def _cell(path: Path, code: str) -> tuple[str, str]:
    ((sheet, coord),) = load_workbook(path).defined_names[code].destinations
    return sheet, coord.replace("$", "")


def test_a_chinese_letter_lists_every_finding(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["SAMI"])
    path = fill(templates["SAMI"], tmp_path / "in", {"env_gasoline": "lots", "env_diesel": -5, "env_natural_gas": None})
    [outcome] = jobs.ingest_files(sqlite_settings, [path])
    assert outcome.status == "rejected" and outcome.letter and outcome.annotated
    text = outcome.letter.read_text("utf-8")
    sheet, gasoline = _cell(path, "env_gasoline")
    assert text.startswith("沈阳院 ESG 数据填报人，您好：")
    assert "（报告期 2025，第 1 版）未被接受" in text and "共有 3 个错误、0 个提示" in text
    assert f"【错误】'{sheet}'!{gasoline} 汽油使用量（env_gasoline）" in text
    assert "填报值：lots" in text and "规则：数值单元格中填写了文字" in text and "请：请只填写数字" in text
    assert "规则：超出允许范围" in text and "填报值：-5 L" in text
    assert "规则：必填项缺失" in text and "系统将记为第 2 版" in text
    wb = load_workbook(outcome.annotated)
    marked = wb[sheet][gasoline]
    assert marked.fill.fgColor.rgb.endswith(ERROR_FILL.fgColor.rgb[-6:])
    assert "数值单元格中填写了文字" in marked.comment.text
    feedback = wb[FEEDBACK_SHEET]
    rows = list(feedback.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3 and {r[3] for r in rows} == {"env_gasoline", "env_diesel", "env_natural_gas"}
    assert all(c.data_type == "s" for row in feedback.iter_rows(min_row=2) for c in row if c.value)


def test_an_english_letter_for_an_overseas_entity(sqlite_settings: Settings, tmp_path: Path) -> None:
    run_demo(sqlite_settings, tmp_path / "demo")
    [template] = jobs.write_templates(sqlite_settings, "2025", tmp_path / "tpl", ["OS-GN"])
    last = demo_inputs(load_catalog(), load_registry())["OS-GN"]["env_diesel"]
    path = fill(template, tmp_path / "in", {"env_diesel": last * 2})
    [outcome] = jobs.ingest_files(sqlite_settings, [path])
    assert outcome.status == "accepted_with_warnings" and outcome.letter and outcome.annotated
    text = outcome.letter.read_text("utf-8")
    sheet, diesel = _cell(path, "env_diesel")
    assert text.startswith("Dear ESG reporter of Chalieco Guinea,")
    assert "(period 2025, version 1) was accepted, with points that need an explanation" in text
    assert f"1. [Warning] '{sheet}'!{diesel} Diesel consumption (env_diesel)" in text
    assert "Rule: Large change from last period" in text and "What to do: If the figure is right, explain" in text
    assert f"Expected / compared with: {last:f}" in text
    assert load_workbook(outcome.annotated)[sheet][diesel].fill.fgColor.rgb.endswith(WARNING_FILL.fgColor.rgb[-6:])


def test_a_clean_return_gets_a_short_thank_you(sqlite_settings: Settings, tmp_path: Path) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["GAMI"])
    [outcome] = jobs.ingest_files(sqlite_settings, [fill(templates["GAMI"], tmp_path / "in", {})])
    assert outcome.status == "accepted" and outcome.annotated is None
    assert "已接受，感谢您的填报。" in outcome.letter.read_text("utf-8")


def test_every_run_adds_to_the_data_docs(sqlite_settings: Settings, tmp_path: Path, seed_dir: Path) -> None:
    templates = open_collection(sqlite_settings, "2025", tmp_path / "tpl", ["GAMI", "SAMI"])
    jobs.ingest_files(sqlite_settings, [fill(templates["GAMI"], tmp_path / "a", {})])
    jobs.ingest_files(sqlite_settings, [fill(templates["SAMI"], tmp_path / "b", {"env_diesel": -1})])
    jobs.import_history_file(sqlite_settings, seed_dir / "appendix_2022_2024.csv")
    jobs.check_group(sqlite_settings, "2024")
    index = jobs.data_docs_index(sqlite_settings)
    assert index.is_file()
    pages = list((index.parent / "validations").rglob("*.html"))
    assert len(pages) >= 3  # two ingest runs and one group check, each kept
    html = index.read_text("utf-8")
    assert "submission" in html and "group" in html
