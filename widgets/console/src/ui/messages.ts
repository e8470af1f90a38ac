/**
 * The message log of the open conversation: one element per message, built from text nodes,
 * kept in seq order, with the agent's unacknowledged messages at the end.
 */
import { formatTime, humanize } from "../format";
import type { Message, Payload } from "../protocol";
import { clear, el } from "./dom";

const SENDER_LABEL: Record<Message["sender"], string> = { visitor: "Visitor", bot: "Bot", agent: "Agent", system: "System" };
const STICK_TO_BOTTOM_PX = 80;

export function isSafeImageUrl(url: unknown): url is string {
  if (typeof url !== "string") return false;
  try {
    const { protocol } = new URL(url, location.href);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
}

/** Words for system messages that carry only a payload. */
export function systemText(payload: Payload | null): string {
  switch (payload?.type) {
    case "agent_joined":
      return `${payload.agent_name || "An agent"} joined the conversation`;
    case "agent_left":
      return "The agent left the conversation";
    case "queued":
      return "Waiting for an agent";
    case "no_agents":
      return "No agents online: the visitor was offered to leave a message";
    case "bot_back":
      return "Handed back to the bot";
    case "closed":
      return payload.resolution ? `Closed: ${humanize(payload.resolution)}` : "Closed";
    default:
      return "";
  }
}

function payloadExtras(payload: Payload | null): HTMLElement[] {
  if (!payload) return [];
  if (payload.type === "buttons" && Array.isArray(payload.buttons)) {
    const chips = el("ul", { className: "chips", attrs: { "aria-label": "Buttons offered" } });
    for (const b of payload.buttons) if (b && typeof b.title === "string") chips.appendChild(el("li", { className: "chip", text: b.title }));
    return [chips];
  }
  if (payload.type === "image" && isSafeImageUrl(payload.url)) {
    const img = el("img", { className: "msg-image" });
    img.src = payload.url;
    img.alt = "Image sent in the conversation";
    img.loading = "lazy";
    img.referrerPolicy = "no-referrer";
    const link = el("a", { className: "image-link", text: "Open image" });
    link.href = payload.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return [img, link];
  }
  if (payload.type === "custom") {
    const handoff = (payload.data as { handoff?: { reason?: unknown } } | null)?.handoff;
    if (handoff && typeof handoff.reason === "string") return [el("span", { className: "chip note", text: `Handoff: ${humanize(handoff.reason)}` })];
  }
  return [];
}

export function renderMessage(m: Message): HTMLElement {
  const node = el("div", { className: `msg ${m.sender}`, data: { sender: m.sender, seq: String(m.seq) } });
  const text = m.text || (m.sender === "system" ? systemText(m.payload) : "");
  const head = el("div", { className: "msg-head" }, el("span", { className: "msg-sender", text: SENDER_LABEL[m.sender] ?? m.sender }), el("time", { className: "msg-time", text: formatTime(m.created_at), attrs: { datetime: m.created_at ?? "" } }));
  node.appendChild(head);
  if (text) {
    const bubble = el("div", { className: "bubble", text });
    bubble.dir = "auto";
    node.appendChild(bubble);
  }
  for (const extra of payloadExtras(m.payload)) node.appendChild(extra);
  return node;
}

export class MessageLog {
  readonly element: HTMLElement;
  private readonly pending = new Map<string, HTMLElement>();
  private seenNote: HTMLElement | null = null;

  constructor() {
    this.element = el("div", { className: "log", attrs: { role: "log", "aria-label": "Conversation", tabindex: "0" } });
  }

  reset(messages: readonly Message[]): void {
    clear(this.element);
    this.pending.clear();
    this.seenNote = null;
    for (const m of messages) this.element.appendChild(renderMessage(m));
    this.scrollToEnd();
  }

  /** Add messages at their place by seq; a pending one with the same client_id is replaced. */
  add(messages: readonly Message[]): void {
    this.follow(() => {
      for (const m of messages) {
        if (this.element.querySelector(`.msg[data-seq="${m.seq}"]`)) continue;
        if (m.client_id) this.dropPending(m.client_id);
        this.place(renderMessage(m), m.seq);
      }
    });
  }

  addPending(clientId: string, text: string): void {
    const node = el("div", { className: "msg agent pending", data: { sender: "agent", clientId } });
    const bubble = el("div", { className: "bubble", text });
    // Like a stored message's: an Arabic reply reads right to left while it is still being sent.
    bubble.dir = "auto";
    node.append(el("div", { className: "msg-head" }, el("span", { className: "msg-sender", text: "Agent" })), bubble, el("div", { className: "msg-status", text: "Sending…" }));
    this.pending.set(clientId, node);
    this.follow(() => this.element.appendChild(node), true);
  }

  failPending(clientId: string, reason: string): void {
    const node = this.pending.get(clientId);
    if (!node) return;
    this.pending.delete(clientId);
    node.classList.replace("pending", "failed");
    const status = node.querySelector(".msg-status");
    if (status) status.textContent = `Not sent: ${reason}`;
  }

  /** Show "Seen" under the message with this seq (the agent's last one), or nowhere. */
  setSeen(seq: number | null): void {
    const target = seq === null ? null : this.element.querySelector<HTMLElement>(`.msg[data-seq="${seq}"]`);
    if (this.seenNote && this.seenNote.parentElement === target) return;
    this.seenNote?.remove();
    this.seenNote = null;
    if (target) {
      this.seenNote = el("div", { className: "seen", text: "Seen", data: { seen: "true" } });
      target.appendChild(this.seenNote);
    }
  }

  private dropPending(clientId: string): void {
    this.pending.get(clientId)?.remove();
    this.pending.delete(clientId);
  }

  private place(node: HTMLElement, seq: number): void {
    for (const child of Array.from(this.element.children) as HTMLElement[]) {
      const childSeq = child.dataset.seq;
      if (childSeq === undefined || Number(childSeq) > seq) {
        this.element.insertBefore(node, child);
        return;
      }
    }
    this.element.appendChild(node);
  }

  private follow(change: () => void, force = false): void {
    const log = this.element;
    const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < STICK_TO_BOTTOM_PX;
    change();
    if (force || atEnd) this.scrollToEnd();
  }

  private scrollToEnd(): void {
    this.element.scrollTop = this.element.scrollHeight;
  }
}
