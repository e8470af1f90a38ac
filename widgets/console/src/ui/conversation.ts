/** The middle column: the open conversation's header, actions, message log, typing line and composer. */
import { humanize } from "../format";
import { canReply } from "../permissions";
import type { Agent, Canned, Summary } from "../protocol";
import { ActionBar, type ActionHandlers } from "./actions";
import { Composer, type ComposerHandlers } from "./composer";
import { alertRegion, el } from "./dom";
import { visitorLabel } from "./lists";
import { MessageLog } from "./messages";

const STATE_TEXT: Record<Summary["state"], string> = { bot: "With the bot", queued: "Waiting", assigned: "Assigned", closed: "Closed" };

export class ConversationPane {
  readonly element: HTMLElement;
  readonly log = new MessageLog();
  readonly composer: Composer;
  readonly actions: ActionBar;
  readonly alert = alertRegion();
  private readonly title: HTMLElement;
  private readonly meta: HTMLElement;
  private readonly typingLine: HTMLElement;
  private readonly body: HTMLElement;
  private readonly empty: HTMLElement;

  constructor(actionHandlers: Omit<ActionHandlers, "report">, composerHandlers: ComposerHandlers, canned: () => readonly Canned[]) {
    this.actions = new ActionBar({ ...actionHandlers, report: (e) => this.alert.show(e) });
    this.composer = new Composer(composerHandlers, canned);
    this.title = el("h2", { className: "pane-title", id: "conversation-title" });
    this.meta = el("div", { className: "conv-info" });
    this.typingLine = el("div", { className: "typing", attrs: { "aria-live": "polite" } });
    const header = el("div", { className: "conv-header" }, el("div", { className: "conv-heading" }, this.title, this.meta), this.actions.element);
    this.body = el("div", { className: "conv-body" }, header, this.alert, this.log.element, this.typingLine, this.composer.element);
    this.body.hidden = true;
    this.empty = el("div", { className: "conv-empty" }, el("p", { text: "Select a conversation from the lists." }));
    this.element = el("section", { className: "conversation", attrs: { "aria-labelledby": "conversation-title" } }, this.empty, this.body);
  }

  showEmpty(): void {
    this.body.hidden = true;
    this.empty.hidden = false;
    this.title.textContent = "";
    this.alert.show(null);
    this.actions.hideForm();
    this.setTyping(false);
  }

  /** A different conversation was opened: start from a clean slate. */
  open(summary: Summary, me: Agent): void {
    this.empty.hidden = true;
    this.body.hidden = false;
    this.alert.show(null);
    this.actions.hideForm();
    this.composer.clearText();
    this.setTyping(false);
    this.log.reset([]);
    this.update(summary, me);
  }

  update(summary: Summary, me: Agent): void {
    this.body.dataset.conversationId = summary.id;
    this.body.dataset.state = summary.state;
    this.title.textContent = visitorLabel(summary);
    this.meta.textContent = "";
    const parts = [
      el("span", { className: `state-badge ${summary.state}`, text: STATE_TEXT[summary.state] ?? summary.state, data: { testid: "conversation-state" } }),
      summary.language ? el("span", { className: "lang", text: summary.language.toUpperCase() }) : null,
      summary.handoff_reason ? el("span", { className: "reason", text: humanize(summary.handoff_reason) }) : null,
      summary.assignee && summary.state === "assigned" ? el("span", { className: "assignee", text: `with ${summary.assignee.name}` }) : null,
      summary.team ? el("span", { className: "team", text: summary.team }) : null,
      summary.resolution ? el("span", { className: "chip small", text: humanize(summary.resolution) }) : null,
    ];
    for (const p of parts) if (p) this.meta.appendChild(p);
    this.actions.update(summary, me);
    const replying = canReply(summary, me);
    this.composer.setEnabled(replying, replying ? "Enter to send, Shift+Enter for a new line, / for canned responses." : composerHint(summary));
  }

  setTyping(typing: boolean): void {
    this.typingLine.textContent = typing ? "Visitor is typing…" : "";
    this.typingLine.classList.toggle("on", typing);
  }
}

function composerHint(s: Summary): string {
  if (s.state === "closed") return "This conversation is closed.";
  if (s.state === "assigned") return `Assigned to ${s.assignee?.name ?? "another agent"}.`;
  return "Claim the conversation to reply.";
}
