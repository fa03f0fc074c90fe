// What every page does first: show who is logged in, then draw the page into #app.

import { whoAmI } from "./api.js";
import { byId, status } from "./dom.js";

/** Run `draw(appElement)` once the document is ready; report failures on the status line. */
export function startPage(draw) {
  const go = async () => {
    whoAmI()
      .then((me) => {
        byId("who").textContent = `${me.name} (${me.role})`;
      })
      .catch(() => {});
    try {
      await draw(byId("app"));
    } catch (error) {
      status(`Could not load this page: ${error.message}`, "error");
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", go);
  else go();
}

/** The id in the page's path: /runs/ID -> ID. */
export function pathId() {
  const parts = location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] || "");
}

/** Set the page's <h1> and the document title. */
export function setTitle(text) {
  byId("title").textContent = text;
  document.title = `${text} · scriptrunner`;
}
