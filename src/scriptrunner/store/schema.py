"""The history schema as SQLAlchemy Core tables: the one source of truth for every backend.

Timestamps are Unix epoch seconds (floats) so that SQLite and PostgreSQL store and compare
them the same way and the runner's fast SQLite path needs no date formatting.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# SQLite only makes INTEGER PRIMARY KEY an alias of the rowid (auto-increment); BigInteger
# would render BIGINT there, so ids use this variant.
BigId = BigInteger().with_variant(Integer(), "sqlite")

schema_version = Table(
    "scriptrunner_schema",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", Float, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False, default="run"),  # run | workflow | task
    Column("script", Text),
    Column("command", JSON, nullable=False),
    Column("cwd", Text, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("exit_code", Integer),
    Column("attempts", Integer, nullable=False, default=0),
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float),
    Column("duration_seconds", Float),
    Column("cpu_user_seconds", Float),
    Column("cpu_system_seconds", Float),
    Column("peak_rss_bytes", BigInteger),
    Column("cpu_percent_avg", Float),
    Column("cpu_percent_max", Float),
    Column("stdout_tail", Text),
    Column("stderr_tail", Text),
    Column("stdout_bytes", BigInteger),
    Column("stderr_bytes", BigInteger),
    Column("error", Text),
    Column("parent_run_id", String(32)),
    Column("workflow_run_id", String(32)),
    Column("task_name", Text),
    Column("outputs", JSON),
    Column("hostname", Text),
    Column("pid", Integer),
    # Schema version 2: the run's attributed cloud cost (``run --cost-profile``).
    Column("cloud_cost_usd", Float),
    # Schema version 4: the runner's start time (clock ticks since boot, ``/proc/PID/stat``),
    # so a reused pid is not taken for the runner of a row still ``running``.
    Column("pid_started", BigInteger),
    # Schema version 6: the lease of a ``running`` row, renewed by its runner while it runs
    # (epoch seconds), so a reader on any host can tell a live run from a lost one.  NULL
    # for runners that do not renew one (their rows are checked by pid on their host).
    Column("heartbeat_at", Float),
    Index("ix_runs_started_at", "started_at"),
    # Schema version 5: each filter of the dashboard's newest-first list reads its index in
    # order (these replace the single-column ``script`` and ``status`` indexes).
    Index("ix_runs_script_started", "script", "started_at"),
    Index("ix_runs_status_started", "status", "started_at"),
    Index("ix_runs_kind_started", "kind", "started_at"),
    Index("ix_runs_workflow_run_id", "workflow_run_id"),
)

# Schema version 5: a run's tags, one row each, so "runs tagged team=x" is an index lookup
# (``runs.tags`` keeps the whole mapping; JSON cannot be indexed alike on every backend).
run_tags = Table(
    "run_tags",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("key", Text, nullable=False),
    Column("value", Text, nullable=False),
    Index("ix_run_tags_key_value", "key", "value"),
    Index("ix_run_tags_run_id", "run_id"),
)

run_attempts = Table(
    "run_attempts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("exit_code", Integer),
    Column("signal", Integer),
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float, nullable=False),
    Column("delay_before", Float, nullable=False),
    Column("wall_seconds", Float),
    Column("cpu_user_seconds", Float),
    Column("cpu_system_seconds", Float),
    Column("peak_rss_bytes", BigInteger),
    Column("cpu_percent_avg", Float),
    Column("cpu_percent_max", Float),
    # Schema version 6: where a remote attempt ran (``results.Placement``); NULL for an
    # attempt run by the runner's own process (the run's ``hostname``/``pid`` say where).
    Column("attempt_id", String(32)),
    Column("host", Text),
    Column("pid", Integer),
    Column("worker", Text),
    Column("queued_seconds", Float),
    Index("ix_run_attempts_run_id", "run_id"),
)

metric_samples = Table(
    "metric_samples",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("t", Float, nullable=False),
    Column("cpu_percent", Float, nullable=False),
    Column("rss_bytes", BigInteger, nullable=False),
    Column("num_procs", Integer, nullable=False),
    Index("ix_metric_samples_run_id", "run_id"),
)

# Append-only: rows are inserted, never updated or deleted by scriptrunner.
events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("type", String(64), nullable=False),
    Column("run_id", String(32)),
    Column("ts", Float, nullable=False),
    Column("payload", JSON, nullable=False),
    Index("ix_events_run_id", "run_id"),
    Index("ix_events_type", "type"),
)

# Schema version 2: OpenTelemetry spans, so traces can be listed without a collector.
spans = Table(
    "spans",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("trace_id", String(32), nullable=False),
    Column("span_id", String(16), nullable=False),
    Column("parent_span_id", String(16)),
    Column("run_id", String(32)),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False, default="internal"),
    Column("start_time", Float, nullable=False),
    Column("end_time", Float),
    Column("status", String(8), nullable=False, default="unset"),  # unset | ok | error
    Column("status_message", Text),
    Column("attributes", JSON, nullable=False),
    Column("events", JSON, nullable=False),
    Index("ix_spans_trace_id", "trace_id"),
    Index("ix_spans_run_id", "run_id"),
)

# Schema version 3: scans (code, dependencies, secrets) and their findings.
scans = Table(
    "scans",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),  # code | deps | secrets | gate
    Column("run_id", String(32)),  # the run a pre-execution gate belonged to
    Column("targets", JSON, nullable=False),
    Column("tools", JSON, nullable=False),  # {"bandit": "1.8.0", ...}
    Column("status", String(16), nullable=False),  # ok | findings | failed
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float),
    Column("counts", JSON, nullable=False),  # by severity, suppressed, skipped files
    Column("errors", JSON, nullable=False),  # per-file or per-tool errors
    Index("ix_scans_run_id", "run_id"),
    Index("ix_scans_started_at", "started_at"),
)

findings = Table(
    "findings",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("scan_id", String(32), ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("tools", JSON, nullable=False),
    Column("rule_id", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("severity", String(16), nullable=False),  # INFO | WARNING | HIGH | CRITICAL
    Column("confidence", String(16)),
    Column("path", Text),
    Column("start_line", Integer),
    Column("end_line", Integer),
    Column("start_column", Integer),
    Column("end_column", Integer),
    Column("cwe", JSON, nullable=False),
    Column("suppressed", Integer, nullable=False, default=0),
    Column("properties", JSON, nullable=False),
    Index("ix_findings_scan_id", "scan_id"),
    Index("ix_findings_fingerprint", "fingerprint"),
)

# Schema version 5: the dashboard's API tokens (``scriptrunner token``), stored as SHA-256
# digests only: a token is 256 random bits, so a fast hash cannot be reversed by guessing.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", String(16), nullable=False),  # viewer | operator
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float),
    Column("revoked_at", Float),
)

#: PostgreSQL: every insert into ``events`` notifies this channel (``LISTEN``), so the
#: dashboard hears other processes' events at once instead of polling for them.
EVENTS_CHANNEL = "scriptrunner_events"
