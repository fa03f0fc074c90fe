// The output tail viewer: stdout/stderr, search with highlighted matches, jump to top/bottom.

import { field, h, replace } from "./dom.js";

const MAX_MARKS = 2000;

export class OutputView {
  constructor() {
    this.stream = "stdout";
    this.data = { stdout: "", stderr: "" };
    this.marks = [];
    this.current = -1;
    this.pre = h("pre", { class: "output", id: "output", tabindex: "0", "aria-label": "Output" });
    this.search = h("input", { type: "search", id: "output-search", placeholder: "text to find" });
    this.count = h("span", { class: "muted", "aria-live": "polite", id: "output-count" });
    this.note = h("p", { class: "muted", id: "output-note" });
    this.buttons = ["stdout", "stderr"].map((name) =>
      h("button", { type: "button", "aria-pressed": String(name === this.stream), onclick: () => this.show(name) }, name),
    );
    this.search.addEventListener("input", () => this.highlight());
    this.search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        this.next(event.shiftKey ? -1 : 1);
      }
    });
    this.element = h(
      "div",
      { class: "output-view" },
      h(
        "div",
        { class: "toolbar" },
        h("span", { role: "group", "aria-label": "Stream" }, this.buttons),
        field("Search output", this.search),
        h("button", { type: "button", onclick: () => this.next(-1) }, "Previous match"),
        h("button", { type: "button", onclick: () => this.next(1) }, "Next match"),
        this.count,
        h("button", { type: "button", id: "output-top", onclick: () => this.jump(0) }, "Top"),
        h("button", { type: "button", id: "output-bottom", onclick: () => this.jump(1) }, "Bottom"),
      ),
      this.note,
      this.pre,
    );
  }

  /** New output from GET /runs/{id}/output. */
  update(answer) {
    const atBottom = this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 4;
    this.data = { stdout: answer.stdout || "", stderr: answer.stderr || "" };
    const notes = [];
    if (answer.running) notes.push("The run is still going: its output is stored when it ends; this view follows it.");
    if (answer.truncated) notes.push("Only the stored tail of the output is shown.");
    this.note.textContent = notes.join(" ");
    this.render();
    if (atBottom && answer.running === false) this.jump(1);
  }

  show(stream) {
    this.stream = stream;
    this.buttons.forEach((b) => b.setAttribute("aria-pressed", String(b.textContent === stream)));
    this.render();
  }

  render() {
    const text = this.data[this.stream];
    replace(this.pre, text || `(no ${this.stream})`);
    this.highlight();
  }

  highlight() {
    const needle = this.search.value;
    const text = this.data[this.stream] || "";
    this.marks = [];
    this.current = -1;
    if (!needle) {
      replace(this.pre, text || `(no ${this.stream})`);
      this.count.textContent = "";
      return;
    }
    const parts = [];
    const lower = text.toLowerCase();
    const find = needle.toLowerCase();
    let at = 0;
    while (this.marks.length < MAX_MARKS) {
      const hit = lower.indexOf(find, at);
      if (hit < 0) break;
      parts.push(text.slice(at, hit));
      const mark = h("mark", {}, text.slice(hit, hit + needle.length));
      this.marks.push(mark);
      parts.push(mark);
      at = hit + needle.length;
    }
    parts.push(text.slice(at));
    replace(this.pre, ...parts);
    this.count.textContent = this.marks.length ? `${this.marks.length} matches` : "no match";
    if (this.marks.length) this.next(1);
  }

  next(step) {
    if (!this.marks.length) return;
    if (this.current >= 0) this.marks[this.current].classList.remove("current");
    this.current = (this.current + step + this.marks.length) % this.marks.length;
    const mark = this.marks[this.current];
    mark.classList.add("current");
    this.count.textContent = `${this.current + 1} of ${this.marks.length}`;
    this.pre.scrollTop = mark.offsetTop - this.pre.offsetTop - this.pre.clientHeight / 2;
  }

  jump(end) {
    this.pre.scrollTop = end ? this.pre.scrollHeight : 0;
  }
}
