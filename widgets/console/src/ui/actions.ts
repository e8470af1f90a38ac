/**
 * The conversation's actions: Claim, Transfer, Hand back to bot, Close. The last three open a
 * small form in place of the buttons (so only one "Resolution" field exists at a time).
 */
import { humanize } from "../format";
import { availableActions } from "../permissions";
import { RESOLUTIONS, type Agent, type Summary } from "../protocol";
import { button, clear, el, field, select } from "./dom";

export type TransferPayload = { agent_id: string } | { team: string };

export interface TransferTarget {
  label: string;
  payload: TransferPayload;
}

/** Each resolves to an error text to show, or null when done. */
export interface ActionHandlers {
  claim(): Promise<string | null>;
  close(resolution: string): Promise<string | null>;
  handback(resolution: string | null, note: string | null): Promise<string | null>;
  transfer(target: TransferPayload): Promise<string | null>;
  transferTargets(): Promise<TransferTarget[]>;
  report(error: string | null): void;
}

type FormKind = "close" | "handback" | "transfer";

const resolutionOptions = RESOLUTIONS.map((r) => ({ value: r, label: humanize(r) }));

export class ActionBar {
  readonly element: HTMLElement;
  private readonly buttons: HTMLElement;
  private readonly formSlot: HTMLElement;
  private readonly claimButton: HTMLButtonElement;
  private readonly transferButton: HTMLButtonElement;
  private readonly handbackButton: HTMLButtonElement;
  private readonly closeButton: HTMLButtonElement;
  private openForm: FormKind | null = null;

  constructor(private readonly handlers: ActionHandlers) {
    this.claimButton = button("Claim", () => void this.run(() => handlers.claim(), this.claimButton), "btn primary");
    this.transferButton = button("Transfer", () => void this.showForm("transfer"));
    this.handbackButton = button("Hand back to bot", () => void this.showForm("handback"));
    this.closeButton = button("Close", () => void this.showForm("close"), "btn danger");
    this.buttons = el("div", { className: "action-buttons" }, this.claimButton, this.transferButton, this.handbackButton, this.closeButton);
    this.formSlot = el("div", { className: "action-form-slot" });
    this.element = el("div", { className: "actions", attrs: { role: "group", "aria-label": "Conversation actions" } }, this.buttons, this.formSlot);
  }

  update(summary: Summary, me: Agent): void {
    const can = availableActions(summary, me);
    this.claimButton.hidden = !can.claim;
    this.transferButton.hidden = !can.transfer;
    this.handbackButton.hidden = !can.handback;
    this.closeButton.hidden = !can.close;
    if (this.openForm && !can[this.openForm]) this.hideForm();
  }

  hideForm(): void {
    this.openForm = null;
    clear(this.formSlot);
    this.buttons.hidden = false;
  }

  private async run(action: () => Promise<string | null>, control: HTMLButtonElement): Promise<boolean> {
    control.disabled = true;
    this.handlers.report(null);
    try {
      const error = await action();
      this.handlers.report(error);
      return error === null;
    } finally {
      control.disabled = false;
    }
  }

  private async showForm(kind: FormKind): Promise<void> {
    this.handlers.report(null);
    const form = el("form", { className: "action-form", data: { form: kind } });
    const submit = el("button", { className: "btn primary" });
    submit.type = "submit";
    const cancel = button("Cancel", () => {
      this.hideForm();
      this.focusButton(kind);
    });
    let collect: () => Promise<string | null>;

    if (kind === "close") {
      const resolution = select(resolutionOptions, "resolved");
      submit.textContent = "Close conversation";
      form.append(el("h3", { text: "Close the conversation" }), field("Resolution", resolution));
      collect = () => this.handlers.close(resolution.value);
    } else if (kind === "handback") {
      const resolution = select([{ value: "", label: "No resolution" }, ...resolutionOptions], "");
      const note = el("textarea", { attrs: { rows: "2", maxlength: "500" } });
      note.placeholder = "For the bot's context, e.g. the order number";
      submit.textContent = "Hand back";
      form.append(el("h3", { text: "Hand the visitor back to the bot" }), field("Resolution", resolution), field("Note", note));
      collect = () => this.handlers.handback(resolution.value || null, note.value.trim() || null);
    } else {
      const target = select([]);
      target.disabled = true;
      submit.textContent = "Transfer conversation";
      submit.disabled = true;
      form.append(el("h3", { text: "Transfer the conversation" }), field("Transfer to", target));
      let targets: TransferTarget[] = [];
      collect = () => {
        const chosen = targets[Number(target.value)];
        return chosen ? this.handlers.transfer(chosen.payload) : Promise.resolve("Choose where to transfer to");
      };
      void this.handlers.transferTargets().then(
        (list) => {
          targets = list;
          clear(target);
          list.forEach((t, i) => {
            const o = el("option", { text: t.label });
            o.value = String(i);
            target.appendChild(o);
          });
          target.disabled = submit.disabled = list.length === 0;
          if (list.length === 0) this.handlers.report("Nobody to transfer to");
        },
        (err: Error) => this.handlers.report(`Cannot load agents: ${err.message}`),
      );
    }
    form.append(el("div", { className: "form-buttons" }, submit, cancel));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.run(collect, submit).then((done) => {
        if (!done) return;
        this.hideForm();
        // The form (and maybe the button that opened it) is gone: keep focus among the actions.
        [this.claimButton, this.transferButton, this.handbackButton, this.closeButton].find((b) => !b.hidden)?.focus();
      });
    });
    form.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        this.hideForm();
        this.focusButton(kind);
      }
    });

    clear(this.formSlot);
    this.formSlot.appendChild(form);
    this.buttons.hidden = true;
    this.openForm = kind;
    form.querySelector<HTMLElement>("select, textarea")?.focus();
  }

  private focusButton(kind: FormKind): void {
    ({ close: this.closeButton, handback: this.handbackButton, transfer: this.transferButton })[kind].focus();
  }
}
