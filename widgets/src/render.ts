/**
 * The message log: builds one element per message, always from text nodes, and keeps
 * them in seq order with the visitor's unacknowledged messages at the end.
 */
import { buildOfferCard, buildProductCard, offerView, productView, type OfferActions } from "./cards";
import { httpUrl } from "./config";
import { el } from "./dom";
import type { Strings } from "./i18n";
import type { OutboxItem } from "./outbox";
import type { Message, Payload, QuickReplyButton, Sender } from "./protocol";

export interface ListActions {
  quickReply(button: QuickReplyButton): void;
  /** What an offer card of this message may do (report use, copy its code). */
  offer(message: Message): OfferActions;
}

/** Follow new messages only if the visitor has not scrolled up to read older ones. */
const STICK_TO_BOTTOM_PX = 80;


function senderLabel(sender: Sender, t: Strings): string {
  return { visitor: t.you, bot: t.bot, agent: t.agent, system: t.system }[sender] ?? t.system;
}

export class MessageList {
  /** Pending messages by client_id. */
  private readonly pending = new Map<string, HTMLElement>();
  /** The "Sent" note is shown under the newest acknowledged visitor message only. */
  private lastSentMeta: HTMLElement | null = null;
  /** seq restarts with each conversation, so messages sort by (conversation first seen, seq). */
  private readonly conversationRank = new Map<string, number>();
  /** How far an agent read, per the newest `read` event; the "Seen" note follows it. */
  private seenUpTo: { conversationId: string; seq: number } | null = null;
  private seenNote: HTMLElement | null = null;

  constructor(
    readonly element: HTMLElement,
    private readonly t: Strings,
    private readonly language: string,
    private readonly actions: ListActions,
  ) {}

  /** Add a server message at its place by seq. Returns false if there is nothing to show. */
  addMessage(message: Message): boolean {
    const node = this.build(message.sender, message.text, message.payload, message);
    if (!node) return false;
    const order = this.orderOf(message);
    node.dataset.seq = String(message.seq);
    this.place(node, order);
    if (message.sender === "visitor") {
      this.retireQuickReplies(order);
      this.placeSeen();
    }
    return true;
  }

  addPending(item: OutboxItem): void {
    const node = this.build("visitor", item.text, null);
    if (!node) return;
    node.classList.add("pending");
    node.appendChild(el("span", "meta", this.t.sending));
    this.pending.set(item.client_id, node);
    this.element.appendChild(node);
    this.retireQuickReplies(Infinity);
  }

  markSent(clientId: string, message: Message): void {
    const node = this.pending.get(clientId);
    if (!node) {
      this.addMessage(message);
      return;
    }
    this.pending.delete(clientId);
    node.classList.remove("pending");
    node.remove();
    node.dataset.seq = String(message.seq);
    this.place(node, this.orderOf(message));
    const meta = node.querySelector<HTMLElement>(".meta:not(.seen)");
    if (meta) {
      meta.textContent = this.t.sent;
      if (this.lastSentMeta && this.lastSentMeta !== meta) this.lastSentMeta.hidden = true;
      this.lastSentMeta = meta;
    }
    this.placeSeen();
  }

  /** An agent read up to `seq`: "Seen" goes under the newest visitor message at or before it. */
  markSeen(conversationId: string, seq: number): void {
    this.seenUpTo = { conversationId, seq };
    this.placeSeen();
  }

  markFailed(clientId: string, reason: string): void {
    const node = this.pending.get(clientId);
    if (!node) return;
    this.pending.delete(clientId);
    node.classList.replace("pending", "failed");
    const meta = node.querySelector<HTMLElement>(".meta");
    if (meta) {
      meta.textContent = this.t.notSent;
      meta.title = reason;
    }
  }

  clear(): void {
    for (const node of Array.from(this.element.querySelectorAll(".msg"))) node.remove();
    this.pending.clear();
    this.lastSentMeta = null;
    this.conversationRank.clear();
    this.seenUpTo = null;
  }

  scrollToEnd(): void {
    this.element.scrollTop = this.element.scrollHeight;
  }

  /** Run a change that adds content; keep the log scrolled to the end if it was there. */
  follow<T>(change: () => T, force = false): T {
    const atEnd = this.distanceFromEnd() < STICK_TO_BOTTOM_PX;
    const result = change();
    if (force || atEnd) this.scrollToEnd();
    return result;
  }

  private distanceFromEnd(): number {
    const log = this.element;
    return log.scrollHeight - log.scrollTop - log.clientHeight;
  }

  private placeSeen(): void {
    const upTo = this.seenUpTo;
    const rank = upTo ? this.conversationRank.get(upTo.conversationId) : undefined;
    if (!upTo || rank === undefined) return;
    const first = rank * 1e9;
    let target: HTMLElement | null = null;
    // Pending and failed messages have no order yet: only committed ones can have been read.
    for (const node of Array.from(this.element.querySelectorAll<HTMLElement>(".msg.visitor[data-order]"))) {
      const order = Number(node.dataset.order);
      if (order > first && order <= first + upTo.seq) target = node;
    }
    if (!target) return;
    const note = (this.seenNote ??= el("span", "meta seen", this.t.seen));
    // Before the "Sent" note, which the stylesheet hides behind it.
    if (note.parentElement !== target) target.insertBefore(note, target.querySelector(".meta"));
  }

  private orderOf(message: Message): number {
    let rank = this.conversationRank.get(message.conversation_id);
    if (rank === undefined) {
      rank = this.conversationRank.size;
      this.conversationRank.set(message.conversation_id, rank);
    }
    return rank * 1e9 + message.seq;
  }

  private build(sender: Sender, text: string, payload: Payload | null, message?: Message): HTMLElement | null {
    const hasText = typeof text === "string" && text.trim() !== "";
    const card = message ? this.buildCard(message) : null;
    const image = payload?.type === "image" ? httpUrl(payload.url, location.href) : null;
    const buttons =
      payload?.type === "buttons" && Array.isArray(payload.buttons)
        ? payload.buttons.filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
        : [];
    // `custom` payloads carry data for other clients; they are shown as their text only.
    if (!hasText && !image && !card && buttons.length === 0) return null;

    const node = el("div", `msg ${sender}`);
    // System messages say what happened (agent_joined, no_agents…): a hook for styles and tests.
    const type: unknown = payload?.type;
    if (typeof type === "string") node.dataset.type = type;
    const label = senderLabel(sender, this.t);
    // Visible for agents, so the visitor notices a person joined; read out for everyone.
    node.appendChild(el("span", sender === "agent" ? "sender" : "sr-only", label));
    if (hasText) {
      const bubble = el("div", "bubble", text);
      // Each message keeps its own direction: an English answer inside an Arabic panel, say.
      bubble.dir = "auto";
      node.appendChild(bubble);
    }
    if (image) {
      const img = el("img");
      img.src = image;
      img.alt = hasText ? `${this.t.image}: ${text}` : this.t.image;
      img.loading = "lazy";
      img.referrerPolicy = "no-referrer";
      // The image gets its height only now: follow it if the log was at its end before.
      img.addEventListener("load", () => {
        if (this.distanceFromEnd() - img.offsetHeight < STICK_TO_BOTTOM_PX) this.scrollToEnd();
      }, { once: true });
      node.appendChild(img);
    }
    if (card) node.appendChild(card);
    if (buttons.length > 0) node.appendChild(this.buildReplies(buttons));
    return node;
  }

  /** A product or offer card; null for other payloads and for cards without what they need to show. */
  private buildCard(message: Message): HTMLElement | null {
    const payload = message.payload as Record<string, unknown> | null;
    if (payload?.type === "product") {
      const view = productView(payload, this.language);
      return view && buildProductCard(view, this.t);
    }
    if (payload?.type === "offer") {
      const view = offerView(payload, this.t, this.language);
      return view && buildOfferCard(view, this.t, this.actions.offer(message));
    }
    return null;
  }

  private buildReplies(buttons: QuickReplyButton[]): HTMLElement {
    const group = el("div", "replies");
    group.setAttribute("role", "group");
    for (const b of buttons) {
      const button = el("button", undefined, b.title);
      button.type = "button";
      button.addEventListener("click", () => {
        if (button.disabled) return;
        button.classList.add("chosen");
        this.disableGroup(group);
        this.actions.quickReply(b);
      });
      group.appendChild(button);
    }
    return group;
  }

  private disableGroup(group: Element): void {
    for (const b of Array.from(group.querySelectorAll("button"))) b.disabled = true;
  }

  /** Quick replies offered before something the visitor said are answered already. */
  private retireQuickReplies(beforeOrder: number): void {
    for (const group of Array.from(this.element.querySelectorAll(".replies"))) {
      const order = Number((group.parentElement as HTMLElement | null)?.dataset.order);
      if (!Number.isFinite(order) || order < beforeOrder) this.disableGroup(group);
    }
  }

  /** Insert before the first message that sorts after it, or before the first pending one. */
  private place(node: HTMLElement, order: number): void {
    node.dataset.order = String(order);
    for (const child of Array.from(this.element.children) as HTMLElement[]) {
      if (!child.classList.contains("msg")) continue;
      const childOrder = child.dataset.order;
      if (childOrder === undefined || Number(childOrder) > order) {
        this.element.insertBefore(node, child);
        return;
      }
    }
    this.element.appendChild(node);
  }
}
