"""Errors as RFC 9457 problem documents (``application/problem+json``).

The engine's own exceptions carry the message a user needs; here each kind gets its HTTP
status and a stable ``type``. The document names the case, trigger or field where known.

A face with an error format of its own (Open311's ``[{"code", "description"}]``) registers
an :class:`ErrorFormat` for its path prefix: every error on a path under it, an unknown
path (404), a wrong method (405), an oversize body (413) or a crash (500) included, is
answered in that format; every other path keeps problem documents.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from govflow.errors import (
    AuthError,
    CalendarError,
    CaseError,
    CaseNotFound,
    ConflictError,
    ContentionError,
    DataError,
    DeadLetterGone,
    GovflowError,
    GuardError,
    PermissionDenied,
    RequestError,
    RequestTooLarge,
    StoreError,
    TransitionNotAllowed,
    WorkflowError,
)

log = logging.getLogger("govflow.service")

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://govflow.dev/problems/"

#: most specific first: the first class an error is an instance of decides
STATUS: tuple[tuple[type[GovflowError], int, str], ...] = (
    (AuthError, 401, "unauthorized"),
    (RequestTooLarge, 413, "too-large"),
    (CaseNotFound, 404, "not-found"),
    (PermissionDenied, 403, "forbidden"),
    (ConflictError, 409, "conflict"),
    (TransitionNotAllowed, 409, "transition-not-allowed"),
    (ContentionError, 503, "contention"),
    (StoreError, 503, "store-unavailable"),
    (DataError, 422, "invalid-data"),
    (RequestError, 422, "invalid-request"),
    (GuardError, 422, "guard-failed"),
    (CalendarError, 422, "calendar"),
    (WorkflowError, 422, "workflow"),
    (DeadLetterGone, 409, "conflict"),
    (GovflowError, 400, "bad-request"),
)

_TITLES = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
           413: "Content Too Large", 422: "Unprocessable Content", 400: "Bad Request",
           405: "Method Not Allowed", 500: "Internal Server Error",
           503: "Service Unavailable"}


#: an error in a face's own format: (path, status, description, headers) → the response
Render = Callable[[str, int, str, Mapping[str, str] | None], Response]

#: what a crash is answered with (the traceback goes to the log, never to the caller)
CRASHED = "the service failed on this request; the error is in its log"


@dataclass(frozen=True, slots=True)
class ErrorFormat:
    """Errors on ``prefix`` and the paths below it are answered by ``render``."""

    prefix: str
    render: Render

    def covers(self, path: str) -> bool:
        base = self.prefix.rstrip("/")
        return path == base or path.startswith(base + "/")


def format_for(formats: Sequence[ErrorFormat], path: str) -> ErrorFormat | None:
    """The error format registered for ``path`` (None: problem documents)."""
    return next((f for f in formats if f.covers(path)), None)


def problem(
    status: int, detail: str, *, kind: str | None = None, instance: str | None = None,
    headers: dict[str, str] | None = None, **extra: Any,
) -> JSONResponse:
    """A problem document response."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind if kind else "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def status_of(exc: GovflowError) -> tuple[int, str]:
    for cls, status, kind in STATUS:
        if isinstance(exc, cls):
            return status, kind
    return 400, "bad-request"  # pragma: no cover - GovflowError is last


def from_error(exc: GovflowError, instance: str | None = None) -> JSONResponse:
    """The problem document for one of govflow's errors."""
    status, kind = status_of(exc)
    extra: dict[str, Any] = {}
    if isinstance(exc, CaseError) and exc.case_id:
        extra["case_id"] = exc.case_id
    if isinstance(exc, TransitionNotAllowed):
        extra.update(state=exc.state, trigger=exc.trigger, allowed=list(exc.allowed))
    if isinstance(exc, PermissionDenied):
        extra.update(actor=exc.actor, trigger=exc.trigger)
    if isinstance(exc, ConflictError):
        extra.update(expected_version=exc.expected, current_version=exc.actual)
    if isinstance(exc, RequestError) and exc.field:
        extra.update(field=exc.field, fix=exc.fix)
    return problem(status, str(exc), kind=kind, instance=instance,
                   headers=_headers_for(status), **extra)


def _headers_for(status: int) -> dict[str, str] | None:
    if status == 401:
        return {"WWW-Authenticate": 'Bearer realm="govflow"'}
    if status == 503:
        return {"Retry-After": "1"}
    return None


def error_response(exc: GovflowError, path: str,
                   formats: Sequence[ErrorFormat] = ()) -> Response:
    """One of govflow's errors on ``path``: in the format registered for it, else a problem
    document."""
    found = format_for(formats, path)
    if found is None:
        return from_error(exc, path)
    status, _ = status_of(exc)
    return found.render(path, status, str(exc), _headers_for(status))


def install(app: FastAPI, formats: Sequence[ErrorFormat] = ()) -> None:
    """Answer every error of ``app`` with a problem document, or in the format registered
    for its path."""
    formats = tuple(formats)

    def own(request: Request, status: int, detail: str,
            headers: Mapping[str, str] | None = None) -> Response | None:
        """The error in the format registered for the request's path, if one is."""
        found = format_for(formats, request.url.path)
        return None if found is None else found.render(request.url.path, status, detail,
                                                       headers)

    async def govflow_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, GovflowError)
        if isinstance(exc, StoreError):
            log.warning("store error on %s: %s", request.url.path, exc)
        return error_response(exc, request.url.path, formats)

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
             "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        shown = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
        answered = own(request, 400, f"the request is not valid: {shown}")
        if answered is not None:
            return answered
        return problem(422, f"the request is not valid: {shown}", kind="invalid-request",
                       instance=request.url.path, errors=errors)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers) if exc.headers else None
        answered = own(request, exc.status_code, str(exc.detail), headers)
        if answered is not None:
            return answered
        return problem(exc.status_code, str(exc.detail), instance=request.url.path,
                       headers=headers)

    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        answered = own(request, 500, CRASHED)
        if answered is not None:
            return answered
        return problem(500, CRASHED, kind="internal", instance=request.url.path)

    app.add_exception_handler(GovflowError, govflow_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, crashed)
