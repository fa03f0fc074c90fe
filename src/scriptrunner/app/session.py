"""One composition of a run for every entry point: the CLI, the Python API, the server.

A :class:`RunSession` is built from :class:`~scriptrunner.settings.Settings` and owns, for
as long as it is open: the history store, the event bus and the recorder (the event spine
over them), signal handling into a cancel token, and, per run, the pre-execution gate,
vault secrets (fetched, injected, and masked in everything recorded, published or logged),
the tracing session and cost attribution.  Entry points only turn their input into a
:class:`RunRequest` / :class:`WorkflowRequest` and print what comes back.

Order inside :meth:`RunSession.run`, kept because each step must fail before the next has
side effects: gate (a blocked script never starts and its secrets are never fetched), then
secrets, then tracing, then the run, then its cost.

The history store survives outages (``store.resilient``): opening it first replays what
processes that are gone left in the journal; the run's start row (a workflow's own row)
is written at once or the run is refused; every later write that the store cannot take is
journaled, and a run or workflow whose end could not be stored still ends with its own
exit code: :meth:`RunSession.run` and :meth:`RunSession.run_workflow` try the journal a
last time, then warn that the history is delayed and where the journal is.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from scriptrunner.app.requests import RunOutcome, RunRequest, run_options
from scriptrunner.core.cancel import CancelToken, cancel_on_signals
from scriptrunner.core.output import check_tail_bytes
from scriptrunner.core.runner import Runner
from scriptrunner.errors import ConfigError, ScriptRunnerError
from scriptrunner.events import EventBus
from scriptrunner.results import new_run_id, parse_run_id
from scriptrunner.settings import Settings
from scriptrunner.store.lease import Lease, start_lease
from scriptrunner.store.recorder import Recorder

if TYPE_CHECKING:
    from scriptrunner.app.workflow_request import WorkflowRequest
    from scriptrunner.gates.pre_run import PreRunOutcome
    from scriptrunner.store.base import HistoryStore
    from scriptrunner.store.resilient import JournaledStore
    from scriptrunner.tracing import TracingConfig, TracingSession
    from scriptrunner.tracing.export_process import ExportProcess
    from scriptrunner.vaults.masking import Masker
    from scriptrunner.workflows.executors import Executor
    from scriptrunner.workflows.model import Plan
    from scriptrunner.workflows.results import WorkflowResult

Warn = Callable[[str], None]


def _ignore(_message: str) -> None:
    return None


class RunSession:
    """Store, bus, recorder and signals for the runs and workflows of one entry point.

    ``record=False``: nothing is written (events are still published).  ``signals``: the
    signals that cancel what runs (the CLI's SIGINT/SIGTERM...; the API passes none and
    its caller's ``cancel`` token).  ``warn`` receives warnings worth showing (short
    secrets, spans not exported): the CLI prints them, the API ignores them.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        record: bool = True,
        signals: tuple[int, ...] = (),
        cancel: CancelToken | None = None,
        warn: Warn = _ignore,
    ) -> None:
        # Checked before anything (a gate scan, a vault fetch, the store) is touched.
        check_tail_bytes(settings.tail_bytes)
        self.settings = settings
        self.token = cancel or CancelToken()
        self.bus = EventBus()
        self._record = record
        self._signals = signals
        self._warn = warn
        self._store: JournaledStore | None = None
        #: The lease of the ``running`` rows of this session's runs (``store.lease``).
        self._lease: Lease | None = None
        #: After a run or workflow: the "history delayed" message when some of its
        #: history waits in the journal (the store was unreachable), else None.
        self.history_delayed: str | None = None

    # -- lifetime ------------------------------------------------------------------------

    def __enter__(self) -> RunSession:
        if self._record:
            from scriptrunner.app.outages import open_journaled

            self._store = open_journaled(self.settings, self._warn)
        self._lease = start_lease(self._store, self.settings.heartbeat_interval)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._lease is not None:
            self._lease.close()
            self._lease = None
        if self._store is not None:
            self._store.close()  # a journal with writes left is kept for a later replay
            self._store = None

    def _settle(self) -> str | None:
        """After a run or workflow: the journal's last chance (``app.outages.settle``)."""
        if self._store is None:
            return None
        from scriptrunner.app.outages import settle

        self.history_delayed = settle(self._store, self._warn)
        return self.history_delayed

    def _cancel_on_signals(self) -> contextlib.AbstractContextManager[None]:
        """While something runs, the session's signals cancel it (and its whole tree), on
        whichever thread they land; before that (a gate scan, a vault fetch) they
        interrupt as usual."""
        return cancel_on_signals(self.token, self._signals)

    @property
    def recorder(self) -> Recorder:
        """The event spine over this session's store and bus."""
        return Recorder(self._store, self.bus, lease=self._lease)

    # -- one run -------------------------------------------------------------------------

    def run(
        self, request: RunRequest, on_gate: Callable[[PreRunOutcome], None] | None = None
    ) -> RunOutcome:
        """Gate, fetch secrets, trace, run, attribute cost; returns the outcome.

        ``on_gate`` sees the gate's decision as soon as it is made (blocked or not).

        Raises :class:`~scriptrunner.app.requests.GateBlocked` (a ``SecurityError``) when
        the gate blocks, ``SecretError`` when a secret cannot be fetched (nothing ran),
        ``RunnerError`` when the command cannot start (masked when secrets are in use).
        """
        self._check_new_id(request.run_id)
        gate = self._gate(request, on_gate) if request.gate is not None else None
        secrets = None
        if request.secrets:
            from scriptrunner.vaults.run_secrets import fetch_run_secrets

            secrets = fetch_run_secrets(request.secrets, request.spec.env)
            for warning in secrets.warnings:
                self._warn(warning)
        masker = secrets.masker if secrets is not None and secrets.masker else None
        store: HistoryStore | None = self._store
        bus, restore_logging = self.bus, None
        if masker is not None:  # everything stored, published or logged from here is masked
            from scriptrunner.vaults.masked_sinks import MaskingBus, MaskingStore, mask_logging

            store = MaskingStore(store, masker) if store is not None else None
            bus = MaskingBus(self.bus, masker)
            restore_logging = mask_logging(masker)
        recorder = Recorder(store, bus, lease=self._lease)
        options = run_options(self.settings, request, masker)
        run_id = gate.run_id if gate is not None else request.run_id
        if request.trace is not None and run_id is None:
            run_id = new_run_id()  # the root of the trace, known to the exporter process
        tracing = self._start_tracing(request.trace, store, run_id)
        try:
            if tracing is not None:
                hook = tracing.env_hook
                if masker is not None and tracing.names_from_spec:
                    hook = _masked_hook(hook, masker)
                options = options.with_env_hook(hook)
                tracing.attach(bus)
            runner = Runner(recorder=recorder, options=options)
            try:
                with self._cancel_on_signals():
                    result = runner.run(
                        request.spec,
                        cancel=self.token,
                        run_id=run_id,
                        extra_env=secrets.values if secrets is not None else None,
                    )
            except ScriptRunnerError as exc:
                if masker is not None:  # "command not found: <a value typed on the line>"
                    exc.args = (masker.mask(str(exc)),)
                raise
            attribution = cost_error = None
            if request.coster is not None and store is not None:
                try:
                    attribution = request.coster.record(recorder, result)
                except ScriptRunnerError as exc:  # the run happened: keep its exit code
                    cost_error = exc
        finally:
            self._close_tracing(tracing)
            if restore_logging is not None:
                restore_logging()
        delayed = self._settle()
        return RunOutcome(result, gate, attribution, cost_error, masker, delayed)

    def _gate(
        self, request: RunRequest, on_gate: Callable[[PreRunOutcome], None] | None
    ) -> PreRunOutcome:
        from scriptrunner.app.requests import GateBlocked
        from scriptrunner.gates.base import GateContext
        from scriptrunner.gates.pre_run import check_before_run

        assert request.gate is not None
        outcome = check_before_run(
            request.gate,
            request.spec,
            GateContext.from_settings(self.settings),
            self.recorder,
            requirements=request.requirements,
            scan_paths=request.scan_paths,
            run_id=request.run_id,
        )
        if on_gate is not None:  # the entry point shows the decision before anything runs
            on_gate(outcome)
        if outcome.blocked:
            raise GateBlocked(outcome)
        return outcome

    # -- one workflow --------------------------------------------------------------------

    def run_workflow(self, plan: Plan, request: WorkflowRequest) -> WorkflowResult:
        """Run ``plan`` (resuming ``request.resume`` when given); returns its result."""
        from scriptrunner.gates.base import GateContext
        from scriptrunner.workflows.engine import EngineOptions, WorkflowEngine
        from scriptrunner.workflows.executors import make_executor

        self._check_new_id(request.run_id)
        resume = request.resume or ("last" if request.rerun_all else None)
        reuse = self._reuse(plan, resume, request.rerun_all) if resume else {}
        options = run_options(self.settings)
        executor = make_executor(
            request.executor,
            address=request.scheduler,
            options=options,
            cluster_timeout=request.cluster_timeout or self.settings.cluster_timeout,
            tls_ca_file=request.tls_ca_file,
            tls_cert=request.tls_cert,
            tls_key=request.tls_key,
            forward_env=request.forward_env,
            secrets=any(plan.workflow.task_secrets(i.task) for i in plan.instances),
            allow_plaintext_secrets=request.allow_plaintext_secrets,
        )
        tracing = None
        run_id = request.run_id
        if request.trace is not None and run_id is None:
            run_id = new_run_id()  # the root of the trace, known to the exporter process
        try:
            tracing = self._start_tracing(request.trace, self._store, run_id)
            if tracing is not None:
                # Only the engine's runner gets the hook: a Dask worker receives the
                # TRACEPARENT in each attempt's environment (its options stay picklable).
                options = options.with_env_hook(tracing.env_hook)
                tracing.attach(self.bus)
            engine = WorkflowEngine(
                self._store,
                self.bus,
                EngineOptions(
                    max_parallel=request.max_parallel or _cluster_parallel(plan, executor),
                    fail_fast=request.fail_fast,
                    run_options=options,
                    after_run=request.coster.record if request.coster is not None else None,
                    gate_context=GateContext.from_settings(self.settings),
                    heartbeat_interval=self.settings.heartbeat_interval,
                    local_always=request.local_always,
                ),
                executor=executor,
            )
            with self._cancel_on_signals():
                result = engine.run(plan, cancel=self.token, reuse=reuse, run_id=run_id)
        finally:
            executor.close()
            self._close_tracing(tracing)
        self._settle()
        return result

    def _check_new_id(self, run_id: str | None) -> None:
        """A caller-chosen run id is well formed and not in the store yet (``ConfigError``
        before anything is scanned, fetched or run)."""
        if run_id is None:
            return
        parse_run_id(run_id)
        if self._store is not None and self._store.run_exists(run_id):
            raise ConfigError(
                f"--run-id: run {run_id} already exists in history store {self._store.where}; "
                "choose a new id (or leave --run-id out for a fresh one)"
            )

    def _reuse(self, plan: Plan, resume: str, rerun_all: bool) -> Mapping[str, Any]:
        from scriptrunner.store import open_reader
        from scriptrunner.workflows.resume import reuse_from_history

        reader = open_reader(self.settings)
        try:
            return reuse_from_history(reader, resume, plan, rerun_all=rerun_all)
        finally:
            reader.close()

    # -- tracing -------------------------------------------------------------------------

    def _start_tracing(
        self, config: TracingConfig | None, store: HistoryStore | None, root: str | None
    ) -> TracingSession | ExportProcess | None:
        """Recorded: the runner only hands children their TRACEPARENT, and a helper process
        builds and exports the spans from the event log (``tracing.export_process``).
        Without a store (``record=False``) the spans are built in process from the bus."""
        if config is None:
            return None
        if store is None or root is None:
            from scriptrunner.tracing.session import start_tracing

            return start_tracing(config, store=store)
        from scriptrunner.tracing.export_process import ExportProcess

        return ExportProcess(
            config,
            store_url=self.settings.store_url,
            busy_timeout=self.settings.busy_timeout,
            root=root,
        )

    def _close_tracing(self, tracing: TracingSession | ExportProcess | None) -> None:
        if tracing is not None:  # waits a bounded time; never fails the run
            for line in tracing.close():
                self._warn(line)


def _masked_hook(hook: Any, masker: Masker) -> Any:
    """The tracing env hook, seeing the spec with its command line masked (span names)."""
    import dataclasses

    def masked(run_id: str, spec: Any) -> Any:
        clean = dataclasses.replace(
            spec,
            command=tuple(masker.mask(c) for c in spec.command),
            script=masker.mask(spec.script) if spec.script else spec.script,
        )
        return hook(run_id, clean)

    return masked


def _cluster_parallel(plan: Plan, executor: Executor) -> int | None:
    """The default ``--max-parallel`` of an executor with slots of its own (a Dask
    cluster's worker threads) when the workflow file does not set ``max_parallel``."""
    return None if plan.workflow.max_parallel_set else executor.slots()
