"""Prometheus metrics: requests, latencies, checks, WebSocket messages, queue depth and jobs
by status (read from the database at scrape time)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = ["Metrics", "MetricsMiddleware", "CONTENT_TYPE"]

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _JobsCollector(Collector):
    def __init__(self, service: Any) -> None:
        self.service = service

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            counts = self.service.queue.counts()
        except Exception:  # the database is away: report nothing rather than fail
            log.exception("metrics: job counts")
            return
        by = GaugeMetricFamily("huashu_jobs", "Recordings' analysis jobs by status",
                               labels=["status"])
        for st, n in counts.items():
            by.add_metric([st], n)
        yield by
        yield GaugeMetricFamily("huashu_queue_depth", "Jobs waiting to run",
                                value=counts.get("queued", 0))
        yield GaugeMetricFamily("huashu_calls_in_memory", "Conversations kept for call_id",
                                value=len(self.service.calls))


class Metrics:
    """The service's own registry (not the global one, so that apps in one process —
    tests — do not collide)."""

    def __init__(self, service: Any) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("huashu_http_requests", "HTTP requests",
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram("huashu_http_request_seconds", "HTTP request latency",
                                 ["method", "route"], registry=r,
                                 buckets=(.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1,
                                          2.5, 5, 10, 30))
        self.checks = Counter("huashu_checks", "Utterances checked", ["via"], registry=r)
        self.ws_messages = Counter("huashu_ws_messages", "WebSocket messages answered",
                                   registry=r)
        self.uploads = Counter("huashu_uploads", "Recording uploads by outcome", ["outcome"],
                               registry=r)
        self.jobs_started = Counter("huashu_jobs_started", "Analysis jobs started", registry=r)
        self.jobs_finished = Counter("huashu_jobs_finished", "Analysis jobs finished",
                                     ["status"], registry=r)
        self.job_seconds = Histogram("huashu_job_seconds", "Analysis time of a recording",
                                     registry=r, buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300,
                                                          600, 1800))
        r.register(_JobsCollector(service))
        # labels() looks its child up under a lock on every call; the routes are few, so
        # each (method, route, status)'s children are kept here (on the /v1/check hot path)
        self._request_children: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self._check_children: dict[str, Any] = {}

    def request_done(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one HTTP request and its latency."""
        key = (method, route, str(status))
        children = self._request_children.get(key)
        if children is None:
            children = (self.requests.labels(*key), self.latency.labels(method, route))
            self._request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def checked(self, via: str) -> None:
        """Count one utterance checked (``via`` http | ws)."""
        child = self._check_children.get(via)
        if child is None:
            child = self._check_children[via] = self.checks.labels(via)
        child.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Pure ASGI middleware: counts and times every HTTP request by route template."""

    def __init__(self, app: Any, metrics_of: Any) -> None:
        self.app = app
        self.metrics_of = metrics_of

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = [500]

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        t0 = time.perf_counter()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            m = self.metrics_of(scope)
            if m is not None:
                route = scope.get("route")
                path = getattr(route, "path", None) or "unmatched"
                m.request_done(scope["method"], path, status[0], time.perf_counter() - t0)
