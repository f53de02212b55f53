"""Prometheus figures of one service process, on a registry of its own.

Counters are kept as requests pass; the store's figures (timers due and late, dead letters,
outbox lag) are read from the store when ``/metrics`` is scraped, so every process of a
PostgreSQL deployment reports the same queue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

#: store figures a scrape reads: name → (help, reader)
Figures = Callable[[], Mapping[str, float]]

_FIGURE_HELP = {
    "timers_due": "unfired timers due now",
    "timers_late": "unfired timers due more than a minute ago",
    "dead_letters": "records kept as dead letters",
    "outbox_pending": "outbox messages not yet delivered",
    "outbox_lag_seconds": "age of the oldest undelivered outbox message",
    "webhook_deliveries_pending": "webhook deliveries of active subscriptions not yet sent",
    "webhook_deliveries_sent": "webhook deliveries a receiver took",
    "webhook_deliveries_failed": "webhook deliveries given up on (attempts spent, or 410)",
    "webhook_lag_seconds": "age of the oldest webhook event not yet delivered",
}


class Metrics:
    """The process's counters and histograms."""

    def __init__(self) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # *_created: noise
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("govflow_http_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("govflow_http_request_seconds", "time to answer a request",
                                 ["route"], registry=self.registry)
        self.fires = Counter("govflow_fires", "triggers fired through the API",
                             ["outcome"], registry=self.registry)
        self.opens = Counter("govflow_opens", "cases opened through the API",
                             ["outcome"], registry=self.registry)
        self.commits = Counter("govflow_group_commits", "group commits of API writes",
                               registry=self.registry)
        self.batch = Histogram("govflow_group_commit_size", "API writes per group commit",
                               buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
                               registry=self.registry)
        self.worker_runs = Counter("govflow_worker_runs", "worker task runs",
                                   ["task", "outcome"], registry=self.registry)
        self.timers_fired = Counter("govflow_timers_fired", "timers handled by this worker",
                                    registry=self.registry)
        self.webhook_attempts = Counter("govflow_webhook_attempts",
                                        "webhook delivery attempts by this worker",
                                        ["outcome"], registry=self.registry)
        self._figures: list[Figures] = []

    def group_commit(self, size: int) -> None:
        self.commits.inc()
        self.batch.observe(size)

    def read_figures(self, figures: Figures) -> None:
        """Report ``figures()`` (read at each scrape) as gauges, besides those added before."""
        if not self._figures:
            self.registry.register(_StoreCollector(self))
        self._figures.append(figures)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _StoreCollector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for figures in list(self.metrics._figures):
            for name, value in figures().items():
                yield GaugeMetricFamily(f"govflow_{name}", _FIGURE_HELP.get(name, name),
                                        value=value)
