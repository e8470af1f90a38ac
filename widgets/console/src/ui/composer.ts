/**
 * The reply box: Enter sends, Shift+Enter breaks the line, and "/shortcut" at the start
 * offers canned responses in a listbox (arrows move, Tab or Enter picks, Escape closes).
 */
import { matchCanned, normalizeShortcut, Suggestions } from "../canned";
import type { Canned } from "../protocol";
import { clear, el } from "./dom";

export interface ComposerHandlers {
  send(text: string): void;
  typed(): void;
  stoppedTyping(): void;
}

export class Composer {
  readonly element: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly listbox: HTMLUListElement;
  private readonly hint: HTMLElement;
  private readonly suggestions = new Suggestions();

  constructor(
    private readonly handlers: ComposerHandlers,
    private readonly canned: () => readonly Canned[],
  ) {
    this.input = el("textarea", { id: "reply", attrs: { rows: "3", "aria-autocomplete": "list", "aria-controls": "canned-suggestions", "aria-describedby": "reply-hint" } });
    this.input.placeholder = "Type a reply, or / for canned responses";
    this.sendButton = el("button", { className: "btn primary", text: "Send" });
    this.sendButton.type = "submit";
    this.listbox = el("ul", { className: "suggestions", id: "canned-suggestions", attrs: { role: "listbox", "aria-label": "Canned responses" } });
    this.listbox.hidden = true;
    this.hint = el("p", { className: "composer-hint", id: "reply-hint", text: "Enter to send, Shift+Enter for a new line." });

    const label = el("label", { className: "sr-only", text: "Reply" });
    label.htmlFor = "reply";
    const form = el("form", { className: "composer", attrs: { "aria-label": "Message composer" } }, this.listbox, label, el("div", { className: "composer-row" }, this.input, this.sendButton), this.hint);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener("input", () => {
      this.refreshSuggestions();
      if (this.input.value.trim()) this.handlers.typed();
      else this.handlers.stoppedTyping();
    });
    this.input.addEventListener("keydown", (e) => this.onKey(e));
    this.input.addEventListener("blur", () => setTimeout(() => this.closeSuggestions(), 150));
    this.listbox.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the textarea
    this.listbox.addEventListener("click", (e) => {
      const option = (e.target as HTMLElement).closest<HTMLElement>("[role=option]");
      if (!option) return;
      this.suggestions.select(Number(option.dataset.index));
      this.pick();
    });
    this.element = form;
  }

  setEnabled(enabled: boolean, hint: string): void {
    this.input.disabled = !enabled;
    this.sendButton.disabled = !enabled;
    this.hint.textContent = hint;
    if (!enabled) this.closeSuggestions();
  }

  clearText(): void {
    this.input.value = "";
    this.closeSuggestions();
  }

  focus(): void {
    if (!this.input.disabled) this.input.focus();
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text || this.input.disabled) return;
    this.input.value = "";
    this.closeSuggestions();
    this.handlers.send(text);
    this.input.focus();
  }

  private onKey(e: KeyboardEvent): void {
    if (this.suggestions.open) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        this.suggestions.move(e.key === "ArrowDown" ? 1 : -1);
        this.renderSuggestions();
        return;
      }
      if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") {
        e.preventDefault();
        this.pick();
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        this.closeSuggestions();
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.submit();
    }
  }

  private pick(): void {
    const chosen = this.suggestions.current;
    if (!chosen) return;
    this.input.value = chosen.text;
    this.closeSuggestions();
    this.input.focus();
    this.input.setSelectionRange(this.input.value.length, this.input.value.length);
    this.handlers.typed();
  }

  private refreshSuggestions(): void {
    this.suggestions.update(matchCanned(this.input.value, this.canned()));
    this.renderSuggestions();
  }

  private closeSuggestions(): void {
    this.suggestions.close();
    this.renderSuggestions();
  }

  private renderSuggestions(): void {
    clear(this.listbox);
    const open = this.suggestions.open;
    this.listbox.hidden = !open;
    if (!open) {
      this.input.removeAttribute("aria-activedescendant");
      return;
    }
    this.suggestions.items.forEach((c, i) => {
      const selected = i === this.suggestions.highlighted;
      const option = el(
        "li",
        { className: "suggestion", id: `canned-option-${i}`, data: { index: String(i), shortcut: normalizeShortcut(c.shortcut) }, attrs: { role: "option", "aria-selected": String(selected) } },
        el("span", { className: "shortcut", text: `/${normalizeShortcut(c.shortcut)}` }),
        el("span", { className: "title", text: c.title }),
        el("span", { className: "text", text: c.text }),
      );
      this.listbox.appendChild(option);
      if (selected) {
        this.input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView?.({ block: "nearest" });
      }
    });
  }
}
