"""The hub: type filters, in-order fan-out, a slow subscriber dropped without holding up
the others, and the hub of a server fed by the real CLI through the tail."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from fixtures.cli import cli_env, run_cli
from scriptrunner.server.context import ServerContext
from scriptrunner.server.eventlog import StoredEvent, TypeFilter
from scriptrunner.server.hub import EventHub, Subscription, start_hub
from scriptrunner.server.options import ServeOptions
from scriptrunner.settings import Settings
from scriptrunner.store.reader import HistoryReader
from scriptrunner.store.tokens import TokenStore


def event(event_id: int, event_type: str = "run.started") -> StoredEvent:
    return StoredEvent(event_id, event_type, json.dumps({"id": event_id, "type": event_type}))


@pytest.mark.parametrize(
    ("text", "matching", "not_matching"),
    [
        ("", ["run.started", "x"], []),
        ("run.*", ["run.started", "run.attempt.finished"], ["run", "runs.x", "task.started"]),
        ("task.finished, run.*", ["task.finished", "run.blocked"], ["task.started"]),
        ("trace.span.*", ["trace.span.ended"], ["trace.x"]),
        ("secret_x.*", ["secret_x.y"], ["secretax.y"]),
    ],
)
def test_type_filter_matches_names_and_prefixes(
    text: str, matching: list[str], not_matching: list[str]
) -> None:
    wanted = TypeFilter.parse(text)
    assert all(wanted.matches(name) for name in matching)
    assert not any(wanted.matches(name) for name in not_matching)


@pytest.mark.parametrize("text", ["run.", "*", "run*", ".run", "run,,task", "Run.x", "a.*.b"])
def test_type_filter_refuses_bad_syntax_in_one_sentence(text: str) -> None:
    with pytest.raises(ValueError, match=r"^types: .* is not an event type"):
        TypeFilter.parse(text)


async def drain(sub: Subscription) -> list[int]:
    ids = []
    while (item := await sub.next(0.01)) is not None:
        ids.append(item.id)
    return ids


def test_hub_fans_out_in_order_with_filters_and_horizon() -> None:
    async def main() -> None:
        hub = EventHub(asyncio.get_running_loop(), horizon=10)
        everything, horizon = hub.subscribe()
        runs, _ = hub.subscribe(TypeFilter.parse("run.*"))
        assert horizon == 10 and hub.clients == 2
        hub.publish([event(11), event(12, "task.started"), event(13, "run.finished")])
        assert await hub.wait_for(13, timeout=1.0)
        assert await drain(everything) == [11, 12, 13]
        assert await drain(runs) == [11, 13]
        late, horizon = hub.subscribe()
        assert horizon == 13
        hub.publish([event(14)])
        assert await hub.wait_for(14, timeout=1.0)
        assert await drain(late) == [14]
        assert not await hub.wait_for(99, timeout=0.05)
        hub.unsubscribe(runs)
        assert hub.clients == 2
        assert hub.events_published == 4

    asyncio.run(main())


def test_slow_subscriber_overflows_alone_and_is_woken() -> None:
    async def main() -> None:
        hub = EventHub(asyncio.get_running_loop(), queue_size=5)
        slow, _ = hub.subscribe()
        fast, _ = hub.subscribe()
        waiting = asyncio.create_task(slow.next(30.0))
        await asyncio.sleep(0)
        received: list[int] = []
        for start in range(1, 40, 4):
            hub.publish([event(i) for i in range(start, start + 4)])
            await hub.wait_for(start + 3, timeout=1.0)
            received += await drain(fast)
            if start == 1:
                assert (await waiting).id == 1  # took one; now it stops reading
        assert received == list(range(1, 41))
        assert slow.overflowed and hub.overflows == 1 and hub.clients == 1
        assert await slow.next(0.01) is None  # told to resume, not handed more
        hub.close()
        assert fast.overflowed and hub.clients == 0

    asyncio.run(main())


def test_started_hub_streams_a_cli_run(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    reader = HistoryReader(settings.store_url)
    ctx = ServerContext(
        settings, ServeOptions(), reader, TokenStore(reader.engine, reader.where), {}
    )
    script = tmp_path / "job.py"
    script.write_text("print('ok')\n")

    async def main() -> list[int]:
        hub = start_hub(ctx)
        try:
            sub, _ = hub.subscribe(TypeFilter.parse("run.finished"))
            env = cli_env(SCRIPTRUNNER_HOME=str(settings.home))
            done = await asyncio.to_thread(run_cli, "run", str(script), env=env, cwd=tmp_path)
            assert done.returncode == 0, done.stderr
            item = await sub.next(10.0)
            assert item is not None
            return [json.loads(item.text)["id"], hub.horizon]
        finally:
            hub.close()

    try:
        finished_id, horizon = asyncio.run(main())
        stored = reader.events(after_id=0)
    finally:
        reader.close()
    assert [e["id"] for e in stored if e["type"] == "run.finished"] == [finished_id]
    assert horizon >= finished_id
