/**
 * Leaving a message for later when nobody is online: when to offer the form, checking
 * it, sending it (`leave_message`) and telling the view how it went. No DOM.
 */
import type { ChatView, Link } from "./client";
import type { Strings } from "./i18n";
import { newClientId } from "./ids";
import type { Conversation, ErrorBody, LeaveMessageAck, Message } from "./protocol";

/** The form takes as much as the chat input. */
export const LEAVE_MESSAGE_MAX_CHARS = 2000;
const ACK_TIMEOUT_MS = 10_000;

/** The server's own rule, checked here so the visitor hears about a typo at once. */
const EMAIL_PATTERN = /^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/;

/** System message types after which the visitor is no longer waiting for a person. */
const WAIT_ENDED: ReadonlySet<unknown> = new Set(["agent_joined", "bot_back", "closed"]);

/** Our own failure (offline, no ack in time): the visitor may simply try again. */
const UNAVAILABLE: ErrorBody = { code: "unavailable", message: "" };

export type LeaveView = Pick<ChatView, "offerLeaveMessage" | "leftMessage" | "leaveMessageRefused">;

/** The form's check, in the shape of the server's `invalid_payload`; null if it may be sent. */
export function checkLeaveMessage(email: string, text: string): ErrorBody | null {
  const fields: string[] = [];
  if (!EMAIL_PATTERN.test(email.trim())) fields.push("email");
  const trimmed = text.trim();
  if (trimmed === "" || trimmed.length > LEAVE_MESSAGE_MAX_CHARS) fields.push("text");
  return fields.length > 0 ? { code: "invalid_payload", message: "", fields } : null;
}

/** What to tell the visitor about a refused message, and which field to send them back to. */
export function describeLeaveError(error: ErrorBody, t: Strings): { text: string; field: "email" | "text" | null } {
  const fields = Array.isArray(error.fields) ? error.fields : [];
  if (fields.includes("email")) return { text: t.invalidEmail, field: "email" };
  if (fields.includes("text") || error.code === "empty_text") return { text: t.emptyMessage, field: "text" };
  // Otherwise the server's own words, which may say what our strings cannot (a limit, a wait).
  return { text: error.message || t.leaveFailed, field: error.code === "text_too_long" ? "text" : null };
}

/**
 * Offers the form while the server's last word is `no_agents` (a system message), the
 * conversation is still queued and the visitor has not left a message yet. Compares seqs,
 * not arrival order, so a history replayed by `sync` gives the same answer as live events.
 */
export class LeaveMessage {
  private conversationId: string | null = null;
  private queued = false;
  private noAgentsSeq = 0;
  private waitEndedSeq = 0;
  private left = false;
  private offered = false;
  /** While the form is on its way, the view keeps it: the ack says what replaces it. */
  private sending = false;
  private clientId: string | null = null;

  constructor(private readonly view: LeaveView) {}

  get open(): boolean {
    return this.queued && !this.left && this.noAgentsSeq > this.waitEndedSeq;
  }

  conversation(conversation: Conversation): void {
    this.switchTo(conversation.id);
    this.queued = conversation.state === "queued";
    // Put back in the queue later, the conversation is no longer offline and may be offered the form again.
    if (typeof conversation.offline === "boolean") this.left = conversation.offline;
    this.update();
  }

  message(message: Message): void {
    const type: unknown = message.payload?.type;
    if (message.sender !== "system" || (type !== "no_agents" && !WAIT_ENDED.has(type))) return;
    this.switchTo(message.conversation_id);
    if (type === "no_agents") this.noAgentsSeq = Math.max(this.noAgentsSeq, message.seq);
    else this.waitEndedSeq = Math.max(this.waitEndedSeq, message.seq);
    this.update();
  }

  /** Check and send the form; resolves with the visitor's message as the server stored it, or null. */
  async send(link: Link | null, email: string, text: string): Promise<Message | null> {
    email = email.trim();
    text = text.trim();
    const problem = checkLeaveMessage(email, text);
    if (problem) {
      this.view.leaveMessageRefused(problem);
      return null;
    }
    // Kept until the server took the message, so a retry after a lost ack cannot leave it twice.
    this.clientId ??= newClientId();
    let ack: LeaveMessageAck = { ok: false, error: UNAVAILABLE };
    this.sending = true;
    try {
      if (link) ack = await link.request<LeaveMessageAck>("leave_message", { client_id: this.clientId, email, text }, ACK_TIMEOUT_MS);
    } catch {
      // Not connected or no ack in time: UNAVAILABLE.
    } finally {
      this.sending = false;
    }
    if (ack.ok) {
      this.clientId = null;
      this.left = true;
      this.view.leftMessage(email);
    } else {
      this.view.leaveMessageRefused(ack.error ?? UNAVAILABLE);
    }
    // After the outcome, so the thank-you line is in place before the offer is withdrawn
    // (the server may announce `offline: true` before its ack).
    this.update();
    return ack.ok ? ack.message ?? null : null;
  }

  private update(): void {
    if (this.sending) return;
    const open = this.open;
    if (open === this.offered) return;
    this.offered = open;
    this.view.offerLeaveMessage(open);
  }

  private switchTo(conversationId: string): void {
    if (conversationId === this.conversationId) return;
    this.conversationId = conversationId;
    this.queued = false;
    this.noAgentsSeq = 0;
    this.waitEndedSeq = 0;
    this.left = false;
  }
}
