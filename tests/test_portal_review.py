"""The office's review page: approve, return, excuse and sign off from the portal, each on the audit
trail as the signed-in office; refusals on the page; nothing of it for a reporter."""

from __future__ import annotations

import email
import re
from dataclasses import replace
from email import policy
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from esgflow import display
from esgflow.config import Settings
from esgflow.findings import Finding
from esgflow.jobs.collection import ingest_files, period_statuses
from esgflow.jobs.figures import consolidate_period
from esgflow.jobs.signoff import audit_trail, check_period, review_return
from esgflow.periods import parse_period
from tests.portal_world import PERIOD, WRONG, World, make_world

P = parse_period(PERIOD)
OFFICE = "esg@office.example"


@pytest.fixture
def world(sqlite_settings: Settings, tmp_path: Path) -> World:
    return make_world(sqlite_settings, tmp_path)


def _csrf(client: TestClient, page: str = f"/review?period={PERIOD}") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(page).text).group(1)  # type: ignore[union-attr]


def _send(world: World, entity: str, values: dict | None = None) -> None:
    [outcome] = ingest_files(world.settings, [world.workbook(entity, values)], docs=False)
    assert outcome.entity == entity


def _decide(client: TestClient, entity: str, csrf: str, **form: str) -> object:
    return client.post(f"/review/{entity}?period={PERIOD}", data={"csrf": csrf, **form}, follow_redirects=False)


def _trail(world: World) -> list[tuple[str, str, str | None, int | None, str | None]]:
    return [(r.actor, r.action, r.entity, r.version, r.reason) for r in audit_trail(world.settings, P)]


def _reviews(world: World) -> dict[str, str]:
    return {s.entity: s.review for s in period_statuses(world.settings, P)}


def test_the_office_approves_returns_and_excuses_as_itself(world: World) -> None:
    _send(world, "SAMI")
    _send(world, "GAMI")
    office = world.signed_in("office")
    page = office.get(f"/review?period={PERIOD}").text
    assert "审核与签署" in page and page.count('value="approved"') == 2 and "待审核" in page
    assert f'href="/entities/SAMI/versions/1/letter?period={PERIOD}"' in page
    csrf = _csrf(office)

    approved = _decide(office, "SAMI", csrf, decision="approved", version="1")
    assert approved.status_code == 303  # type: ignore[attr-defined]
    assert approved.headers["location"] == f"/review?period={PERIOD}&lang=zh&done=SAMI"  # type: ignore[attr-defined]
    assert "已记录： SAMI · 已核准" in office.get(approved.headers["location"]).text  # type: ignore[attr-defined]
    returned = _decide(office, "GAMI", csrf, decision="returned", version="1", reason="Water total looks doubled")
    assert returned.status_code == 303  # type: ignore[attr-defined]
    excused = _decide(office, "OS-IN", csrf, decision="excused", reason="sold in 2024")
    assert excused.status_code == 303  # type: ignore[attr-defined]

    assert _trail(world)[-3:] == [
        (OFFICE, "approved", "SAMI", 1, None),
        (OFFICE, "returned", "GAMI", 1, "Water total looks doubled"),
        (OFFICE, "excused", "OS-IN", None, "sold in 2024"),
    ]
    assert {e: r for e, r in _reviews(world).items() if e in ("SAMI", "GAMI", "OS-IN")} == {
        "SAMI": "approved",
        "GAMI": "returned",
        "OS-IN": "excused",
    }
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in world.settings.outbox.rglob("*")]
    [back] = [m for m in mails if "reporter@gami.example" in m["To"]]  # the reason goes to GAMI's reporters
    assert "Water total looks doubled" in back.get_body().get_content()  # type: ignore[union-attr]
    page = office.get(f"/review?period={PERIOD}&lang=en").text
    assert "Water total looks doubled" in page and "sold in 2024" in page and OFFICE in page  # the trail
    assert 'value="approved"' not in page  # nothing left to approve


def test_a_return_or_excuse_without_a_reason_is_refused_on_the_page(world: World) -> None:
    _send(world, "SAMI")
    office = world.signed_in("office")
    before = _trail(world)
    answer = _decide(office, "SAMI", _csrf(office), decision="returned", version="1", reason="  ")
    assert answer.status_code == 409  # type: ignore[attr-defined]
    assert "未执行： 退回须写明原因" in answer.text  # type: ignore[attr-defined]
    trail = answer.text.split('class="trail"')[1]  # type: ignore[attr-defined]
    assert "0 个错误、0 个提示" in trail and "errors" not in trail  # the checks' line, in the page's language
    answer = _decide(office, "GAMI", _csrf(office), decision="excused")
    assert "免报须写明原因" in answer.text  # type: ignore[attr-defined]
    assert _trail(world) == before


def test_approving_a_rejected_return_is_refused_with_why(world: World) -> None:
    _send(world, "OS-IN", WRONG)
    office = world.signed_in("office")
    before = _trail(world)
    page = office.get(f"/review?period={PERIOD}&lang=en").text
    assert "No usable return; excuse it if it will not report." in page  # no approve form for it
    form = {"csrf": _csrf(office), "decision": "approved", "version": "1"}
    answer = office.post(f"/review/OS-IN?period={PERIOD}&lang=en", data=form)
    assert answer.status_code == 409
    text = answer.text
    assert "cannot approve OS-IN 2024 version 1: it was rejected by the checks" in text and 'role="alert"' in text
    assert _trail(world) == before and _reviews(world)["OS-IN"] == "pending"
    # the Chinese page says it in Chinese (issue 26.10)
    answer = _decide(office, "OS-IN", _csrf(office), decision="approved", version="1")
    text = answer.text  # type: ignore[attr-defined]
    assert "不能批准OS-IN 2024 年度第 1 版：未通过校验" in text and "cannot approve" not in text


def test_a_reporter_can_neither_see_nor_post_the_review(world: World) -> None:
    _send(world, "SAMI")
    sami = world.signed_in("SAMI")
    csrf = _csrf(sami, "/entities/SAMI")  # a valid token of the reporter's own session
    before = _trail(world)
    assert sami.get(f"/review?period={PERIOD}").status_code == 403
    assert _decide(sami, "SAMI", csrf, decision="approved", version="1").status_code == 403  # type: ignore[attr-defined]
    assert _decide(sami, "GAMI", csrf, decision="excused", reason="mine").status_code == 403  # type: ignore[attr-defined]
    assert sami.post(f"/signoff?period={PERIOD}", data={"csrf": csrf}).status_code == 403
    office = world.signed_in("office")
    forged = _decide(office, "SAMI", "forged", decision="approved", version="1")
    assert forged.status_code == 403  # type: ignore[attr-defined]
    assert office.post(f"/signoff?period={PERIOD}", data={}).status_code == 403
    assert _trail(world) == before and _reviews(world)["SAMI"] == "pending"


def test_the_page_says_what_blocks_signoff_then_the_office_signs(world: World) -> None:
    _send(world, "SAMI")
    _send(world, "GAMI")
    office = world.signed_in("office")
    csrf = _csrf(office)
    _decide(office, "SAMI", csrf, decision="approved", version="1")
    page = office.get(f"/review?period={PERIOD}&lang=en").text
    waiting = page.split('id="signoff"')[1].split("</section>")[0]
    assert "Cannot be signed off yet:" in waiting and '<a href="#GAMI">GAMI</a>' in waiting and "SAMI" not in waiting
    assert '<span class="pending">（pending review）</span>' in waiting
    assert 'action="/signoff' not in page
    confirmed = {"csrf": csrf, "name": "Wang Li", "confirm": "yes"}
    refused = office.post(f"/signoff?period={PERIOD}", data=confirmed)
    assert refused.status_code == 409 and "无法签发 2024 年度：以下单位既未批准也未免报：" in refused.text

    _decide(office, "GAMI", csrf, decision="approved", version="1")
    for status in period_statuses(world.settings, P):
        if status.review == "pending":
            review_return(world.settings, P, status.entity, "excused", "not collected here", by="Wang Li")
    page = office.get(f"/review?period={PERIOD}&lang=en").text
    assert "Every entity is approved or excused" in page and 'action="/signoff?period=2024&amp;lang=en"' in page
    form = {"csrf": csrf, "name": "Wang  Li", "confirm": "yes"}
    signed = office.post(f"/signoff?period={PERIOD}&lang=en", data=form, follow_redirects=False)
    assert signed.status_code == 303
    [row] = [r for r in audit_trail(world.settings, P) if r.action == "signed_off"]
    assert row.actor == f"Wang Li <{OFFICE}>"  # the name the signer typed, under their sign-in
    page = office.get(signed.headers["location"]).text
    assert (
        f"Signed by Wang Li &lt;{OFFICE}&gt; · on {display.moment(row.at)}" in page and 'action="/signoff' not in page
    )
    again = office.post(f"/signoff?period={PERIOD}", data=form)
    assert again.status_code == 409 and "已锁定" in again.text and "locked" not in again.text


def test_the_overview_shows_each_review_and_links_the_review_page(world: World) -> None:
    _send(world, "SAMI")
    review_return(world.settings, P, "SAMI", "approved", by="Wang Li")
    page = world.signed_in("office").get("/?lang=en").text
    assert f'href="/review?period={PERIOD}&amp;lang=en"' in page
    assert '<td class="approved">approved</td>' in page and '<td class="pending">pending review</td>' in page


def test_an_open_group_check_error_blocks_the_signoff_on_the_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _send(world, "SAMI")
    review_return(world.settings, P, "SAMI", "approved", by="Wang Li")
    for status in period_statuses(world.settings, P):
        if status.review == "pending":
            review_return(world.settings, P, status.entity, "excused", "not collected here", by="Wang Li")
    consolidate_period(world.settings, P)
    real = check_period

    def with_an_error(*args: Any) -> list[Finding]:
        error = Finding("derived_recomputed", "error", "computed 2024: the parts exceed the total", ("env_x",))
        return [*real(*args), replace(error, period=PERIOD)]

    monkeypatch.setattr("esgflow.jobs.signoff.check_period", with_an_error)
    office = world.signed_in("office")
    page = office.get(f"/review?period={PERIOD}&lang=en").text
    assert "Group check errors are open:" in page and "<li>computed 2024: the parts exceed the total</li>" in page
    assert 'action="/signoff' not in page
    confirmed = {"csrf": _csrf(office), "name": "Wang Li", "confirm": "yes"}
    refused = office.post(f"/signoff?period={PERIOD}", data=confirmed)
    assert refused.status_code == 409 and "1 个集团层面校验错误未解决" in refused.text
    assert not [r for r in audit_trail(world.settings, P) if r.action == "signed_off"]


def _ready(world: World) -> None:
    """SAMI's return approved, with a change from last year explained beside one figure; the rest excused."""
    _send(world, "SAMI")
    review_return(world.settings, P, "SAMI", "approved", by="Wang Li")
    for status in period_statuses(world.settings, P):
        if status.review == "pending":
            review_return(world.settings, P, status.entity, "excused", "not collected here", by="Wang Li")
    consolidate_period(world.settings, P)


def test_the_signoff_shows_what_is_signed_and_exactly_which_checks_are_open(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ready(world)
    (world.settings.reports / PERIOD).mkdir(parents=True)
    (world.settings.reports / PERIOD / "appendix.zh.html").write_text("<html></html>", "utf-8")
    real = check_period

    def with_warnings(*args: Any) -> list[Finding]:
        found = [f for f in real(*args) if f.severity == "info"]
        warned = [
            Finding("yoy_change_needs_note", "warning", "diesel rose by 80 %", ("env_diesel",), period=PERIOD),
            Finding("yoy_change_needs_note", "warning", "water fell by 60 %", ("env_water_total",), period=PERIOD),
            Finding("reporter_note", "info", "SAMI wrote beside env_diesel: 两个新工地", ("env_diesel",), "SAMI",
                    period=PERIOD),
        ]  # fmt: skip
        return [*found, *warned]

    monkeypatch.setattr("esgflow.jobs.signoff.check_period", with_warnings)
    office = world.signed_in("office")
    page = office.get(f"/review?period={PERIOD}").text
    signing = page.split('id="signoff"')[1].split("</section>")[0]
    assert f'href="/reports/{PERIOD}/appendix.zh.html"' in signing  # the provisional report being signed
    assert "覆盖范围" in signing and "已纳入" in signing and "已豁免" in signing  # the coverage, by name
    assert "集团层面校验：0 个错误、2 个提示未关闭" in signing  # not "无错误" over an unread list
    diesel, water = signing.split("diesel rose by 80 %")[1], signing.split("water fell by 60 %")[1]
    assert diesel.split("</tr>")[0].count("已有填报单位说明") == 1 and "两个新工地" in diesel.split("</tr>")[0]
    assert "未说明" in water.split("</tr>")[0]
    assert 'name="name" required' in signing and 'name="confirm" value="yes" required' in signing


def test_one_click_signs_nothing_without_a_name_and_a_confirmation(world: World) -> None:
    _ready(world)
    office = world.signed_in("office")
    for form in ({}, {"name": "Wang Li"}, {"confirm": "yes"}, {"name": "  ", "confirm": "yes"}):
        refused = office.post(f"/signoff?period={PERIOD}", data={"csrf": _csrf(office), **form})
        assert refused.status_code == 400 and "请填写签署人姓名并勾选确认" in refused.text, form
    assert not [r for r in audit_trail(world.settings, P) if r.action == "signed_off"]


def test_the_review_page_names_who_stands_behind_each_return(world: World) -> None:
    _send(world, "SAMI", {"meta_preparer": "张填报", "meta_reviewer": "李审核", "meta_responsible": "王负责"})
    _send(world, "GAMI")
    page = world.signed_in("office").get(f"/review?period={PERIOD}").text
    sami, gami = (page.split(f'<tr id="{e}">', 1)[1].split("</tr>", 1)[0] for e in ("SAMI", "GAMI"))
    assert "填报人：张填报 · 审核人：李审核 · 负责人：王负责" in sami
    assert "填报人：张明 · 审核人：李华 · 负责人：王强" in gami  # the demo's names, as typed


def test_a_unit_slip_is_shown_before_the_approve_button(world: World) -> None:
    _send(world, "SAMI")
    base = world.workbook("SAMI", name="probe.xlsx")  # SAMI's figures as its first version gave them
    wb = load_workbook(base, read_only=True)
    typed = {}
    for code in ("env_electricity", "env_electricity_green", "env_office_electricity"):
        ((sheet, ref),) = wb.defined_names[code].destinations
        typed[code] = wb[sheet][ref.replace("$", "")].value
    slipped = {c: v / 10000 for c, v in typed.items() if isinstance(v, int | float)}  # 万千瓦时 in the kWh cells
    [second] = ingest_files(world.settings, [world.workbook("SAMI", slipped, name="SAMI_v2.xlsx")], docs=False)
    assert second.status == "accepted_with_warnings"
    page = world.signed_in("office").get(f"/review?period={PERIOD}").text
    row = page.split('<tr id="SAMI">', 1)[1].split("</tr>", 1)[0]
    slip = row.index("疑似单位错误：相差约1万倍")
    assert slip < row.index('value="approved"')  # read before the approve button


def test_figures_without_their_documents_are_listed_before_the_approve_button_and_to_the_reporter(
    world: World,
) -> None:
    _send(world, "SAMI", {"env_electricity_green": 20000})
    row = world.signed_in("office").get(f"/review?period={PERIOD}").text.split('<tr id="SAMI">', 1)[1]
    row = row.split("</tr>", 1)[0]
    assert row.index("缺少证明材料</span> 外购绿色电力（含绿证）") < row.index('value="approved"')
    assert "绿色电力证书或绿电交易凭证" in row
    page = world.signed_in("SAMI").get(f"/entities/SAMI?period={PERIOD}").text
    assert "以下数据尚需上传证明材料" in page and "绿色电力证书或绿电交易凭证" in page


def test_the_review_page_reads_every_entitys_needs_and_warnings_in_one_job_call(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from esgflow.warehouse import db

    opened = []
    real = db.session_scope

    def counted(url: str) -> Any:
        opened.append(url)
        return real(url)

    monkeypatch.setattr(db, "session_scope", counted)
    office = world.signed_in("office")

    def sessions() -> int:
        opened.clear()
        page = office.get(f"/review?period={PERIOD}")
        assert page.status_code == 200
        return len(opened)

    _send(world, "SAMI", {"env_electricity_green": 20000})
    one = sessions()
    _send(world, "GAMI", {"env_electricity_green": 30000})
    _send(world, "OS-IN", {"env_electricity_green": 40000})
    assert sessions() == one  # three pending returns cost what one did
    page = office.get(f"/review?period={PERIOD}").text
    for entity in ("SAMI", "GAMI", "OS-IN"):  # and each still shows what it lacks
        row = page.split(f'<tr id="{entity}">', 1)[1].split("</tr>", 1)[0]
        assert "绿色电力证书或绿电交易凭证" in row
