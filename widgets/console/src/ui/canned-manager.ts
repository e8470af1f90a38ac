/** Supervisors' editor for canned responses: add (shortcut, title, text) and delete. */
import { ApiError, type Api } from "../api";
import { normalizeShortcut } from "../canned";
import type { Canned } from "../protocol";
import { alertRegion, button, clear, el, field } from "./dom";

/** As the server accepts them. */
const SHORTCUT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export class CannedManager {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly error = alertRegion();
  private items: Canned[] = [];

  constructor(
    private readonly api: Api,
    private readonly changed: (items: Canned[]) => void,
  ) {
    const shortcut = el("input", { attrs: { required: "", maxlength: "33", autocomplete: "off", "aria-describedby": "shortcut-hint" } });
    shortcut.placeholder = "e.g. thanks";
    const title = el("input", { attrs: { required: "", maxlength: "80", autocomplete: "off" } });
    const text = el("textarea", { attrs: { required: "", rows: "3", maxlength: "2000" } });
    const add = el("button", { className: "btn primary", text: "Add canned response" });
    add.type = "submit";
    const form = el("form", { className: "canned-form", attrs: { "aria-label": "Add a canned response" } }, el("div", { className: "row" }, field("Shortcut", shortcut), field("Title", title)), el("p", { className: "muted small-print", id: "shortcut-hint", text: "Shortcuts: lowercase letters, digits, - and _; agents type /shortcut in the reply box." }), field("Text", text), this.error, add);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const item = { shortcut: normalizeShortcut(shortcut.value), title: title.value.trim(), text: text.value.trim() };
      if (!item.shortcut || !item.title || !item.text) {
        this.error.show("Fill in the shortcut, title and text");
        return;
      }
      if (!SHORTCUT_PATTERN.test(item.shortcut)) {
        this.error.show("A shortcut is up to 32 lowercase letters, digits, - or _");
        shortcut.focus();
        return;
      }
      add.disabled = true;
      this.api.addCanned(item).then(
        (created) => {
          this.error.show(null);
          shortcut.value = title.value = text.value = "";
          this.set([...this.items, created]);
          shortcut.focus();
        },
        (err: unknown) => this.error.show(err instanceof ApiError && err.code === "duplicate_shortcut" ? "That shortcut is already taken" : `Cannot add: ${(err as Error).message}`),
      ).finally(() => {
        add.disabled = false;
      });
    });
    this.list = el("ul", { className: "canned-list", attrs: { "aria-label": "Canned responses" } });
    this.element = el("section", { className: "card canned-manager", attrs: { "aria-labelledby": "canned-title" } }, el("h3", { id: "canned-title", text: "Canned responses" }), form, this.list);
  }

  set(items: Canned[]): void {
    this.items = items;
    clear(this.list);
    for (const c of [...items].sort((a, b) => a.shortcut.localeCompare(b.shortcut))) {
      const del = button("Delete", () => this.remove(c, del), "btn ghost small");
      del.setAttribute("aria-label", `Delete /${normalizeShortcut(c.shortcut)}`);
      this.list.appendChild(
        el("li", { data: { cannedId: String(c.id) } }, el("span", { className: "shortcut", text: `/${normalizeShortcut(c.shortcut)}` }), el("span", { className: "title", text: c.title }), el("span", { className: "text", text: c.text }), del),
      );
    }
    if (items.length === 0) this.list.appendChild(el("li", { className: "muted", text: "No canned responses yet" }));
    this.changed(items);
  }

  private remove(c: Canned, control: HTMLButtonElement): void {
    control.disabled = true;
    this.api.deleteCanned(c.id).then(
      () => {
        this.error.show(null);
        this.set(this.items.filter((x) => x.id !== c.id));
      },
      (err: Error) => {
        control.disabled = false;
        this.error.show(`Cannot delete: ${err.message}`);
      },
    );
  }
}
