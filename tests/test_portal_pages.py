"""The pages: sign-in, a reporter's own pages only, CSRF, limits, the office's overview, audit rows."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from esgflow import display
from esgflow.config import Settings
from esgflow.jobs.access import grant_access, issue_api_token, portal_events, revoke_access
from esgflow.jobs.collection import data_docs_index, entity_versions, ingest_bytes, open_period
from esgflow.jobs.setup import close_cycle, open_cycle
from esgflow.periods import parse_period
from esgflow.portal.auth import COOKIE
from tests.portal_world import PERIOD, WRONG, World, make_world


@pytest.fixture
def world(sqlite_settings: Settings, tmp_path: Path) -> World:
    return make_world(sqlite_settings, tmp_path)


def _csrf(client: TestClient, page: str = "/") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(page).text).group(1)  # type: ignore[union-attr]


def _upload(client: TestClient, entity: str, path: Path, csrf: str | None) -> object:
    data = {"csrf": csrf} if csrf is not None else {}
    return client.post(f"/entities/{entity}/returns", data=data, files={"file": (path.name, path.read_bytes())})


def test_a_sign_in_link_starts_a_strict_httponly_session(world: World) -> None:
    client = world.client()
    answer = client.get(f"/signin/{world.tokens['SAMI']}")
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert answer.headers["referrer-policy"] == "no-referrer" and 'http-equiv="refresh"' in answer.text
    page = client.get("/")
    assert page.url.path == "/entities/SAMI" and "沈阳院" in page.text and "2025-01-31" in page.text
    english = world.signed_in("OS-IN").get("/")
    assert "Download this period&#39;s template" in english.text
    https = world.client().get(f"https://testserver/signin/{world.tokens['GAMI']}")
    assert "secure" in https.headers["set-cookie"].lower()


def test_a_bad_link_is_401_and_every_sign_in_is_audited(world: World) -> None:
    client = world.client()
    assert client.get("/signin/not-a-token").status_code == 401
    assert client.get("/").status_code == 401
    client.get(f"/signin/{world.tokens['SAMI']}")
    [ok, failed, *_] = portal_events(world.settings)
    assert (ok.action, ok.outcome, ok.email, ok.entity) == ("signin", "ok", "reporter@sami.example", "SAMI")
    assert (failed.action, failed.outcome, failed.email) == ("signin", "failed", None)


def test_sign_in_attempts_are_rate_limited(world: World) -> None:
    client = world.client(signin_limit=3)
    codes = [client.get(f"/signin/guess{n}").status_code for n in range(3)]
    assert codes == [401, 401, 401]
    assert client.get(f"/signin/{world.tokens['SAMI']}").status_code == 429  # even the right one, for a while


def test_a_revoked_grant_ends_the_open_session(world: World) -> None:
    client = world.signed_in("SAMI")
    assert client.get("/entities/SAMI").status_code == 200
    revoke_access(world.settings, "reporter@sami.example")
    assert client.get("/entities/SAMI").status_code == 401
    assert client.get("/entities/SAMI/template").status_code == 401


def test_another_entitys_pages_are_forbidden_whatever_the_url(world: World) -> None:
    gami = world.signed_in("GAMI")
    wrong = world.workbook("GAMI", WRONG)
    assert _upload(gami, "GAMI", wrong, _csrf(gami, "/entities/GAMI")).status_code == 200  # GAMI v1 rejected
    sami = world.signed_in("SAMI")
    for url in (
        "/entities/GAMI",
        "/entities/GAMI/template",
        f"/entities/GAMI/versions/1/annotated?period={PERIOD}",
        "/entities/GAMI/versions/1/letter",
        "/docs/index.html",
        "/reports/2024/appendix.zh.html",
    ):
        assert sami.get(url).status_code == 403, url
    refused = sami.get("/entities/GAMI")
    assert "无权" in refused.text and "not your entity" not in refused.text  # a Chinese reporter reads Chinese
    assert sami.get("/entities/NOPE").status_code == 403
    csrf = _csrf(sami, "/entities/SAMI")
    before = entity_versions(world.settings, "GAMI", parse_period(PERIOD))
    assert _upload(sami, "GAMI", world.workbook("GAMI", name="g2.xlsx"), csrf).status_code == 403
    other = _upload(sami, "SAMI", world.workbook("GAMI", name="g3.xlsx"), csrf)
    assert other.status_code == 403 and "you may send" not in other.text and "无权" in other.text
    assert entity_versions(world.settings, "GAMI", parse_period(PERIOD)) == before
    assert entity_versions(world.settings, "SAMI", parse_period(PERIOD)) == []
    assert sami.get(f"/entities/SAMI/versions/1/annotated?period={PERIOD}").status_code == 404


def test_a_form_without_its_csrf_token_is_403_and_stores_nothing(world: World) -> None:
    client = world.signed_in("SAMI")
    path = world.workbook("SAMI")
    assert _upload(client, "SAMI", path, None).status_code == 403
    assert _upload(client, "SAMI", path, "forged").status_code == 403
    other = world.signed_in("SAMI")  # another session's token does not do either
    assert _upload(client, "SAMI", path, _csrf(other, "/entities/SAMI")).status_code == 403
    assert client.post("/signout", data={}).status_code == 403
    assert entity_versions(world.settings, "SAMI", parse_period(PERIOD)) == []


def test_an_oversized_upload_is_413(world: World) -> None:
    client = world.signed_in("SAMI")
    csrf = _csrf(client, "/entities/SAMI")
    big = world.folder / "SAMI_big.xlsx"
    big.write_bytes(b"0" * (11 * 1024 * 1024))
    assert _upload(client, "SAMI", big, csrf).status_code == 413
    assert entity_versions(world.settings, "SAMI", parse_period(PERIOD)) == []


def test_a_reporter_uploads_sees_findings_then_the_fix_accepted(world: World) -> None:
    client = world.signed_in("SAMI")
    csrf = _csrf(client, "/entities/SAMI")
    template = client.get("/entities/SAMI/template")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    assert 'filename="SAMI_2024.xlsx"' in template.headers["content-disposition"]
    result = _upload(client, "SAMI", world.workbook("SAMI", WRONG), csrf)
    assert "未接受" in result.text and "总用水量" in result.text  # type: ignore[attr-defined]
    assert re.search(r"<td>E\d+</td>", result.text)  # type: ignore[attr-defined]  # the cell to fix
    annotated = client.get(f"/entities/SAMI/versions/1/annotated?period={PERIOD}")
    assert annotated.status_code == 200 and annotated.content[:2] == b"PK"
    assert "第 1 版" in client.get("/entities/SAMI/versions/1/letter").text
    fixed = _upload(client, "SAMI", world.workbook("SAMI", name="SAMI_2024_fixed.xlsx"), csrf)
    assert "已接受" in fixed.text  # type: ignore[attr-defined]
    page = client.get("/entities/SAMI").text
    assert "版本 2" in page and "与上一版相比的变动" in page and "-5" in page and "35,442" in page
    assert [a.outcome for a in portal_events(world.settings)[:2]] == ["accepted", "rejected"]


def test_a_reporter_is_told_which_figures_need_documents_in_their_language_and_the_return_still_counts(
    world: World,
) -> None:
    """Right after the upload and on the entity's page, each figure still without its documents is named with what
    to attach: Chinese for SAMI, English for OS-IN. A warning beside the findings: the return is accepted."""
    diesel = {"env_diesel": 80000}  # above the catalog's size for diesel invoices
    for entity, heading, what, name in (
        ("SAMI", "以下数据尚需上传证明材料：", "柴油采购发票或加油记录", "柴油"),
        ("OS-IN", "These figures still need their documents:", "diesel invoices or fuelling records", "Diesel"),
    ):
        client = world.signed_in(entity)
        result = _upload(client, entity, world.workbook(entity, diesel), _csrf(client, f"/entities/{entity}"))
        assert result.status_code == 200, result.text  # type: ignore[attr-defined]
        text = result.text  # type: ignore[attr-defined]
        assert "banner accepted" in text  # accepted (with or without warnings): never refused for it
        assert heading in text and what in text and name in text, entity
        assert f'href="/entities/{entity}?period={PERIOD}#evidence"' in text  # where to attach it
        page = client.get(f"/entities/{entity}").text
        assert heading in page and what in page
        other = "These figures still need" if entity == "SAMI" else "尚需上传"
        assert other not in text and other not in page


def test_the_office_sees_every_entity_its_docs_and_reports(world: World) -> None:
    sami = world.signed_in("SAMI")
    _upload(sami, "SAMI", world.workbook("SAMI", WRONG), _csrf(sami, "/entities/SAMI"))
    report = world.settings.reports / PERIOD
    report.mkdir(parents=True)
    (report / "appendix.en.html").write_text("<p>appendix</p>")
    office = world.signed_in("office")
    page = office.get("/?lang=en").text
    assert "Entities" in page and "GAMI" in page and "rejected" in page and "/reports/2024/appendix.en.html" in page
    assert "reporter@sami.example" in page  # the audit log
    assert office.get("/entities/SAMI").status_code == 200 and office.get("/entities/GAMI").status_code == 200
    assert office.get("/reports/2024/appendix.en.html").text == "<p>appendix</p>"
    assert office.get("/reports/../.signing-key").status_code == 404
    assert office.get("/reports/%2e%2e/.signing-key").status_code == 404
    # the upload's Data Docs were built after its answer, and the office reads them here
    docs = office.get("/docs/index.html")
    assert docs.status_code == 200 and docs.content == data_docs_index(world.settings).read_bytes()
    assert 'href="/docs/index.html"' in office.get("/").text


def test_sign_out_ends_the_session(world: World) -> None:
    client = world.signed_in("SAMI")
    answer = client.post("/signout", data={"csrf": _csrf(client, "/entities/SAMI")})
    assert answer.status_code == 200 and COOKIE in answer.headers["set-cookie"]
    assert client.get("/entities/SAMI").status_code == 401


def test_the_office_sees_how_many_figures_each_entity_marked_estimated(world: World) -> None:
    sami = world.signed_in("SAMI")
    marked = world.workbook("SAMI", {"env_diesel__estimate": "估算 Estimated", "env_gasoline__estimate": "E"})
    assert _upload(sami, "SAMI", marked, _csrf(sami, "/entities/SAMI")).status_code == 200  # type: ignore[attr-defined]
    page = world.signed_in("office").get("/?lang=en").text
    assert "<th>estimated</th>" in page
    row = page.split('href="/entities/SAMI?period=2024"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="estimated">2</td>' in row
    other = page.split('href="/entities/GAMI?period=2024"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="estimated">0</td>' in other


def test_the_office_reads_times_in_beijing_time_and_lateness_by_the_cycles_deadline(world: World) -> None:
    sami = world.signed_in("SAMI")
    _upload(sami, "SAMI", world.workbook("SAMI"), _csrf(sami, "/entities/SAMI"))
    office = world.signed_in("office")
    received = entity_versions(world.settings, "SAMI", parse_period(PERIOD))[0].received_at
    page = office.get("/?lang=en").text
    assert display.moment(received) in page and " UTC+8" in page
    sami_row = page[page.index('href="/entities/SAMI') :].split("</tr>")[0]
    assert 'class="late">late<' in sami_row  # after 31 January 2025, the default deadline
    open_cycle(world.settings, parse_period(PERIOD), date(2099, 12, 31), by="office")
    sami_row = office.get("/?lang=en").text
    sami_row = sami_row[sami_row.index('href="/entities/SAMI') :].split("</tr>")[0]
    assert 'class="late">late<' not in sami_row


def test_an_uploaded_ods_is_refused_with_what_to_do_in_the_viewers_language(world: World) -> None:
    ods = (Path(__file__).parent / "corpus" / "foreign" / "calamine_issues.ods").read_bytes()
    for entity, heading, said, not_said in [
        (
            "SAMI",
            "处理办法",
            "这是 OpenDocument 电子表格（.ods）；请打开后另存为“Excel 工作簿（.xlsx）”后重新发送",
            "saved as",
        ),
        (
            "OS-IN",
            "What to do",
            "saved as OpenDocument spreadsheet (.ods); open it and save it as Excel Workbook (.xlsx)",
            "另存为",
        ),
    ]:
        path = world.folder / f"{entity}_2024.ods"
        path.write_bytes(ods + entity.encode())  # a zip reads past trailing bytes; each upload is new bytes
        client = world.signed_in(entity)
        page = _upload(client, entity, path, _csrf(client, f"/entities/{entity}")).text  # type: ignore[attr-defined]
        assert said in page and f">{heading}</th>" in page, page
        assert not_said not in page and "Check this figure" not in page and "请核对该数值" not in page
    assert entity_versions(world.settings, "SAMI", parse_period(PERIOD)) == []


SECURITY_HEADERS = (
    "referrer-policy",
    "x-content-type-options",
    "x-frame-options",
    "cache-control",
    "content-security-policy",
)
ODD_PERIODS = ["2025", "9999", "0000", "2024 ", "2024\n", " 2024", "2024-Q5", "2024-13", "２０２４", "abc", ""]


def _warehouse_rows(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the portal's own log of sign-ins (a sign-in is logged, by design)."""
    from sqlalchemy import create_engine, select

    from esgflow.warehouse.models import Base

    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            return {
                t.name: sorted(map(tuple, conn.execute(select(t))), key=repr)
                for t in Base.metadata.sorted_tables
                if t.name != "portal_event"
            }
    finally:
        engine.dispose()


def _get_urls(app: object) -> list[str]:
    """One URL per GET route of the portal (the sign-in link aside), its parameters filled in for SAMI."""
    fill = {"{entity}": "SAMI", "{version}": "1", "{relative:path}": "index.html", "{code}": "env_ghg_total"}
    fill["{document}"] = "1"
    urls = []
    routes = []
    for found in app.routes:  # type: ignore[attr-defined]
        inner = getattr(found, "original_router", None)  # FastAPI keeps an included router whole
        routes.extend(inner.routes if inner is not None else [found])
    for route in routes:
        if "GET" not in getattr(route, "methods", set()) or route.path.startswith("/signin/"):
            continue
        path = route.path
        for key, value in fill.items():
            path = path.replace(key, value)
        urls.append(path)
    return urls


def test_no_get_route_changes_the_warehouse_whatever_period_it_names(world: World) -> None:
    from urllib.parse import quote

    from esgflow.portal.app import create_app

    sami = world.signed_in("SAMI")
    _upload(sami, "SAMI", world.workbook("SAMI", WRONG), _csrf(sami, "/entities/SAMI"))
    app = create_app(world.settings, warm=False)
    urls = _get_urls(app)
    assert {"/", "/entities/SAMI", "/entities/SAMI/template", "/review", "/api/status"} <= set(urls)
    assert {"/assurance", "/assurance/explain/env_ghg_total", "/assurance/trail", "/requests"} <= set(urls)
    urls += ["/docs/%00", "/reports/%00", "/docs/a%00.html", "/entities/SAMI/versions/1%00/letter"]
    auditor = grant_access(world.settings, "assurer@firm.example", None, auditor=True, period=PERIOD)
    world.tokens["auditor"] = auditor.rsplit("/", 1)[1]  # the auditor's pages are GETs like any other
    world.api["auditor"] = issue_api_token(world.settings, "assurer@firm.example", 30)
    clients = {who: TestClient(app, raise_server_exceptions=False) for who in ("SAMI", "office", "auditor")}
    for who, client in clients.items():  # the one GET that changes something: a link is spent for a session
        assert client.get(f"/signin/{world.tokens[who]}").status_code == 200
    before = _warehouse_rows(world.settings)
    for who, client in clients.items():
        headers = world.bearer(who)
        for url in urls:
            for period in [None, *ODD_PERIODS]:
                query = "" if period is None else f"?period={quote(period)}"
                answer = client.get(url + query, headers=headers)
                assert answer.status_code < 500, (who, url, period, answer.text[:300])
                assert all(h in answer.headers for h in SECURITY_HEADERS), (url, period)
                takes_period = not url.startswith(("/docs/", "/reports/", "/healthz"))  # files and health: no period
                if takes_period and period not in (None, "2024", "2025"):  # malformed, or outside the years
                    assert 400 <= answer.status_code < 500, (who, url, period, answer.status_code)
    assert _warehouse_rows(world.settings) == before
    assert open_period(world.settings) == parse_period(PERIOD)  # nobody's default moved
    assert world.signed_in("office").get("/").status_code == 200


def test_a_template_is_downloaded_only_for_an_open_period_and_the_default_is_the_open_cycle(world: World) -> None:
    sami = world.signed_in("SAMI")
    assert sami.get("/entities/SAMI/template?period=2025").status_code == 404  # not opened by the office
    assert open_period(world.settings) == parse_period(PERIOD)
    open_cycle(world.settings, parse_period("2025"), date(2026, 3, 31), by="office")
    assert open_period(world.settings) == parse_period("2025")  # the office opened it: everyone's default
    assert sami.get("/entities/SAMI/template?period=2025").status_code == 200
    assert 'filename="SAMI_2025.xlsx"' in sami.get("/entities/SAMI/template").headers["content-disposition"]
    close_cycle(world.settings, parse_period("2025"), by="office")
    assert open_period(world.settings) == parse_period(PERIOD)
    assert sami.get("/entities/SAMI/template?period=2025").status_code == 404


def test_good_sign_ins_never_lock_an_address_out(world: World) -> None:
    client = world.client(signin_limit=3)
    assert all(client.get(f"/signin/{world.link('office')}").status_code == 200 for _ in range(10))
    assert client.get("/signin/a-guess").status_code == 401
    assert client.get(f"/signin/{world.link('office')}").status_code == 200


def test_refused_uploads_go_to_a_bounded_quarantine_and_uploads_are_rate_limited(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from esgflow.intake import quarantine
    from esgflow.portal import uploads

    sami = world.signed_in("SAMI")
    csrf = _csrf(sami, "/entities/SAMI")
    for n in range(3):  # junk: refused, nothing of it is a version
        junk = world.folder / f"junk{n}.xlsx"
        junk.write_bytes(os.urandom(1024 * 1024))
        page = _upload(sami, "SAMI", junk, csrf)
        assert page.status_code == 200 and "保留 30 天，之后删除" in page.text  # type: ignore[attr-defined]
    archived = [p for p in world.settings.archive.rglob("*") if p.is_file()] if world.settings.archive.exists() else []
    assert archived == []  # nothing refused is archived for good
    assert len([p for p in quarantine.folder(world.settings.home).iterdir() if p.suffix == ".xlsx"]) == 3
    monkeypatch.setattr(uploads, "UPLOADS_PER_SIGNIN", 4)
    monkeypatch.setattr(uploads, "UPLOADS_PER_ENTITY", 5)
    assert _upload(sami, "SAMI", world.workbook("SAMI"), csrf).status_code == 200  # the fourth
    assert _upload(sami, "SAMI", world.workbook("SAMI", name="again.xlsx"), csrf).status_code == 429
    other = world.client()  # another reporter of the entity: their own allowance, within the entity's bound
    link = grant_access(world.settings, "second@sami.example", "SAMI").rsplit("/", 1)[1]
    assert other.get(f"/signin/{link}").status_code == 200
    assert (
        _upload(
            other, "SAMI", world.workbook("SAMI", {"env_diesel": 100}, name="o1.xlsx"), _csrf(other, "/entities/SAMI")
        ).status_code
        == 200
    )
    assert (
        _upload(other, "SAMI", world.workbook("SAMI", name="o2.xlsx"), _csrf(other, "/entities/SAMI")).status_code
        == 429
    )
    api = world.client().post("/api/returns", headers=world.bearer("SAMI"), files={"file": ("x.xlsx", b"PK")})
    assert api.status_code == 429
    assert len(entity_versions(world.settings, "SAMI", parse_period(PERIOD))) == 2


def test_malformed_workbooks_the_ingest_refuses_are_refused_by_the_portal_never_a_500(world: World) -> None:
    import io
    import zipfile

    filled = world.workbook("SAMI", {"env_diesel": 100})
    with zipfile.ZipFile(filled) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheets = sorted(n for n in parts if n.startswith("xl/worksheets/sheet"))

    def variant(name: str, change: object) -> tuple[str, bytes]:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for part, data in parts.items():
                z.writestr(part, change(data) if part in sheets else data)  # type: ignore[operator]
        return name, out.getvalue()

    broken = [
        variant(
            "SAMI_2024_string_index.xlsx",
            lambda d: re.sub(rb'<c r="([A-Z]+\d+)"( s="\d+")?>', rb'<c r="\1"\2 t="s">', d),
        ),
        variant("SAMI_2024_row_number.xlsx", lambda d: d.replace(b'<row r="', b'<row r=")', 3)),
        variant("SAMI_2024_style_index.xlsx", lambda d: re.sub(rb' s="\d+"', b' s="x"', d)),
    ]
    client = TestClient(world.signed_in("SAMI").app, raise_server_exceptions=False)
    assert client.get(f"/signin/{world.link('SAMI')}").status_code == 200
    csrf = _csrf(client, "/entities/SAMI")
    for name, data in broken:
        page = client.post("/entities/SAMI/returns", data={"csrf": csrf}, files={"file": (name, data)})
        api = client.post("/api/returns", headers=world.bearer("SAMI"), files={"file": (name, data)})
        assert page.status_code == 200 and api.status_code == 200, (name, page.text[:200], api.text[:200])
        assert api.json()["status"] in ("refused", "duplicate"), name  # the page took the same bytes first
        assert ingest_bytes(world.settings, data, name).status in ("refused", "duplicate", "rejected"), name


def test_a_return_of_another_year_than_the_one_collected_names_its_year(world: World) -> None:
    open_cycle(world.settings, parse_period("2025"), date(2026, 1, 31), by="Li Na")  # now collecting 2025
    client = world.signed_in("SAMI")
    csrf = _csrf(client, f"/entities/SAMI?period={PERIOD}")
    result = _upload(client, "SAMI", world.workbook("SAMI", WRONG), csrf).text  # type: ignore[attr-defined]
    assert "报告期 2024 · 版本 1" in result and "这是 2024 报告期的填报，不是当前收集的 2025 报告期" in result
    assert "<td>-5 吨</td>" in result  # the figure as typed, from the pipeline's one reading of the upload


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_reporter_attaches_evidence_beside_a_figure_and_only_to_its_own_entity(world: World) -> None:
    from esgflow.jobs.evidence import period_evidence

    sami = world.signed_in("SAMI")
    page = sami.get(f"/entities/SAMI?period={PERIOD}").text
    assert "证明材料" in page and "尚未上传证明材料。" in page and '<option value="env_electricity">' in page
    csrf = _csrf(sami, "/entities/SAMI")
    bill = {"file": ("2024年12月电费单.pdf", PDF)}
    sent = sami.post(
        f"/entities/SAMI/evidence?period={PERIOD}", data={"csrf": csrf, "indicator": "env_electricity"}, files=bill,
        follow_redirects=False,
    )  # fmt: skip
    assert sent.status_code == 303 and sent.headers["location"] == f"/entities/SAMI?period={PERIOD}#evidence"
    [kept] = period_evidence(world.settings, PERIOD, "SAMI")
    assert (kept.indicator, kept.channel, kept.sent_by) == ("env_electricity", "portal", world.email("SAMI"))
    listed = sami.get(f"/entities/SAMI?period={PERIOD}").text
    assert "2024年12月电费单.pdf" in listed and kept.sha256[:12] in listed
    active = {"file": ("bill.pdf", PDF.replace(b"/Type /Catalog", b"/OpenAction << /S /JavaScript >>"))}
    refused = sami.post(f"/entities/SAMI/evidence?period={PERIOD}", data={"csrf": csrf}, files=active)
    assert refused.status_code == 422 and "未保存" in refused.text and "JavaScript" not in refused.text  # Chinese only
    assert "bill.pdf 是含有脚本或其他活动内容的 PDF" in refused.text  # and why, in Chinese
    unknown = sami.post(f"/entities/SAMI/evidence?period={PERIOD}", data={"csrf": csrf, "indicator": "x"}, files=bill)
    assert unknown.status_code == 422 and "未保存" in unknown.text
    assert "（没有指标 &#39;x&#39;。）" in unknown.text and "unknown indicator" not in unknown.text
    assert sami.post(f"/entities/GAMI/evidence?period={PERIOD}", data={"csrf": csrf}, files=bill).status_code == 403
    assert sami.post(f"/entities/SAMI/evidence?period={PERIOD}", data={"csrf": "x"}, files=bill).status_code == 403
    assert world.client().post(f"/entities/SAMI/evidence?period={PERIOD}", files=bill).status_code == 401
    assert len(period_evidence(world.settings, PERIOD)) == 1  # nothing else was kept
