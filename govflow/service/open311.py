"""Open311 GeoReport v2 under ``/open311/v2``: discovery, services, requests, tokens.

Reads are anonymous; a list read with a key (``Authorization: Bearer``) may page deeper
(:data:`~govflow.service.open311_requests.KEY_DEPTH` rows rather than ``ANON_DEPTH``).
Errors on every path under ``/open311`` (unknown paths and oversize bodies included) are
Open311's lists (:data:`ERROR_FORMAT`). ``POST requests`` needs ``api_key``, a govflow
service key (``govflow keys add``): the request is made as that key's actor, so the
engine's role and scope checks apply. The posted request is located on a cell of the stored
grid (``lat``/``long``, or ``address_id`` naming a cell), validated as an
:class:`~govflow.plugins.open311.Open311Submission` and mapped by the rules of the
``open311`` source, as intake maps a pulled record; the case it opens goes through the
group committer like any API write. A case is opened at once, so the answer carries its
``service_request_id`` and the token is that same id.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from govflow.engine.requests import OpenRequest
from govflow.errors import CaseNotFound, GovflowError
from govflow.plugins.open311 import SOURCE, Open311Submission, Service, catalogue
from govflow.plugins.rules import NoRuleMatched, OpenCase, apply_rules
from govflow.records import Actor, Case
from govflow.service.context import ADMIN_ROLE, ServiceContext, actor_of
from govflow.service.keys import authenticate
from govflow.service.open311_format import (
    Open311Error,
    answer,
    check_format,
    errors,
    format_of,
    status_for,
)
from govflow.service.open311_requests import list_query, parse_time, request_view
from govflow.service.problems import ErrorFormat

PREFIX = "/open311/v2"
SPEC = "http://wiki.open311.org/GeoReport_v2"
#: the paths shown in a 404's description
PATHS = ("discovery", "services", "services/{service_code}", "requests",
         "requests/{service_request_id}", "tokens/{token}")


def error_answer(path: str, status: int, description: str,
                 headers: Mapping[str, str] | None = None) -> Response:
    """An error that reached the server's handlers (an unknown path, a wrong method, a body
    over the size limit, a crash) on an Open311 path, in Open311's format: the path's suffix
    picks JSON or XML."""
    if status == 404:
        description = (f"{path} is not an Open311 path here; the paths are "
                       f"{', '.join(PREFIX + '/' + p for p in PATHS)}, each ending in .json "
                       f"or .xml ({PREFIX}/discovery.json lists the endpoint)")
    elif status == 405:
        allowed = next((v for k, v in (headers or {}).items() if k.lower() == "allow"), "")
        description = (f"{description}: {path} takes {allowed or 'another method'}; only "
                       f"{PREFIX}/requests takes POST")
    return errors(format_of(path), status, description, headers)


#: errors on every path under /open311 are Open311's lists (see govflow.service.problems)
ERROR_FORMAT = ErrorFormat("/open311", error_answer)


def router(ctx: ServiceContext) -> APIRouter:
    api = APIRouter(prefix=PREFIX, tags=["open311"])
    engine = ctx.engine
    host = engine.plugins
    rules = host.rules.get(SOURCE, []) if host is not None else []
    known = {s.code: s for s in catalogue(rules, _runs(ctx))}
    by_category: dict[str, Service] = {}
    for service in known.values():
        by_category.setdefault(service.category, service)
    jurisdiction = ctx.config.open311_jurisdiction
    started = datetime.now(UTC)

    def checked(request: Request, fmt: str) -> str:
        check_format(fmt)
        asked = request.query_params.get("jurisdiction_id")
        if asked and jurisdiction and asked != jurisdiction:
            raise Open311Error(404, f"jurisdiction_id {asked!r} is not served here "
                                    f"(this endpoint serves {jurisdiction!r})")
        return fmt

    async def guarded(fmt: str, work: Callable[[], Awaitable[Response]]) -> Response:
        try:
            return await work()
        except Open311Error as exc:
            return errors(fmt, exc.status, exc.description)
        except GovflowError as exc:
            return errors(fmt, status_for(exc), str(exc))

    @api.get("/discovery.{fmt}", summary="Open311 discovery: the endpoint and its formats")
    async def discovery(request: Request, fmt: str) -> Response:
        async def work() -> Response:
            checked(request, fmt)
            base = str(request.base_url).rstrip("/") + PREFIX + "/"
            return answer(fmt, "discovery", {
                "changeset": started.isoformat(), "contact": "",
                "key_service": "govflow keys add NAME --role reporter",
                "endpoints": [{"specification": SPEC, "url": base,
                               "changeset": started.isoformat(), "type": "production",
                               "formats": ["application/json", "text/xml"]}]})
        return await guarded(fmt, work)

    @api.get("/services.{fmt}", summary="the services (from the open311 intake rules)")
    async def services(request: Request, fmt: str) -> Response:
        async def work() -> Response:
            checked(request, fmt)
            return answer(fmt, "services", [_service_view(ctx, s) for s in known.values()])
        return await guarded(fmt, work)

    @api.get("/services/{code}.{fmt}", summary="a service's definition (its attributes)")
    async def definition(request: Request, code: str, fmt: str) -> Response:
        async def work() -> Response:
            checked(request, fmt)
            if code not in known:
                raise Open311Error(404, f"service_code {code!r} is not a service here "
                                        "(services.json lists them)")
            return answer(fmt, "service_definition", {"service_code": code, "attributes": []})
        return await guarded(fmt, work)

    @api.get("/requests.{fmt}", summary="service requests (bounded: 90 days, 1,000 rows a "
                                        "page, 5,000 rows deep without a key)")
    async def requests(request: Request, fmt: str) -> Response:
        async def work() -> Response:
            checked(request, fmt)
            keyed = await _keyed(ctx, request)
            found = list_query(dict(request.query_params), known, engine.clock.now(),
                               keyed=keyed)

            def read() -> list[dict[str, Any]]:
                page = ctx.store.search_cases(found.query)  # type: ignore[attr-defined]
                cases = page.cases[found.skip:]
                return _views(ctx, cases, by_category)

            return answer(fmt, "service_requests", await ctx.read(read))
        return await guarded(fmt, work)

    @api.get("/requests/{request_id}.{fmt}", summary="one service request")
    async def one(request: Request, request_id: str, fmt: str) -> Response:
        async def work() -> Response:
            checked(request, fmt)
            views = await ctx.read(lambda: _one(ctx, request_id, by_category))
            return answer(fmt, "service_requests", views)
        return await guarded(fmt, work)

    @api.get("/tokens/{token}.{fmt}", summary="the request a token stands for")
    async def token(request: Request, token: str, fmt: str) -> Response:
        async def work() -> Response:
            checked(request, fmt)
            await ctx.read(lambda: _one(ctx, token, by_category))
            return answer(fmt, "service_requests",
                          [{"service_request_id": token, "token": token}])
        return await guarded(fmt, work)

    @api.post("/requests.{fmt}", summary="post a service request (needs api_key)")
    async def post(request: Request, fmt: str) -> Response:
        async def work() -> Response:
            checked(request, fmt)
            form = await _form(request)
            actor = await _actor(ctx, request, form)
            code = form.get("service_code", "")
            service = known.get(code)
            if service is None:
                raise Open311Error(400, f"service_code {code!r} is not a service here "
                                        "(services.json lists them)" if code else
                                   "service_code is required (services.json lists them)")
            opening = _open_request(ctx, form, service, actor)
            try:
                case = await ctx.committer.submit(opening)
            except GovflowError:
                ctx.metrics.opens.labels("refused").inc()
                raise
            ctx.metrics.opens.labels("ok").inc()
            return answer(fmt, "service_requests", [{
                "service_request_id": case.id, "token": case.id, "service_notice": "",
                "account_id": form.get("account_id") or None}], status=201,
                headers={"Location": f"{PREFIX}/requests/{case.id}.{fmt}"})
        return await guarded(fmt, work)

    return api


def _runs(ctx: ServiceContext) -> Callable[[str], bool]:
    def known(name: str) -> bool:
        try:
            ctx.engine.workflow(name)
        except (GovflowError, KeyError):
            return False
        return True
    return known


def _service_view(ctx: ServiceContext, service: Service) -> dict[str, Any]:
    title = getattr(ctx.engine.workflow(service.workflow), "title", "") or service.workflow
    return {"service_code": service.code, "service_name": service.name,
            "description": f"{title}: {service.category}", "metadata": False,
            "type": "realtime", "keywords": f"{service.category},{service.workflow}",
            "group": title}


def _views(ctx: ServiceContext, cases: list[Case],
           by_category: Mapping[str, Service]) -> list[dict[str, Any]]:
    lasts = ctx.store.last_events([c.id for c in cases])  # type: ignore[attr-defined]
    zone = ctx.zone
    return [request_view(c, lasts.get(c.id), by_category, zone, _state_text(ctx, c))
            for c in cases]


def _state_text(ctx: ServiceContext, case: Case) -> str:
    """The fixed public text of a case's state: its title and name (``结案 (closed)``), or
    the name alone when the workflow gives no title or no longer has the version."""
    try:
        spec = ctx.engine.workflow(case.workflow, case.version)
    except GovflowError:
        return case.state
    state = spec.states.get(case.state)
    title = state.title if state is not None else ""
    return f"{title} ({case.state})" if title and title != case.state else case.state


def _one(ctx: ServiceContext, request_id: str,
         by_category: Mapping[str, Service]) -> list[dict[str, Any]]:
    try:
        case = ctx.store.get_case(request_id)
    except CaseNotFound:
        case = None
    if case is None or case.category not in by_category:
        raise Open311Error(404, f"no service request {request_id!r} here")
    return _views(ctx, [case], by_category)


async def _form(request: Request) -> dict[str, str]:
    """The posted fields: form-encoded (the spec) or a JSON object; ``attribute[x]`` kept."""
    body = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            loaded = json.loads(body or b"{}")
        except (ValueError, RecursionError) as exc:
            raise Open311Error(400, f"the body is not JSON: {exc}") from None
        if not isinstance(loaded, dict):
            raise Open311Error(400, "the JSON body must be an object of fields")
        fields = {str(k): v if isinstance(v, str) else json.dumps(v) if isinstance(
            v, dict | list) else str(v) for k, v in loaded.items() if v is not None}
    elif kind in ("", "application/x-www-form-urlencoded"):
        try:
            fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=False))
        except UnicodeDecodeError:
            raise Open311Error(400, "the form is not UTF-8") from None
    else:
        raise Open311Error(400, f"content type {kind!r} is not taken; post "
                                "application/x-www-form-urlencoded (or application/json)")
    if "api_key" in request.query_params:
        raise Open311Error(400, "send api_key in the body, not in the URL (URLs end up in "
                                "proxies' logs)")
    for key, value in request.query_params.items():
        fields.setdefault(key, value)
    return fields


async def _keyed(ctx: ServiceContext, request: Request) -> bool:
    """Whether a list read carries a live key (``Authorization: Bearer KEY``, which may page
    deeper); a bad key is 403, as on a post. A key in the URL is not read (proxies log URLs)."""
    header = request.headers.get("authorization")
    if not header:
        return False
    await ctx.read(lambda: authenticate(ctx.keys, header))
    return True


async def _actor(ctx: ServiceContext, request: Request, form: Mapping[str, str]) -> Actor:
    """The actor of the ``api_key`` (or a Bearer header); 403 without a good one."""
    key = form.get("api_key")
    header = f"Bearer {key}" if key else request.headers.get("authorization")
    if not header:
        raise Open311Error(403, "api_key is required to post a request (a govflow key: "
                                "`govflow keys add NAME --role reporter`)")
    found = await ctx.read(lambda: authenticate(ctx.keys, header))
    return actor_of(ctx, found)


def _number(form: Mapping[str, str], name: str) -> float | None:
    text = form.get(name)
    if text in (None, ""):
        return None
    try:
        return float(text)
    except ValueError:
        raise Open311Error(400, f"{name}={text!r} is not a number") from None


def _cell(ctx: ServiceContext, form: Mapping[str, str]) -> str:
    """The tier-3 cell of the stored grid the request is at."""
    grid: Any = ctx.engine.grid
    lat, lon = _number(form, "lat"), _number(form, "long")
    address_id = form.get("address_id", "")
    cells = grid.cells() if callable(getattr(grid, "cells", None)) else None
    if lat is not None and lon is not None:
        locate = getattr(grid, "locate", None)
        if not callable(locate):
            raise Open311Error(400, "this service keeps no grid to locate lat/long on "
                                    "(`govflow grid load FILE` or `grid generate --save`)")
        found = locate(lon, lat)
        if found is None:
            raise Open311Error(400, f"lat {lat}, long {lon} is in no cell of the grid")
        return str(found)
    if address_id:
        if cells is None or address_id not in set(cells):
            raise Open311Error(400, f"address_id {address_id!r} is not a cell of the grid")
        return address_id
    raise Open311Error(400, "give the request's place as lat and long (or address_id, a cell "
                            "code of the grid)")


def _open_request(ctx: ServiceContext, form: Mapping[str, str], service: Service,
                  actor: Actor) -> OpenRequest:
    """The posted request mapped by the ``open311`` rules into an engine open."""
    cell = _cell(ctx, form)
    # a posted time would set the deadlines' clock: only an admin key may import older requests
    posted = parse_time("requested_datetime", form.get("requested_datetime"))
    at = posted if posted is not None and ADMIN_ROLE in actor.roles else ctx.engine.clock.now()
    attributes = {k[len("attribute["):-1]: v for k, v in form.items()
                  if k.startswith("attribute[") and k.endswith("]")}
    text = {name: form.get(name, "") for name in (
        "address_string", "address_id", "description", "media_url", "email", "first_name",
        "last_name", "phone", "device_id", "account_id")}
    payload = {"service_code": service.code, "cell": cell, "lat": _number(form, "lat"),
               "long": _number(form, "long"), **text, "attributes": attributes,
               "requested_at": at}
    try:
        record = Open311Submission.model_validate(payload)
    except ValidationError as exc:
        shown = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                          for e in exc.errors()[:5])
        raise Open311Error(400, f"the request is not valid: {shown}") from None
    host = ctx.engine.plugins
    try:
        op = apply_rules(host.rules.get(SOURCE, []) if host is not None else [], record)
    except NoRuleMatched as exc:
        raise Open311Error(400, f"service_code {service.code!r}: {exc}") from None
    if not isinstance(op, OpenCase):
        raise Open311Error(400, f"service_code {service.code!r}: the open311 rules do not "
                                f"open a case for this request ({type(op).__name__})")
    if op.cell != cell:
        cell = _cell(ctx, {"address_id": op.cell})
    data = {"service_code": service.code, "address": record.address_string,
            "description": record.description, "media_url": record.media_url,
            "lat": record.lat, "long": record.long, **dict(op.data)}
    if attributes:
        data["attributes"] = attributes
    reporter = {k: v for k, v in text.items() if v and k in (
        "email", "first_name", "last_name", "phone", "device_id", "account_id")}
    if reporter:
        data["reporter"] = reporter
    return OpenRequest(op.workflow, cell, op.category, data, SOURCE, op.owner, op.at or at,
                       actor)
