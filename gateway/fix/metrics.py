"""Prometheus metrics of the gateway: what an operator graphs and alerts on.

A registry of its own (not the process-global default), so that tests and the benchmark can
build several gateways in one process and read each one's figures. The ack latency is measured
from the moment a FIX callback receives an order message to the moment its first answer is
handed to QuickFIX, so it includes the durable journal write (group commit) it waits for.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

# Seconds, as Prometheus's own text (it parses them): 100 µs to 1 s; a journal commit on a
# disk sits around the millisecond.
LATENCY_BUCKETS = ("0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1")
NS_PER_SECOND = 1_000_000_000


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.orders = Counter("fixbroker_orders", "Order messages received (D, G, F)", ["session", "msg_type"], registry=self.registry)
        self.rejects = Counter("fixbroker_rejects", "Rejected requests by reason code", ["reason"], registry=self.registry)
        self.fills = Counter("fixbroker_fills", "Fill reports sent (one per side)", ["session"], registry=self.registry)
        self.reports = Counter("fixbroker_reports", "Reports sent by kind", ["kind"], registry=self.registry)
        self.sessions = Gauge("fixbroker_sessions_logged_on", "FIX sessions logged on", registry=self.registry)
        self.ack_latency = Histogram(
            "fixbroker_ack_latency_seconds", "Order message received to first answer sent", buckets=LATENCY_BUCKETS, registry=self.registry
        )
        self._children: dict[tuple[Counter, tuple[str, ...]], Counter] = {}

    def count(self, counter: Counter, *labels: str) -> None:
        """Add one to `counter` for `labels`. Several counts an order: each labelled child is
        looked up once, since `labels()` validates the names and takes a lock every time."""
        key = (counter, labels)
        child = self._children.get(key)
        if child is None:
            child = self._children.setdefault(key, counter.labels(*labels))
        child.inc()

    def observe_ack(self, elapsed_ns: int) -> None:
        """One ack latency. Prometheus samples are binary floating point by its data model;
        this is a duration, never an amount of money."""
        self.ack_latency.observe(elapsed_ns / NS_PER_SECOND)

    def serve(self, port: int, address: str = "127.0.0.1") -> None:
        """Expose /metrics over HTTP on a daemon thread."""
        start_http_server(port, addr=address, registry=self.registry)
