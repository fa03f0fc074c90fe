// "Start" panel of the Runs page, for operators: a workflow file under --workflows-dir or a
// script under --scripts-dir (the server checks the paths; nothing else can be started).

import { getJSON, postJSON, waitForRun, whoAmI } from "./api.js";
import { field, h, section, select } from "./dom.js";

function message(el, text, kind = "") {
  el.textContent = text;
  el.className = kind;
}

function workflowForm(definitions, note) {
  const valid = definitions.filter((d) => d.valid);
  const choice = select(valid.map((d) => [d.path, `${d.name} (${d.path})`]));
  const form = h("form", { class: "filters", "aria-label": "Start a workflow" }, field("Workflow", choice), h("button", { type: "submit" }, "Start workflow"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const answer = await postJSON("/workflows", { file: choice.value, inputs: {} });
      message(note, "Starting…");
      await waitForRun(answer.run_id);
      location.assign(`/workflows/${encodeURIComponent(answer.run_id)}`);
    } catch (error) {
      message(note, `Could not start it: ${error.message}`, "error");
    }
  });
  return valid.length ? form : null;
}

function scriptForm(note) {
  const script = h("input", { type: "text", required: true, placeholder: "reports/daily.py" });
  const args = h("input", { type: "text", placeholder: "--day 2026-12-01" });
  const form = h("form", { class: "filters", "aria-label": "Start a script" }, field("Script (under --scripts-dir)", script), field("Arguments", args), h("button", { type: "submit" }, "Start script"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const words = args.value.trim() ? args.value.trim().split(/\s+/) : [];
    try {
      const answer = await postJSON("/runs", { script: script.value.trim(), args: words, tags: {} });
      message(note, `Started run ${answer.run_id.slice(0, 8)}.`);
    } catch (error) {
      message(note, `Could not start it: ${error.message}`, "error");
    }
  });
  return form;
}

/** The panel, or null for a viewer. */
export async function startPanel() {
  const me = await whoAmI().catch(() => null);
  if (!me || me.role !== "operator") return null;
  const note = h("p", { role: "status" });
  const definitions = await getJSON("/workflow-definitions").then((d) => d.items, () => []);
  return section("Start", workflowForm(definitions, note), scriptForm(note), note);
}
