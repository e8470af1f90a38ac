/** The leave-a-message form below the log when nobody is online, and the thank-you line that replaces it. */
import { fill } from "./handoff";
import type { Strings } from "./i18n";
import { describeLeaveError, LEAVE_MESSAGE_MAX_CHARS } from "./leave";
import type { ErrorBody } from "./protocol";
import { el, setFilled } from "./dom";

export type LeaveSubmit = (email: string, text: string) => void;

interface Fields {
  email: HTMLInputElement;
  text: HTMLTextAreaElement;
  error: HTMLElement;
}

export class LeaveForm {
  /** A region named by its heading; hidden while there is nothing to show. */
  readonly element: HTMLElement;
  private fields: Fields | null = null;
  private busy = false;

  constructor(private readonly t: Strings, private readonly idBase: string, private readonly submit: LeaveSubmit) {
    this.element = el("section", "leave");
    this.element.hidden = true;
  }

  get showsForm(): boolean {
    return this.fields !== null;
  }

  /** Show the form (once) or take it away; withdrawing leaves a thank-you line in place. */
  offer(open: boolean): void {
    if (open && !this.fields) this.build();
    else if (!open && this.fields) this.reset();
  }

  focus(): void {
    this.fields?.email.focus();
  }

  thank(email: string): void {
    const hadFocus = this.hasFocus();
    const line = el("p", "leave-thanks");
    setFilled(line, fill(this.t.leaveThanks, "{email}", email));
    // Focus moves here from the vanished form, so it is read out and keyboard users are not dropped to the page.
    line.tabIndex = -1;
    this.fields = null;
    this.busy = false;
    this.element.removeAttribute("aria-labelledby");
    this.element.replaceChildren(line);
    this.element.hidden = false;
    if (hadFocus) line.focus();
  }

  refuse(error: ErrorBody): void {
    this.busy = false;
    const f = this.fields;
    if (!f) return;
    const { text, field } = describeLeaveError(error, this.t);
    f.error.textContent = text;
    f.error.hidden = false;
    f.email.setAttribute("aria-invalid", String(field === "email"));
    f.text.setAttribute("aria-invalid", String(field === "text"));
    if (field) f[field].focus();
  }

  /** Forget the form and the thank-you line (another conversation, another visitor). */
  reset(): void {
    this.fields = null;
    this.busy = false;
    this.element.replaceChildren();
    this.element.hidden = true;
  }

  private hasFocus(): boolean {
    const root = this.element.getRootNode() as Document | ShadowRoot;
    return this.element.contains(root.activeElement);
  }

  private build(): void {
    const t = this.t;
    const id = `${this.idBase}-leave`;
    const title = el("h3", "leave-title", t.leaveTitle);
    title.id = `${id}-title`;

    const email = el("input");
    email.type = "email";
    email.autocomplete = "email";
    email.required = true;
    const text = el("textarea");
    text.rows = 3;
    text.required = true;
    text.maxLength = LEAVE_MESSAGE_MAX_CHARS;
    const error = el("p", "leave-error");
    error.id = `${id}-error`;
    error.setAttribute("role", "alert");
    error.hidden = true;

    const form = el("form", "leave-form");
    // Our own check speaks the widget's language and uses the alert below; the browser's would not.
    form.noValidate = true;
    for (const [input, name, label] of [[email, "email", t.email], [text, "text", t.message]] as const) {
      input.id = `${id}-${name}`;
      input.name = name;
      input.dir = "auto";
      input.setAttribute("aria-describedby", error.id);
      const labelNode = el("label", undefined, label);
      labelNode.htmlFor = input.id;
      form.append(labelNode, input);
    }
    const send = el("button", "send", t.sendMessage);
    send.type = "submit";
    form.append(error, send);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (this.busy) return;
      this.busy = true;
      this.submit(email.value, text.value);
    });

    this.fields = { email, text, error };
    this.element.setAttribute("aria-labelledby", title.id);
    this.element.replaceChildren(title, form);
    this.element.hidden = false;
  }
}
