"""The runs page's load in Chromium, for ``bench/dashboard.py`` (Playwright, Debian's
``/usr/bin/chromium``).

Log in once through ``/login`` (the form field ``token``), then load ``/`` several times,
each in a new browser context holding only the session cookie (an empty HTTP cache: a
cold-ish load; the browser process and the server stay warm; one more load first, not
counted).  The time measured is from
navigation start (``performance.timeOrigin``) to the first ``tr[data-run-id]`` row that is
visible: a ``MutationObserver`` added before any page script runs notes ``performance.now()``
when such a row is first laid out with a non-empty box.  The Python side's wall time, from
``page.goto`` to Playwright seeing the row visible, is reported beside it as a check.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Runs before the page's own scripts (CDP addScriptToEvaluateOnNewDocument: not subject to
# the page's CSP).  Checks on every DOM change and once per frame until a row is visible.
FIRST_ROW = """
(() => {
  const seen = () => {
    if (window.__firstRow !== undefined) return true;
    for (const row of document.querySelectorAll('tr[data-run-id]')) {
      const box = row.getBoundingClientRect();
      if (box.width > 0 && box.height > 0) {
        window.__firstRow = performance.now();
        return true;
      }
    }
    return false;
  };
  new MutationObserver(seen).observe(document, {childList: true, subtree: true});
  const frame = () => { if (!seen()) requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
})();
"""


@dataclass(frozen=True, slots=True)
class PageLoad:
    first_row_ms: float  # navigation start -> first visible row (in the page)
    wall_ms: float  # page.goto -> Playwright saw it visible (Python side)
    dom_content_loaded_ms: float
    rows: int


def page_loads(url: str, token: str, loads: int) -> tuple[list[PageLoad], list[str]]:
    """``loads`` timed loads of the runs page, and the console errors seen."""
    errors: list[str] = []
    results: list[PageLoad] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(f"{url}login")
            page.fill("input[name=token]", token)
            with page.expect_navigation():
                page.click("button[type=submit]")
            page.wait_for_selector("tr[data-run-id]", state="visible", timeout=60_000)
            state = context.storage_state()
            context.close()
            for _ in range(loads + 1):  # the first one warms the server's caches: dropped
                context = browser.new_context(
                    viewport={"width": 1280, "height": 800}, storage_state=state
                )
                page = context.new_page()
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.add_init_script(FIRST_ROW)
                start = time.perf_counter()
                page.goto(url, wait_until="commit")
                page.wait_for_selector("tr[data-run-id]", state="visible", timeout=60_000)
                wall = (time.perf_counter() - start) * 1000
                page.wait_for_function("window.__firstRow !== undefined", timeout=10_000)
                timing = page.evaluate(
                    "() => [window.__firstRow,"
                    " performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,"
                    " document.querySelectorAll('tr[data-run-id]').length]"
                )
                results.append(PageLoad(timing[0], wall, timing[1], timing[2]))
                context.close()
        finally:
            browser.close()
    return results[1:], errors
