"""The dashboard in a real browser (Debian's Chromium through Playwright) against a real
``scriptrunner serve``, with runs and workflows made by the real CLI in other processes."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from tests.fixtures.browser import browser, login, wait_for_item, waiting_script, watched_page
from tests.fixtures.cli import start_cli
from tests.fixtures.scanning import semgrep_path
from tests.fixtures.server import serve

__all__ = ["browser"]  # the fixture, imported for pytest

pytestmark = pytest.mark.slow

#: Spans stay in the store only: no collector to send them to.
NO_EXPORT = {"OTEL_TRACES_EXPORTER": "none"}


def test_login_form_leads_to_the_runs_page_with_the_csp_header(
    browser: Browser, tmp_path: Path
) -> None:
    with serve(tmp_path / "home") as served, watched_page(browser, tmp_path / "shots") as w:
        w.page.goto(served.url)
        assert "/login?next=%2F" in w.page.url
        w.page.get_by_label("API token").fill("sr_not_a_token")
        w.page.get_by_role("button", name="Log in").click()
        expect(w.page.get_by_role("alert")).to_contain_text("not valid")
        # The refused login answers 401, which Chromium logs; nothing else may be logged.
        assert [e for e in w.errors if "401 (Unauthorized)" not in e] == []
        w.errors.clear()
        w.shot("login")
        login(w.page, served)
        expect(w.page.locator("h1")).to_have_text("Runs")
        expect(w.page.locator("#who")).to_have_text("serve (operator)")
        response = w.page.goto(served.url)
        assert response is not None
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        # Logging out ends the session: the page sends us back to the form.
        w.page.get_by_role("button", name="Log out").click()
        w.page.wait_for_url("**/login")
        w.page.goto(served.url)
        assert "/login?next=" in w.page.url


def test_a_run_started_from_the_cli_appears_and_changes_state_without_reload(
    browser: Browser, tmp_path: Path
) -> None:
    flag = tmp_path / "go"
    script = waiting_script(tmp_path / "waits.py", flag)
    with serve(tmp_path / "home") as served, watched_page(browser, tmp_path / "shots") as w:
        login(w.page, served)
        expect(w.page.locator("#status")).to_have_text("Live")
        w.page.evaluate("window.sameDocument = true")
        proc = start_cli("run", "-q", str(script), env=served.env, cwd=tmp_path)
        try:
            running = w.page.locator('tr[data-run-id][data-status="running"]', has_text="waits.py")
            expect(running).to_have_count(1)
            expect(running).to_contain_text("running")
            run_id = running.get_attribute("data-run-id")
            running.get_by_role("link").focus()  # a keyboard user on that row
        finally:
            flag.touch()
            proc.communicate(timeout=60)
        assert proc.returncode == 0
        done = w.page.locator(f'tr[data-run-id="{run_id}"]')
        expect(done).to_have_attribute("data-status", "succeeded")
        expect(done).to_contain_text("succeeded")
        assert w.page.evaluate("window.sameDocument") is True  # never reloaded
        focused = w.page.evaluate("document.activeElement.getAttribute('href')")
        assert focused == f"/runs/{run_id}"  # the redrawn row kept the focus


def test_a_workflow_from_the_cli_shows_its_tasks_changing_state_in_the_dag(
    browser: Browser, tmp_path: Path
) -> None:
    flag = tmp_path / "go"
    waiting_script(tmp_path / "first.py", flag)
    (tmp_path / "part.py").write_text("import sys\nprint('part', sys.argv[1:])\n")
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "name: live-demo\n"
        "tasks:\n"
        "  first:\n    script: first.py\n"
        "  second:\n    needs: [first]\n    script: part.py\n"
        '    args: ["${{ matrix.part }}"]\n    matrix: {part: [a, b]}\n'
        "  third:\n    needs: [second]\n    script: part.py\n"
    )
    with serve(tmp_path / "home") as served, watched_page(browser, tmp_path / "shots") as w:
        login(w.page, served)
        proc = start_cli("workflow", "run", str(flow), env=served.env, cwd=tmp_path)
        try:
            workflow = wait_for_item(served, "/api/v1/workflows")
            w.page.goto(f"{served.url.rstrip('/')}/workflows/{workflow['id']}")
            expect(w.page.locator("#status")).to_have_text("Live")
            first = w.page.locator('g.instance[data-task="first"]')
            expect(first).to_have_attribute("data-status", "running")
            expect(first).to_contain_text("running")  # text, not colour alone
            third = w.page.locator('g.instance[data-task="third"]')
            expect(third).to_contain_text("pending")
            instances = w.page.locator('g.node[data-job="second"] g.instance')
            expect(instances).to_have_count(2)  # matrix instances grouped in one box
            expect(w.page.locator("#cancel")).to_be_enabled()
            w.page.evaluate("window.sameDocument = true")
            w.shot("workflow")  # live: one task running, the rest pending
        finally:
            flag.touch()
            proc.communicate(timeout=60)
        assert proc.returncode == 0
        expect(third).to_have_attribute("data-status", "succeeded")
        expect(third).to_contain_text("succeeded")
        expect(instances.filter(has_text="succeeded")).to_have_count(2)
        expect(w.page.locator("#workflow-status")).to_contain_text("succeeded")
        expect(w.page.locator("#cancel")).to_be_disabled()
        expect(w.page.locator("#gantt rect.task-bar")).to_have_count(4)
        w.page.get_by_role("button", name="Zoom in").click()
        expect(w.page.get_by_role("group", name="Timeline zoom")).to_contain_text("150 %")
        expect(w.page.locator("#gantt rect.task-bar")).to_have_count(4)
        assert w.page.evaluate("window.sameDocument") is True


def test_a_failed_run_shows_its_state_and_output(browser: Browser, tmp_path: Path) -> None:
    script = tmp_path / "breaks.py"
    script.write_text(
        "for i in range(40):\n    print('line', i)\n"
        "print('boom-output')\nraise ValueError('broken on purpose')\n"
    )
    with serve(tmp_path / "home") as served, watched_page(browser, tmp_path / "shots") as w:
        assert served.cli("run", "-q", str(script)).returncode == 1
        login(w.page, served)
        row = w.page.locator("tr[data-run-id]", has_text="breaks.py")
        expect(row).to_contain_text("failed")
        row.get_by_role("link").click()
        expect(w.page.locator("#run-status")).to_contain_text("failed")
        output = w.page.locator("#output")
        expect(output).to_contain_text("boom-output")
        w.page.get_by_label("Search output").fill("boom")
        expect(w.page.locator("#output-count")).to_have_text("1 of 1")
        expect(output.locator("mark")).to_have_text("boom")
        w.page.get_by_role("button", name="Top").click()
        w.page.get_by_role("button", name="Bottom").click()
        w.shot("run-failed", docs=False)
        w.page.get_by_role("button", name="stderr").click()
        expect(output).to_contain_text("ValueError: broken on purpose")
        expect(w.page.locator('tr[data-attempt="1"]')).to_contain_text("failed")


def test_the_trace_waterfall_renders_spans_with_their_details_for_a_viewer(
    browser: Browser, tmp_path: Path
) -> None:
    (tmp_path / "step.py").write_text("print('step')\n")
    flow = tmp_path / "traced.yaml"
    flow.write_text(
        "name: traced\ntasks:\n  one:\n    script: step.py\n"
        "  two:\n    needs: [one]\n    script: step.py\n"
    )
    with (
        serve(tmp_path / "home", env=NO_EXPORT) as served,
        watched_page(browser, tmp_path / "shots") as w,
    ):
        done = served.cli("workflow", "run", "--trace", str(flow))
        assert done.returncode == 0, done.stderr
        workflow = wait_for_item(served, "/api/v1/workflows")
        viewer = served.token_for("viewer", "reader")
        login(w.page, served, f"/workflows/{workflow['id']}", token=viewer)
        expect(w.page.locator("#who")).to_have_text("reader (viewer)")
        expect(w.page.locator("#workflow-status")).to_contain_text("succeeded")
        assert w.page.locator("#cancel, #resume").count() == 0  # operators only
        w.page.locator("#trace-link").click()
        spans = w.page.locator("#waterfall li button")
        expect(spans.first).to_be_visible()
        assert spans.count() >= 3  # the workflow and its two tasks
        task = spans.filter(has_text="two")
        task.first.click()
        expect(task.first).to_have_attribute("aria-pressed", "true")
        expect(w.page.locator("#span-details h3")).to_contain_text("two")
        expect(w.page.locator("#span-details")).to_contain_text("Attributes")
        w.shot("trace")


def test_html_in_script_names_and_findings_renders_as_text(
    browser: Browser, tmp_path: Path
) -> None:
    hostile = tmp_path / "<img src=x onerror=alert(1)>.py"
    hostile.write_text("print('<script>alert(2)</script>')\n")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - id: html-message\n    languages: [python]\n    severity: ERROR\n"
        '    message: "<img src=x onerror=alert(3)> <b>bold?</b> in $X"\n'
        "    pattern: print($X)\n"
    )
    env = {"SCRIPTRUNNER_SEMGREP": str(semgrep_path()), **NO_EXPORT}
    with serve(tmp_path / "home", env=env) as served, watched_page(browser, tmp_path / "s") as w:
        assert served.cli("run", "-q", str(hostile)).returncode == 0
        scan = served.cli("scan", "code", "--tool", "semgrep", "--rules", str(rules), str(hostile))
        assert scan.returncode in (0, 1), scan.stderr
        login(w.page, served)
        row = w.page.locator("tr[data-run-id]").first
        expect(row).to_contain_text("<img src=x onerror=alert(1)>.py")
        row.get_by_role("link").click()
        expect(w.page.locator("h1")).to_contain_text("<img src=x onerror=alert(1)>.py")
        expect(w.page.locator("#output")).to_contain_text("<script>alert(2)</script>")
        w.page.goto(f"{served.url.rstrip('/')}/security")
        expect(w.page.locator("#findings")).to_contain_text("<img src=x onerror=alert(3)>")
        expect(w.page.locator("#findings")).to_contain_text("<b>bold?</b>")
        for selector in ("main img", "main script", "main b"):
            assert w.page.locator(selector).count() == 0, selector
        sarif = w.page.locator("a[data-sarif]").first
        assert (sarif.get_attribute("href") or "").endswith("?format=sarif")
