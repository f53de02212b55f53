"""Open311 answers as JSON or XML, and Open311's error lists.

GeoReport v2 names the format by the path's suffix (``requests.json``, ``requests.xml``).
JSON lists are arrays; XML wraps each list in its root (``<service_requests>``) with one
element per item (``<request>``), and lists inside an item in a plural element with singular
children (``<attributes><attribute>``). XML is written with the standard library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from fastapi.responses import Response

from govflow.errors import AuthError, GovflowError, PermissionDenied, ServiceError
from govflow.service.problems import status_of

FORMATS = ("json", "xml")
#: a plural element's children in XML
_SINGULAR = {"attributes": "attribute", "values": "value", "endpoints": "endpoint",
             "formats": "format", "errors": "error", "service_requests": "request",
             "services": "service"}


class Open311Error(ServiceError):
    """An error answered as Open311's list of ``{code, description}`` with ``status``."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Open311Error(400, f"format {fmt!r} is not served; end the path in .json or .xml")
    return fmt


#: characters XML 1.0 forbids (C0 controls but tab/newline/return, lone surrogates, U+FFFE/F):
#: written as they are, one posted description would make every list unparsable
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(parent: ET.Element, tag: str, value: Any) -> None:
    child = ET.SubElement(parent, tag)
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(child, str(key), inner)
    elif isinstance(value, list | tuple):
        single = _SINGULAR.get(tag, "item")
        for inner in value:
            _fill(child, single, inner)
    else:
        child.text = _text(value)


def to_xml(root: str, body: Any) -> bytes:
    """``body`` (a list of items, or one mapping) under ``<root>``."""
    top = ET.Element(root)
    if isinstance(body, Mapping):
        for key, value in body.items():
            _fill(top, str(key), value)
    else:
        single = _SINGULAR.get(root, "item")
        for item in body:
            _fill(top, single, item)
    written: bytes = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return written


def answer(fmt: str, root: str, body: Sequence[Any] | Mapping[str, Any],
           status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """The response in ``fmt``: JSON as is, XML under ``<root>``."""
    if fmt == "xml":
        return Response(to_xml(root, body), status_code=status, media_type="text/xml",
                        headers=dict(headers or {}))
    return Response(json.dumps(body, ensure_ascii=False), status_code=status,
                    media_type="application/json", headers=dict(headers or {}))


def errors(fmt: str, status: int, description: str,
           headers: Mapping[str, str] | None = None) -> Response:
    """Open311's error answer: ``[{"code", "description"}]`` (XML ``<errors><error>``)."""
    return answer(fmt if fmt in FORMATS else "json", "errors",
                  [{"code": status, "description": description}], status, headers)


def format_of(path: str) -> str:
    """The format a path asks for by its suffix: ``xml`` for ``….xml``, else ``json``."""
    return "xml" if path.lower().endswith(".xml") else "json"


def status_for(exc: GovflowError) -> int:
    """An engine error's HTTP status in Open311 terms: a missing, bad or powerless key is
    403 (the spec's answer for an ``api_key``), a refused body 400, a body over the size
    limit 413, a missing case 404."""
    if isinstance(exc, AuthError | PermissionDenied):
        return 403
    status, _ = status_of(exc)
    return 400 if status in (409, 422) else status
