"""Open311 GeoReport v2 requests as an intake source, and the service list its rules declare.

The service's ``POST /open311/v2/requests`` hands each request to the rules of the source
:data:`SOURCE` (``open311``) as an :class:`Open311Submission`, exactly as a pulled record is
handed to its source's rules. The source itself is pushed to, never read: its
:meth:`Open311Push.read` yields nothing, so the worker's scheduled intake takes nothing
from it.

The service list (``GET services``) is read off those rules: every rule of the ``open311``
source declared in a rules file, whose ``when`` fixes ``service_code`` and whose outcome
``open``\\ s a case of a literal workflow and category, is one service per code::

    - name: Street vending              # the service_name
      source: open311
      when: {service_code: street_vending}
      open: {workflow: street_vending, cell: "{cell}", category: street_vending,
             at: "{requested_at}", data: {location: "{address_string}"}}

Rules written in Python (opaque functions) still map posted requests, but list no service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from govflow.plugins.rules import Rule
from govflow.plugins.sources import RawRecord

#: the source name the posted requests' rules are registered under
SOURCE = "open311"


class Open311Submission(BaseModel):
    """A posted service request, located on a tier-3 cell by the service."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service_code: str = Field(min_length=1, max_length=64)
    cell: str = Field(pattern=r"^\d{15}$")
    lat: float | None = Field(None, ge=-90, le=90)
    long: float | None = Field(None, ge=-180, le=180)
    address_string: str = Field("", max_length=500)
    address_id: str = Field("", max_length=100)
    description: str = Field("", max_length=4000)
    media_url: str = Field("", max_length=2000)
    email: str = Field("", max_length=200)
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=50)
    device_id: str = Field("", max_length=200)
    account_id: str = Field("", max_length=200)
    attributes: dict[str, str] = Field(default_factory=dict)
    requested_at: AwareDatetime


class Open311Push:
    """The ``open311`` source: records arrive by POST, so there is nothing to read."""

    name = SOURCE
    model = Open311Submission

    def read(self, cursor: str | None) -> Iterator[RawRecord]:
        return iter(())


@dataclass(frozen=True, slots=True)
class Service:
    """One Open311 service: a code, and the workflow and category its rule opens."""

    code: str
    name: str
    workflow: str
    category: str
    #: where the rule was declared (file:line)
    origin: str = ""


def _literal(value: object) -> str | None:
    return value if isinstance(value, str) and "{" not in value else None


def services(rules: Sequence[Rule]) -> list[Service]:
    """The services the ``open311`` rules declare, in rule order (first rule wins a code)."""
    found: dict[str, Service] = {}
    for rule in rules:
        declared: Mapping[str, object] | None = rule.declared
        if not declared or not isinstance(declared.get("open"), Mapping):
            continue
        opened = declared["open"]
        when = declared.get("when")
        assert isinstance(opened, Mapping)
        codes = when.get("service_code") if isinstance(when, Mapping) else None
        workflow, category = _literal(opened.get("workflow")), _literal(opened.get("category"))
        if codes is None or workflow is None or category is None:
            continue
        for code in codes if isinstance(codes, list) else [codes]:
            if isinstance(code, str) and code not in found:
                found[code] = Service(code, rule.name, workflow, category, rule.origin)
    return list(found.values())


def catalogue(rules: Sequence[Rule], known: Callable[[str], bool]) -> list[Service]:
    """:func:`services` whose workflow the engine runs (``known``)."""
    return [s for s in services(rules) if known(s.workflow)]
