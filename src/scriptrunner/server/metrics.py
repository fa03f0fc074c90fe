"""``GET /metrics``: Prometheus text, computed from the store at scrape time (so it counts
what every process recorded, not only this server's work) plus the server's own stream
counters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from starlette.responses import Response

from scriptrunner.server.context import ServerContext
from scriptrunner.store import schema

#: Run duration buckets (seconds): scripts run from well under a second to hours.
BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 14400.0)


class StoreCollector(Collector):
    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Metric]:
        r, f, s = schema.runs, schema.findings, schema.scans
        with self.ctx.reader.engine.connect() as conn:
            by_status = conn.execute(
                select(r.c.kind, r.c.status, func.count()).group_by(r.c.kind, r.c.status)
            ).all()
            duration = r.c.duration_seconds
            finished = select(
                *(func.sum(case((duration <= b, 1), else_=0)) for b in BUCKETS),
                func.count(duration),
                func.sum(duration),
            ).where(duration.is_not(None), r.c.kind != "task")
            hist = conn.execute(finished).one()
            severities = conn.execute(
                select(s.c.kind, f.c.severity, func.count())
                .select_from(f.join(s, f.c.scan_id == s.c.id))
                .where(f.c.suppressed == 0)
                .group_by(s.c.kind, f.c.severity)
            ).all()
        runs = GaugeMetricFamily(
            "scriptrunner_runs", "Runs in the store by kind and status", labels=["kind", "status"]
        )
        for kind, status, n in by_status:
            runs.add_metric([str(kind), str(status)], float(n))
        yield runs
        buckets = [(str(b), float(hist[i] or 0)) for i, b in enumerate(BUCKETS)]
        count = float(hist[len(BUCKETS)] or 0)
        yield HistogramMetricFamily(
            "scriptrunner_run_duration_seconds",
            "Duration of finished runs and workflows (not their tasks)",
            buckets=[*buckets, ("+Inf", count)],
            sum_value=float(hist[len(BUCKETS) + 1] or 0.0),
        )
        findings = GaugeMetricFamily(
            "scriptrunner_findings",
            "Unsuppressed findings in stored scans by scan kind and severity",
            labels=["kind", "severity"],
        )
        for kind, severity, n in severities:
            findings.add_metric([str(kind), str(severity)], float(n))
        yield findings
        hub: Any = self.ctx.services.get("hub")
        streamed = CounterMetricFamily(
            "scriptrunner_events_streamed", "Events delivered to WebSocket clients"
        )
        streamed.add_metric([], float(getattr(hub, "delivered", 0)))
        yield streamed
        clients = GaugeMetricFamily(
            "scriptrunner_websocket_clients", "WebSocket clients connected now"
        )
        clients.add_metric([], float(getattr(hub, "clients", 0)))
        yield clients


def metrics_registry(ctx: ServerContext) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(ctx))
    return registry


def metrics_response(registry: CollectorRegistry) -> Response:
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
