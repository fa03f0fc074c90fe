"""Operator actions from the dashboard in a real browser: start, cancel and resume."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from tests.fixtures.browser import browser, login, wait_for_item, waiting_script, watched_page
from tests.fixtures.cli import start_cli
from tests.fixtures.server import serve

__all__ = ["browser"]  # the fixture, imported for pytest

pytestmark = pytest.mark.slow


def test_an_operator_cancels_a_workflow_and_resumes_it_from_its_page(
    browser: Browser, tmp_path: Path
) -> None:
    flag = tmp_path / "go"
    waiting_script(tmp_path / "slow.py", flag)
    (tmp_path / "after.py").write_text("print('after')\n")
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "name: cancel-me\ntasks:\n  slow:\n    script: slow.py\n"
        "  after:\n    needs: [slow]\n    script: after.py\n"
    )
    with (
        serve(tmp_path / "home", workflows_dir=tmp_path) as served,  # resumable from the web
        watched_page(browser, tmp_path / "shots") as w,
    ):
        proc = start_cli("workflow", "run", str(flow), env=served.env, cwd=tmp_path)
        try:
            workflow = wait_for_item(served, "/api/v1/workflows")
            login(w.page, served, f"/workflows/{workflow['id']}")
            expect(w.page.locator('g.instance[data-task="slow"]')).to_contain_text("running")
            expect(w.page.locator("#resume")).to_be_disabled()
            w.page.get_by_role("button", name="Cancel").click()
            expect(w.page.locator("#workflow-status")).to_contain_text("cancelled")
            proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        expect(w.page.locator("#cancel")).to_be_disabled()
        flag.touch()  # the resumed run's slow task finishes at once
        w.page.get_by_role("button", name="Resume from failed tasks").click()
        w.page.wait_for_url(lambda url: str(workflow["id"]) not in url and "/workflows/" in url)
        expect(w.page.locator("#workflow-status")).to_contain_text("succeeded", timeout=60_000)
        expect(w.page.locator('g.instance[data-task="after"]')).to_contain_text("succeeded")


def test_an_operator_starts_a_workflow_from_the_runs_page(browser: Browser, tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "hello.py").write_text("print('hello from the web')\n")
    (flows / "hello.yaml").write_text("name: hello\ntasks:\n  greet:\n    script: hello.py\n")
    with (
        serve(tmp_path / "home", workflows_dir=flows) as served,
        watched_page(browser, tmp_path / "shots") as w,
    ):
        login(w.page, served)
        w.page.get_by_label("Workflow", exact=True).select_option("hello.yaml")
        w.page.get_by_role("button", name="Start workflow").click()
        w.page.wait_for_url("**/workflows/*")
        expect(w.page.locator("#workflow-status")).to_contain_text("succeeded", timeout=60_000)
        expect(w.page.locator('g.instance[data-task="greet"]')).to_contain_text("succeeded")
