/** The "How did we do?" form below the log after the conversation closed, and its thank-you line. */
import { CSAT_COMMENT_MAX_CHARS, type CsatState } from "./csat";
import { el } from "./dom";
import type { Strings } from "./i18n";
import type { ErrorBody } from "./protocol";

export type CsatSubmit = (rating: number | null, comment: string) => void;

const STAR_ON = "★";
const STAR_OFF = "☆";

interface Fields {
  radios: HTMLInputElement[];
  stars: HTMLElement[];
  comment: HTMLTextAreaElement;
  error: HTMLElement;
}

export class CsatForm {
  /** A region named by its legend; hidden while there is nothing to ask. */
  readonly element: HTMLElement;
  private fields: Fields | null = null;
  private busy = false;

  constructor(private readonly t: Strings, private readonly idBase: string, private readonly submit: CsatSubmit) {
    this.element = el("section", "csat");
    this.element.hidden = true;
  }

  get showsForm(): boolean {
    return this.fields !== null;
  }

  render(state: CsatState, problem?: "choose" | ErrorBody): void {
    if (state === "hidden") {
      this.fields = null;
      this.element.removeAttribute("aria-labelledby");
      this.element.replaceChildren();
      this.element.hidden = true;
    } else if (state === "thanks") {
      this.thank();
    } else {
      if (!this.fields) this.build();
      this.busy = state === "sending";
      if (problem) this.refuse(problem);
    }
  }

  focus(): void {
    const f = this.fields;
    (f?.radios.find((r) => r.checked) ?? f?.radios[0])?.focus();
  }

  private refuse(problem: "choose" | ErrorBody): void {
    const f = this.fields;
    if (!f) return;
    f.error.textContent = problem === "choose" ? this.t.chooseRating : this.t.csatFailed;
    f.error.hidden = false;
    if (problem === "choose") f.radios[0].focus();
  }

  private thank(): void {
    const hadFocus = this.element.contains((this.element.getRootNode() as Document | ShadowRoot).activeElement);
    const line = el("p", "csat-thanks", this.t.csatThanks);
    // Focus moves here from the vanished form, so it is read out and keyboard users are not dropped to the page.
    line.tabIndex = -1;
    line.setAttribute("role", "status");
    this.fields = null;
    this.busy = false;
    this.element.removeAttribute("aria-labelledby");
    this.element.replaceChildren(line);
    this.element.hidden = false;
    if (hadFocus) line.focus();
  }

  private build(): void {
    const t = this.t;
    const id = `${this.idBase}-csat`;
    const form = el("form", "csat-form");
    form.noValidate = true;

    const group = el("fieldset", "stars");
    const legend = el("legend", undefined, t.csatTitle);
    legend.id = `${id}-title`;
    group.appendChild(legend);
    const radios: HTMLInputElement[] = [];
    const stars: HTMLElement[] = [];
    t.stars.forEach((name, i) => {
      const radio = el("input", "sr-only");
      radio.type = "radio";
      radio.name = `${id}-rating`;
      radio.id = `${id}-${i + 1}`;
      radio.value = String(i + 1);
      const label = el("label", "star");
      label.htmlFor = radio.id;
      const glyph = el("span", undefined, STAR_OFF);
      glyph.setAttribute("aria-hidden", "true");
      label.append(glyph, el("span", "sr-only", name));
      radio.addEventListener("change", () => this.showRating(i + 1));
      radios.push(radio);
      stars.push(glyph);
      group.append(radio, label);
    });

    const comment = el("textarea");
    comment.id = `${id}-comment`;
    comment.name = "comment";
    comment.rows = 2;
    comment.maxLength = CSAT_COMMENT_MAX_CHARS;
    comment.dir = "auto";
    const commentLabel = el("label", undefined, t.comment);
    commentLabel.htmlFor = comment.id;
    const error = el("p", "error");
    error.id = `${id}-error`;
    error.setAttribute("role", "alert");
    error.hidden = true;
    const send = el("button", "send", t.sendRating);
    send.type = "submit";

    form.append(group, commentLabel, comment, error, send);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (this.busy) return;
      const chosen = radios.find((r) => r.checked);
      error.hidden = true;
      this.submit(chosen ? Number(chosen.value) : null, comment.value);
    });

    this.fields = { radios, stars, comment, error };
    this.element.setAttribute("aria-labelledby", legend.id);
    this.element.replaceChildren(form);
    this.element.hidden = false;
  }

  /** Stars up to the chosen one filled. */
  private showRating(rating: number): void {
    this.fields?.stars.forEach((glyph, i) => {
      glyph.textContent = i < rating ? STAR_ON : STAR_OFF;
      glyph.parentElement?.classList.toggle("on", i < rating);
    });
  }
}
