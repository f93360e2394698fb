"""The assurance provider's pages (issue 29): for the period of its sign-in, the group figures each with its
explanation down to cells, files and cited factors, every entity's documents (each downloadable), the audit
trail, and the sample with a form per item for its result; and the office's page of the auditor's open
requests, each answered with a document.

Every page here is a GET that reads; the only writes are an auditor's result (appended as POST
/api/assurance/results appends it) and the office's answer (attached as any evidence is). A reporter is
refused every one of them (403), an auditor of another period too.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from esgflow import EsgflowError, display, glossary
from esgflow.catalog import load_catalog
from esgflow.decimals import significant, tidy
from esgflow.figures.explain import FactorUse, Node
from esgflow.intake.evidence import MAX_EVIDENCE_BYTES, SUFFIXES, EvidenceRefused, stored_evidence
from esgflow.jobs.access import portal_event
from esgflow.jobs.assurance import RESULTS, answer_request, period_group_figures, record_result, sampled_items
from esgflow.jobs.collection import open_period
from esgflow.jobs.evidence import period_evidence
from esgflow.jobs.figures import explain_figure
from esgflow.jobs.signoff import audit_trail
from esgflow.periods import Period
from esgflow.portal import uploads
from esgflow.portal.auth import Viewer, check_csrf, client_address
from esgflow.portal.pages import XLSX, _page, _portal, _viewer, request_period
from esgflow.portal.pages import page_lang as _lang
from esgflow.portal.render import refused_why, word
from esgflow.portal.review import trail_reason
from esgflow.records import PortalEvent

router = APIRouter()
MEDIA = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg", "xlsx": XLSX}


def _reader(request: Request) -> tuple[Viewer, Period]:
    """The auditor (or the office) and the period asked for: the sign-in's own by default; a reporter,
    or an auditor asking for another period, is refused."""
    viewer = _viewer(request)
    if not (viewer.grant.is_auditor or viewer.grant.is_office):
        raise HTTPException(403, "for the assurance provider and the ESG office")
    given = request.query_params.get("period", viewer.grant.period)  # named, it is checked, even empty
    period = request_period(given) if given is not None else open_period(_portal(request).settings)
    if period is None:
        raise HTTPException(404, word("no_period", _lang(request, viewer)))
    if not viewer.may_read_period(period.code):
        raise HTTPException(403, "this sign-in is for another period")
    return viewer, period


def _names(lang: str) -> dict[str, str]:
    return {i.code: i.name(lang) for i in load_catalog().indicators}


def _unit(code: str, lang: str) -> str:
    unit = load_catalog()[code].unit
    return glossary.unit_zh(unit) if lang == "zh" else display.unit(unit)


def _number(value: object) -> str:
    """A sampled value as the reporter's figure reads: no trailing zeros, never a float's digits."""
    return format(tidy(Decimal(str(value))), "f")


def _query(period: Period, lang: str) -> str:
    return urlencode({"period": period.code, "lang": lang})


@router.get("/assurance")
def overview(request: Request) -> Response:
    viewer, period = _reader(request)
    settings, lang = _portal(request).settings, _lang(request, viewer)
    names = _names(lang)
    entity, indicator = request.query_params.get("entity"), request.query_params.get("indicator")
    documents = [
        d
        for d in period_evidence(settings, period.code)
        if (not entity or d.entity == entity) and (not indicator or d.indicator == indicator)
    ]
    figures = [(c, names.get(c, c), v, _unit(c, lang)) for c, v in period_group_figures(settings, period)]
    shown_for = " · ".join(x for x in (entity, names.get(indicator or "", indicator)) if x)
    return _page(
        request, viewer, "assurance.html", period=period.code, query=_query(period, lang), names=names,
        figures=figures, documents=documents, shown_for=shown_for,
    )  # fmt: skip


@router.get("/assurance/evidence/{document}")
def download(document: int, request: Request) -> Response:
    """One document of the period, as it was sent (its bytes are stored under their SHA-256)."""
    _, period = _reader(request)
    settings = _portal(request).settings
    found = next((d for d in period_evidence(settings, period.code) if d.id == document), None)
    if found is None:
        raise HTTPException(404, "no such document in this period")
    path = stored_evidence(settings.archive, found.sha256, found.kind)
    if not path.is_file():
        raise HTTPException(404, "the document is not in the archive")
    name = found.file_name if found.file_name.lower().endswith(SUFFIXES[found.kind]) else found.sha256
    return FileResponse(path, media_type=MEDIA[found.kind], filename=name)


@router.get("/assurance/explain/{code}")
def explain(code: str, request: Request) -> Response:
    """A group figure's explanation: what `esgflow explain CODE --period P --json` says, for people."""
    viewer, period = _reader(request)
    settings, lang = _portal(request).settings, _lang(request, viewer)
    if code not in load_catalog():
        raise HTTPException(404, "no such indicator")
    try:
        found = explain_figure(settings, period, code)
    except EsgflowError as exc:
        raise HTTPException(404, exc.said(lang)) from None
    counts: dict[tuple[str, str | None], int] = {}
    for d in period_evidence(settings, period.code):
        counts[(d.entity, d.indicator)] = counts.get((d.entity, d.indicator), 0) + 1
    basis = glossary.word(glossary.BASES, found.stored.basis, lang) if found.stored.basis in glossary.BASES else ""
    return _page(
        request, viewer, "explain.html", period=period.code, query=_query(period, lang), names=_names(lang),
        code=code, value=str(found.stored.value), unit=_unit(code, lang), basis=basis or found.stored.basis,
        agrees=found.agrees(), tree=_folded(found.tree, lang), counts=counts, number=_number,
        counted=lambda what, n: word(f"{what}_{'one' if n == 1 else 'count'}", lang).format(n),
    )  # fmt: skip


def _folded(node: Node, lang: str) -> dict[str, Any]:
    """A node of an explanation as the page folds it: its words in the reader's language, and how many inputs
    and distinct factors its fold holds (said on the fold, so the auditor knows what opening it shows)."""
    children = [_folded(c, lang) for c in node.children]
    factors = {f.code for f in node.factors}.union(*(c["factor_codes"] for c in children))
    return {
        "n": node, "children": children, "how": glossary.how_made(node.how, lang), "value": _figure(node.value),
        "unit": glossary.unit_zh(node.unit) if lang == "zh" else display.unit(node.unit),
        "inputs": len(node.cells) + sum(c["inputs"] for c in children), "factor_codes": factors,
        "factors": [(f, _cited(f, lang)) for f in node.factors],
    }  # fmt: skip


def _figure(value: float | None) -> str:
    """A node's figure without a float's last noisy digits (12 significant, no trailing zeros); a blank a dash."""
    return "—" if value is None else format(tidy(significant(Decimal(repr(value)), 12)), "f")


def _cited(f: FactorUse, lang: str) -> dict[str, str]:
    """A factor's unit and citation for the reader: on a Chinese page the unit in Chinese, a publisher named by
    words in Chinese, and the Chinese title where the publication has one; a proper name stays as published."""
    if lang != "zh":
        # the one-line source repeats the publication and its URL; it is said only where there is no publication
        return {
            "unit": f.unit,
            "publisher": f.publisher,
            "title": f.publication,
            "source": "" if f.publication else f.source,
        }
    title = glossary.title_zh(f.publication) or f.publication
    shown = glossary.PUBLISHERS_ZH.get(f.publisher, f.publisher)
    return {"unit": glossary.unit_zh(f.unit), "publisher": shown, "title": title, "source": ""}


@router.get("/assurance/trail")
def trail(request: Request) -> Response:
    viewer, period = _reader(request)
    lang = _lang(request, viewer)
    shown = [(a, trail_reason(a, lang)) for a in audit_trail(_portal(request).settings, period)[::-1]]  # newest first
    return _page(request, viewer, "trail_page.html", period=period.code, query=_query(period, lang), trail=shown)


def _office(request: Request) -> tuple[Viewer, Period]:
    viewer, period = _reader(request)
    if not viewer.grant.is_office:
        raise HTTPException(403, "for the ESG office")
    return viewer, period


def _items_page(request: Request, requests: bool, refusal: str | None = None, status: int = 200) -> Response:
    """The sample with the auditor's result forms, or (requests) the office's open requests with answer forms."""
    viewer, period = _office(request) if requests else _reader(request)
    settings, lang = _portal(request).settings, _lang(request, viewer)
    items = [s for s in sampled_items(settings, period) if s.open or not requests]
    form = "answer" if requests else "result" if viewer.grant.is_auditor else None
    page = _page(
        request, viewer, "sample.html", period=period.code, query=_query(period, lang), names=_names(lang),
        items=items, results=RESULTS, refusal=refusal, form=form, number=_number,
        units={i.code: _unit(i.code, lang) for i in load_catalog().indicators},
        form_heading=word("answer" if requests else "test_result", lang),
        heading=word("open_requests" if requests else "sample", lang),
        empty=word("no_requests" if requests else "no_sample", lang),
        back=f"/?{_query(period, lang)}" if requests else f"/assurance?{_query(period, lang)}",
    )  # fmt: skip
    page.status_code = status
    return page


@router.get("/assurance/sample")
def sample(request: Request) -> Response:
    return _items_page(request, False)


@router.post("/assurance/results")
def result(
    request: Request,
    csrf: Annotated[str, Form()] = "",
    observation_id: Annotated[int, Form()] = 0,
    result: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    """An auditor's result on a sampled item, appended exactly as POST /api/assurance/results appends it."""
    viewer = _viewer(request)
    check_csrf(viewer, csrf)  # before anything of the form is looked at
    viewer, period = _reader(request)
    if not viewer.grant.is_auditor:
        raise HTTPException(403, "only an auditor of this period records test results")
    try:
        record_result(_portal(request).settings, period, viewer.grant.email, observation_id, result, amount, comment)
    except EsgflowError as exc:  # refused: said on the page, nothing recorded
        return _items_page(request, False, exc.said(_lang(request, viewer)), 422)
    where = f"/assurance/sample?{_query(period, _lang(request, viewer))}#item{observation_id}"
    return RedirectResponse(where, 303)


@router.get("/requests")
def requests(request: Request) -> Response:
    """The office's view of what the auditor still asks for: items untested, or found different or unsupported."""
    return _items_page(request, True)


@router.post("/requests/{observation_id}")
def answer(
    observation_id: int,
    request: Request,
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """The office answers one request with a document for that entity's figure (kept as any evidence is)."""
    viewer = _viewer(request)
    check_csrf(viewer, csrf)
    viewer, period = _office(request)
    settings, lang = _portal(request).settings, _lang(request, viewer)
    name = uploads.safe_name(file.filename)
    event = PortalEvent("evidence", "", client_address(request), viewer.grant.email, None, period.code, None, name)
    data = file.file.read(MAX_EVIDENCE_BYTES + 1)
    try:
        kept = answer_request(settings, period, observation_id, data, name, viewer.grant.email)
    except EvidenceRefused as exc:
        portal_event(settings, _with(event, "refused", f"{name}: {exc}"))
        return _items_page(request, True, word("evidence_refused", lang) + refused_why(exc, lang), 422)
    except EsgflowError as exc:
        return _items_page(request, True, exc.said(lang), 422)
    portal_event(settings, _with(event, "kept", f"{name}: {kept.sha256}", kept.entity))
    return RedirectResponse(f"/requests?{_query(period, lang)}#item{observation_id}", 303)


def _with(event: PortalEvent, outcome: str, detail: str, entity: str | None = None) -> PortalEvent:
    return replace(event, outcome=outcome, detail=detail, entity=entity or event.entity)
