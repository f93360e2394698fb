"""The pages: sign-in, a reporter's own pages only, CSRF, limits, the office's overview, audit rows."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from esgflow import display
from esgflow.config import Settings
from esgflow.jobs.access import portal_events, revoke_access
from esgflow.jobs.collection import data_docs_index, entity_versions
from esgflow.jobs.setup import open_cycle
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
    assert sami.get("/entities/NOPE").status_code == 403
    csrf = _csrf(sami, "/entities/SAMI")
    before = entity_versions(world.settings, "GAMI", parse_period(PERIOD))
    assert _upload(sami, "GAMI", world.workbook("GAMI", name="g2.xlsx"), csrf).status_code == 403
    assert _upload(sami, "SAMI", world.workbook("GAMI", name="g3.xlsx"), csrf).status_code == 403
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
    assert "未接受" in result.text and "E12" in result.text and "总用水量" in result.text  # type: ignore[attr-defined]
    annotated = client.get(f"/entities/SAMI/versions/1/annotated?period={PERIOD}")
    assert annotated.status_code == 200 and annotated.content[:2] == b"PK"
    assert "第 1 版" in client.get("/entities/SAMI/versions/1/letter").text
    fixed = _upload(client, "SAMI", world.workbook("SAMI", name="SAMI_2024_fixed.xlsx"), csrf)
    assert "已接受" in fixed.text  # type: ignore[attr-defined]
    page = client.get("/entities/SAMI").text
    assert "版本 2" in page and "与上一版相比的变动" in page and "-5" in page and "35,442" in page
    assert [a.outcome for a in portal_events(world.settings)[:2]] == ["accepted", "rejected"]


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
