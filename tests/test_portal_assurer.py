"""The assurance provider's pages: explanations, documents and the audit trail of its period, read only;
its results by a form; the office's open requests answered with a document."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from esgflow.config import load_settings
from esgflow.jobs.access import grant_access
from esgflow.jobs.assurance import sample_period, sampled_items
from esgflow.jobs.evidence import attach_evidence, period_evidence
from esgflow.jobs.figures import consolidate_period, explain_figure
from esgflow.jobs.signoff import audit_trail
from esgflow.periods import parse_period
from esgflow.warehouse import db
from tests.portal_world import PERIOD, World, make_world

P = parse_period(PERIOD)
AUDITOR = "assurer@firm.example"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """SAMI's and GAMI's returns consolidated, a bill behind SAMI's electricity, a sample of two (one named)."""
    folder = tmp_path_factory.mktemp("assurer")
    built = make_world(load_settings({"ESGFLOW_HOME": str(folder / "home")}), folder)
    client = built.client()
    for entity in ("SAMI", "GAMI"):
        book = built.workbook(entity)
        sent = client.post("/api/returns", headers=built.bearer(entity), files={"file": (book.name, book.read_bytes())})
        assert sent.json()["status"] in ("accepted", "accepted_with_warnings"), sent.text
    consolidate_period(built.settings, P)
    attach_evidence(built.settings, "SAMI", PERIOD, "env_electricity", PDF, "电费单 2024.pdf", "api", "li@sami.example")
    sample_period(built.settings, P, 1, seed=7, named=[("SAMI", "env_electricity")])
    yield built
    db.dispose(built.settings.database_url)


def _auditor(world: World, period: str = PERIOD, email: str = AUDITOR) -> TestClient:
    client = world.client()
    link = grant_access(world.settings, email, None, auditor=True, period=period)
    assert client.get("/signin/" + link.rsplit("/", 1)[1]).status_code == 200
    return client


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _state(world: World) -> tuple[object, ...]:
    return (
        len(audit_trail(world.settings, P)),
        [d.sha256 for d in period_evidence(world.settings, PERIOD)],
        sampled_items(world.settings, P),
    )


def test_the_auditor_reads_explanations_documents_and_the_trail_of_its_period_and_changes_nothing(
    world: World,
) -> None:
    auditor = _auditor(world)
    before = _state(world)
    home = auditor.get("/", follow_redirects=True)
    assert home.status_code == 200 and "/assurance/explain/env_ghg_total" in home.text
    [bill] = [d for d in period_evidence(world.settings, PERIOD) if d.indicator == "env_electricity"]
    for shown in ("电费单 2024.pdf", bill.sha256, "li@sami.example", "接口", "SAMI"):
        assert shown in home.text  # file, sender, channel, entity and the whole SHA-256
    got = auditor.get(f"/assurance/evidence/{bill.id}?period={PERIOD}")
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"

    page = auditor.get(f"/assurance/explain/env_ghg_total?period={PERIOD}").text
    explained = explain_figure(world.settings, P, "env_ghg_total").to_json()
    assert explained["value"] in page

    def walk(node: dict) -> list[dict]:
        return [node] + [n for c in node["children"] for n in walk(c)]

    nodes = walk(explained["explanation"])
    cells = [c for n in nodes for c in n["cells"]]
    factors = [f for n in nodes for f in n["factors"]]
    assert cells and factors
    for c in cells:  # every input: entity, version, sheet, cell, as typed, the file's hash, sender, approver
        for part in (c["entity"], c["sheet"], c["cell"], c["reported"], c["sha256"], c["submitted_by"]):
            assert part and str(part) in page, part
    for f in factors:  # every factor with its citation
        assert f["code"] in page and f["publisher"] in page
        assert not f["url"] or f["url"] in page
    link = f"/assurance?period={PERIOD}&amp;lang=zh&amp;entity=SAMI&amp;indicator=env_electricity#evidence"
    assert link in page  # an input leads to its documents
    filtered = auditor.get(link.replace("&amp;", "&")).text
    assert bill.sha256 in filtered

    trail = auditor.get(f"/assurance/trail?period={PERIOD}").text
    assert "抽样" in trail and "校验" in trail and "SAMI" in trail
    english = auditor.get(f"/assurance/trail?period={PERIOD}&lang=en").text
    assert "draw a sample" in english
    assert _state(world) == before  # reading changed nothing


def test_another_period_or_a_reporter_is_refused_every_page(world: World) -> None:
    [bill] = [d for d in period_evidence(world.settings, PERIOD) if d.indicator == "env_electricity"]
    pages = [
        "/assurance",
        f"/assurance/evidence/{bill.id}",
        "/assurance/explain/env_ghg_total",
        "/assurance/trail",
        "/assurance/sample",
    ]
    other = _auditor(world, "2023", "other@firm.example")
    reporter = world.signed_in("SAMI")
    for page in pages:
        assert other.get(f"{page}?period={PERIOD}").status_code == 403, page
        assert reporter.get(f"{page}?period={PERIOD}").status_code == 403, page
    assert reporter.get(f"/requests?period={PERIOD}").status_code == 403
    assert _auditor(world).get(f"/requests?period={PERIOD}").status_code == 403  # the office's page


def test_the_auditor_records_results_by_form_and_the_office_answers_the_open_requests(world: World) -> None:
    auditor = _auditor(world)
    page = auditor.get(f"/assurance/sample?period={PERIOD}").text
    items = sampled_items(world.settings, P)
    assert len(items) == 2 and all(f'id="item{s.item["observation_id"]}"' in page for s in items)
    agreed, different = (s.item["observation_id"] for s in items)
    form = {"csrf": _csrf(page), "observation_id": str(agreed), "result": "agreed"}
    sent = auditor.post(f"/assurance/results?period={PERIOD}", data=form, follow_redirects=False)
    assert sent.status_code == 303
    assert auditor.post(f"/assurance/results?period={PERIOD}", data={**form, "csrf": "forged"}).status_code == 403
    no_amount = {**form, "observation_id": str(different), "result": "difference", "comment": "the bill is lower"}
    refused = auditor.post(f"/assurance/results?period={PERIOD}", data=no_amount)
    assert refused.status_code == 422 and "amount" in refused.text
    short = {**no_amount, "amount": "-120"}
    assert auditor.post(f"/assurance/results?period={PERIOD}", data=short, follow_redirects=False).status_code == 303
    results = [e for e in audit_trail(world.settings, P) if e.action == "assurance_result"]
    assert [(e.actor, e.state, e.detail["observation_id"], e.detail["amount"]) for e in results][-2:] == [
        (AUDITOR, "agreed", agreed, None),
        (AUDITOR, "difference", different, "-120"),
    ]  # the same rows as POST /api/assurance/results appends

    office = world.signed_in("office")
    requests = office.get(f"/requests?period={PERIOD}").text
    assert f'id="item{different}"' in requests and f'id="item{agreed}"' not in requests
    assert "the bill is lower" in requests
    reporter = world.signed_in("SAMI")
    denied = reporter.post(f"/requests/{different}?period={PERIOD}", data={"csrf": _csrf(reporter.get("/").text)},
                           files={"file": ("x.pdf", PDF)})  # fmt: skip
    assert denied.status_code == 403
    item = next(s.item for s in items if s.item["observation_id"] == different)
    meter = PDF.replace(b"Catalog", b"Catalog /Lang (zh)")
    answered = office.post(
        f"/requests/{different}?period={PERIOD}",
        data={"csrf": _csrf(requests)},
        files={"file": ("抄表记录.pdf", meter)},
        follow_redirects=False,
    )
    assert answered.status_code == 303
    [doc] = [d for d in period_evidence(world.settings, PERIOD) if d.file_name == "抄表记录.pdf"]
    assert (doc.entity, doc.indicator, doc.channel, doc.sent_by) == (item["entity"], item["indicator"], "portal",
                                                                     "esg@office.example")  # fmt: skip
    assert "抄表记录.pdf" in office.get(f"/requests?period={PERIOD}").text  # the request shows its evidence
    trail = audit_trail(world.settings, P)
    assert trail[-1].action == "assurance_answered" and trail[-1].detail["sha256"] == doc.sha256


def test_every_refusal_of_the_auditors_pages_is_said_in_the_viewers_language(world: World) -> None:
    """A Chinese-reading auditor is refused in Chinese, an English one in English: the result form, the office's
    answer with a file that may not be kept, an explanation with no figure and an unknown document."""
    [first, *_] = sampled_items(world.settings, P)
    oid = str(first.item["observation_id"])
    for lang, amount, comment, scope3, document, office in (
        ("zh", "“存在差异”须填写差异金额（数字）。", "“存在差异”或“无证明材料支持”须在说明中写明原因。",
         "范围三第 6 类未筛选", "本报告期没有这份证明材料。", "不是 PDF、PNG、JPEG 或 xlsx 文件"),
        ("en", "a difference needs its amount (a number)", "a difference or an unsupported item needs a comment",
         "Scope 3 category 6 is not screened", "no such document in this period", "is not a PDF, PNG, JPEG or xlsx"),
    ):  # fmt: skip
        auditor, query = _auditor(world), f"period={PERIOD}&lang={lang}"
        form = {"csrf": _csrf(auditor.get(f"/assurance/sample?{query}").text), "observation_id": oid}
        said = auditor.post(f"/assurance/results?{query}", data={**form, "result": "difference", "comment": "x"})
        assert said.status_code == 422 and amount in said.text, said.text
        said = auditor.post(f"/assurance/results?{query}", data={**form, "result": "not_supported"})
        assert said.status_code == 422 and comment in said.text
        missing = auditor.get(f"/assurance/explain/env_ghg_scope3_cat6?{query}")
        assert missing.status_code == 404 and scope3 in missing.text
        gone = auditor.get(f"/assurance/evidence/999999?{query}")
        assert gone.status_code == 404 and document in gone.text
        desk = world.signed_in("office")
        page = desk.get(f"/requests?{query}").text
        sent = desk.post(f"/requests/{oid}?{query}", data={"csrf": _csrf(page)}, files={"file": ("a.txt", b"words")})
        assert sent.status_code == 422 and office in sent.text
        english = re.compile(r"needs its amount|saying why|is not screened|no such document|is not a PDF")
        assert (english.search(said.text + missing.text + gone.text + sent.text) is None) == (lang == "zh")


# What a Chinese explanation may show in Latin letters: codes, file names, sheet names and cells as the workbook
# has them, values as typed, hashes, URLs, the titles of publications as published, e-mail addresses, and the
# link to the English page.
_KEPT = re.compile(
    r"<(style|script)\b.*?</\1>|<code\b.*?</code>|<cite\b.*?</cite>|<span class=\"(url|muted)\">.*?</span>"
    r"|<td class=\"(hash|file|typed|sheet)\">.*?</td>"
    r"|<a href=\"\?lang=en\">English</a>",  # the switch names its language in it
    re.S,
)
_CODES = re.compile(r"[\w.+-]+@[\w.-]+|\b[A-Z][A-Z0-9-]*[A-Z0-9]\b|\bSHA-256\b")


def _latin_words(page: str) -> list[str]:
    """The Latin words of a page's text once what may stay as published is taken out."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", _KEPT.sub(" ", page)))
    return re.findall(r"[A-Za-z]{3,}", _CODES.sub(" ", text))


def test_the_chinese_explanation_reads_chinese_and_the_english_one_english(world: World) -> None:
    auditor = _auditor(world)
    zh = auditor.get(f"/assurance/explain/env_ghg_total?period={PERIOD}").text
    en = auditor.get(f"/assurance/explain/env_ghg_total?period={PERIOD}&lang=en").text
    assert _latin_words(zh) == []  # formula words, units, labels, the basis: all Chinese
    for said in ("公式：", "吨二氧化碳当量", "计算值", "个填报值", "个因子", "千瓦时"):
        assert said in zh, said
    assert "《关于发布2022年电力二氧化碳排放因子的公告》" in zh  # a Chinese title the registry knows
    assert "IPCC, Climate Change 2013" in zh  # a title with no Chinese one stays as published
    for said in ("formula: ", "tCO2e", "computed", " inputs", " factors", "kgCO2/kWh", "How it was made"):
        assert said in en, said
    assert not re.search(r"公式：|个填报值|吨二氧化碳当量|计算值", en)


def test_the_explanation_is_folded_without_javascript_and_opens_at_the_group_figure(world: World) -> None:
    """Each node that holds anything is a <details> whose <summary> gives its figure, formula and what it holds;
    only the group figure's is open, so the page opens at one screen and the auditor unfolds down to a cell."""
    page = _auditor(world).get(f"/assurance/explain/env_ghg_total?period={PERIOD}").text
    explained = explain_figure(world.settings, P, "env_ghg_total").to_json()

    def walk(node: dict) -> list[dict]:
        return [node] + [n for c in node["children"] for n in walk(c)]

    nodes = walk(explained["explanation"])
    holding = [n for n in nodes if n["cells"] or n["factors"] or n["children"]]
    assert "<script" not in page
    assert page.count('<details class="fold"') == len(holding) and page.count('<details class="fold" open>') == 1
    summaries = re.findall(r"<summary>(.*?)</summary>", page, re.S)
    assert len(summaries) == len(holding)
    root = explained["explanation"]
    cells, factors = [c for n in nodes for c in n["cells"]], {f["code"] for n in nodes for f in n["factors"]}
    assert f"{len(cells)} 个填报值" in summaries[0] and f"{len(factors)} 个因子" in summaries[0]
    assert f"{len(root['children'])} 个组成部分" in summaries[0] and "env_ghg_scope1" in summaries[0]
    assert all(len(re.findall(r"<details", s)) == 0 for s in summaries)  # a summary never holds a fold
    # every cell row is inside a fold: each <tr> of a cell table comes after a <details> that is not yet closed
    first_cell = page.index('<table class="cells">')
    assert page[:first_cell].count("<details") > page[:first_cell].count("</details>")
