"""Pull another city's Open311 GeoReport v2 endpoint into cases (the Open311 client).

Set ``GOVFLOW_OPEN311_PULL_URL`` (e.g. ``https://311api.cityofchicago.org/open311/v2``) and
the plugin registers one source, pulled by ``govflow intake NAME`` or the service's
scheduled intake. Settings, all from the environment:

* ``GOVFLOW_OPEN311_PULL_URL``: the endpoint (without it the plugin registers nothing);
* ``GOVFLOW_OPEN311_PULL_SOURCE``: the source name (default ``open311_pull``);
* ``GOVFLOW_OPEN311_PULL_WORKFLOW``: the workflow requests open (default ``open311_request``,
  from the urban_management plugin; its ``work`` and ``close`` triggers follow updates);
* ``GOVFLOW_OPEN311_PULL_SINCE``: the ``updated_after`` of the first pull (ISO, with zone);
* ``GOVFLOW_OPEN311_PULL_KEY``: a key of the server's, sent as ``Authorization: Bearer``
  (a govflow server lets a keyed reader page deeper than an anonymous one);
* ``GOVFLOW_OPEN311_PULL_JURISDICTION``, ``GOVFLOW_OPEN311_PULL_PAGE_SIZE`` (1000),
  ``GOVFLOW_OPEN311_PULL_RETRIES`` (4).

Requests are placed by their lat/long on the engine's grid (the grid kept in the store).
"""

from __future__ import annotations

import os

from govflow.plugins import hookimpl
from govflow.plugins.open311_client import Open311Feed
from govflow.plugins.registry import Registry

_PREFIX = "GOVFLOW_OPEN311_PULL_"


def _setting(name: str, default: str | None = None) -> str | None:
    return os.environ.get(_PREFIX + name) or default


def feed_from_env() -> Open311Feed | None:
    """The feed the environment describes, or None without a URL."""
    url = _setting("URL")
    if not url:
        return None
    return Open311Feed(
        _setting("SOURCE", "open311_pull") or "open311_pull", url,
        workflow=_setting("WORKFLOW", "open311_request") or "open311_request",
        since=_setting("SINCE"), jurisdiction_id=_setting("JURISDICTION"),
        page_size=int(_setting("PAGE_SIZE", "1000") or 1000),
        retries=int(_setting("RETRIES", "4") or 4), api_key=_setting("KEY"))


class Open311Pull:
    govflow_plugin_name = "open311_pull"

    def __init__(self) -> None:
        self.feed = feed_from_env()

    @hookimpl
    def govflow_register_sources(self, registry: Registry) -> None:
        if self.feed is not None:
            registry.add_source(self.feed)

    @hookimpl
    def govflow_register_rules(self, registry: Registry) -> None:
        if self.feed is not None:
            registry.add_rules(self.feed.name, self.feed.rule)


def make_plugin() -> Open311Pull:
    return Open311Pull()
