"""Every dashboard page in a real browser at 1280x800, at 400 px and in the dark theme,
over a history made by the real CLI; the documentation's screenshots come from here."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from tests.fixtures.browser import browser, login, watched_page
from tests.fixtures.server import serve

__all__ = ["browser"]  # the fixture, imported for pytest

pytestmark = pytest.mark.slow

#: Spans stay in the store only: no collector to send them to.
NO_EXPORT = {"OTEL_TRACES_EXPORTER": "none"}

BUSY = """import sys, time
data = []
end = time.time() + float(sys.argv[1])
step = 0
while time.time() < end:
    data.append(bytearray(20_000))  # memory grows while it runs
    sum(range(20_000))
    step += 1
    if step % 200 == 0:
        print(f"step {step}: {len(data) * 20} kB held", flush=True)
print("finished after", step, "steps")
"""


def test_a_run_page_charts_cpu_and_memory_from_its_samples(
    browser: Browser, tmp_path: Path
) -> None:
    job = tmp_path / "crunch.py"
    job.write_text(BUSY)
    with serve(tmp_path / "home", env=NO_EXPORT) as served:
        done = served.cli("run", "-q", "--tag", "team=data", str(job), "2.5")
        assert done.returncode == 0, done.stderr
        with watched_page(browser, tmp_path / "shots") as w:
            login(w.page, served)
            w.page.locator("tr[data-run-id]", has_text="crunch.py").get_by_role("link").click()
            charts = w.page.locator("#samples svg.chart")
            expect(charts).to_have_count(2)
            expect(charts.first.locator("path.line")).to_have_count(1)
            expect(w.page.locator("#output")).to_contain_text("finished after")
            w.page.get_by_label("Search output").fill("kB held")
            expect(w.page.locator("#output-count")).to_contain_text("of")
            w.page.locator("#samples").evaluate("e => e.closest('section').scrollIntoView()")
            w.shot("run")


def test_every_page_renders_at_desktop_and_narrow_widths(browser: Browser, tmp_path: Path) -> None:
    job = tmp_path / "nightly_job.py"
    job.write_text(
        "import sys, time\nx = [0] * 2_000_000\ntime.sleep(0.6)\nsys.exit(int(sys.argv[1]))\n"
    )
    sample = tmp_path / "app.py"
    sample.write_text(
        "import subprocess\nsubprocess.call('ls ' + input(), shell=True)\neval(input())\n"
    )
    (tmp_path / "step.py").write_text("print('step')\n")
    flow = tmp_path / "etl.yaml"
    flow.write_text(
        "name: etl\ntasks:\n  extract:\n    script: step.py\n    matrix: {day: [mon, tue]}\n"
        "  load:\n    needs: [extract]\n    script: step.py\n"
    )
    with serve(tmp_path / "home", env=NO_EXPORT) as served:
        for code in ("0", "0", "1", "0"):
            args = ["--cost-profile", "aws:m5.large", "--tag", "team=data"]
            served.cli("run", "-q", *args, str(job), code)
        assert served.cli("workflow", "run", str(flow)).returncode == 0
        with served.client() as client:
            workflow_id = client.get("/api/v1/workflows").json()["items"][0]["id"]
        scan = served.cli("scan", "code", "--tool", "bandit", str(sample))
        assert scan.returncode in (0, 1), scan.stderr
        for width, dark in ((1280, False), (400, False), (1280, True)):
            with watched_page(browser, tmp_path / "shots", width=width, dark=dark) as w:
                login(w.page, served)
                expect(w.page.locator("tr[data-run-id]")).to_have_count(5)
                if dark:
                    w.page.locator("tr[data-run-id] a").first.click()  # the workflow
                    expect(w.page.locator("g.instance")).to_have_count(3)
                    w.shot("dark")
                    continue
                pages = [("/", "Runs"), ("/security", "Security"), ("/costs", "Costs")]
                pages.append((f"/workflows/{workflow_id}", "Workflow etl.yaml"))
                for path, title in pages:
                    w.page.goto(served.url.rstrip("/") + path)
                    expect(w.page.locator("h1")).to_contain_text(title)
                    w.page.wait_for_load_state("networkidle")
                    overflow = w.page.evaluate(
                        "document.documentElement.scrollWidth - window.innerWidth"
                    )
                    assert overflow <= 1, f"{path} is wider than a {width} px window"
                    if width == 1280 and path in ("/security", "/costs"):
                        w.shot(path.strip("/"))
                w.page.goto(served.url)
                if width == 400:
                    w.shot("narrow")
                    continue
                w.page.locator("tr[data-run-id] button", has_text="nightly_job.py").first.click()
                expect(w.page.locator("#charts svg.chart")).to_have_count(2)
                w.page.evaluate("window.scrollTo(0, 0)")
                w.shot("runs")
                w.page.get_by_role("link", name="Security").focus()
                w.page.keyboard.press("Enter")  # the nav works from the keyboard
                w.page.wait_for_url("**/security")
