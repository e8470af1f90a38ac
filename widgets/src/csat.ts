/**
 * The satisfaction rating after a conversation closed: when to ask (state `closed`, `csat`
 * still null, not rated from this page), checking and sending it (`csat`). No DOM.
 */
import type { Conversation, CsatAck, ErrorBody, Message } from "./protocol";

export const CSAT_COMMENT_MAX_CHARS = 1000;

export type CsatState = "hidden" | "asking" | "sending" | "thanks";

/** What the form shows: the state, and why the last try failed ("choose": no rating picked). */
export type CsatRender = (state: CsatState, problem?: "choose" | ErrorBody) => void;

export type Request = <T>(event: string, payload: object) => Promise<T>;

export class CsatPrompt {
  private conversationId: string | null = null;
  private state: CsatState = "hidden";
  private readonly rated = new Set<string>();

  constructor(private readonly render: CsatRender, private readonly request: Request) {}

  get current(): CsatState {
    return this.state;
  }

  conversation(conversation: Conversation): void {
    if (conversation.id !== this.conversationId) {
      this.conversationId = conversation.id;
      this.set("hidden");
    }
    // Keep the thank-you line (and a rating on its way) for the conversation it belongs to.
    if (this.state === "thanks" || this.state === "sending") return;
    const ask = conversation.state === "closed" && conversation.csat === null && !this.rated.has(conversation.id);
    this.set(ask ? "asking" : "hidden");
  }

  /** A message of another conversation means the visitor started a new one: the old one is not asked about. */
  message(message: Message): void {
    if (this.conversationId !== null && message.conversation_id !== this.conversationId) {
      this.conversationId = message.conversation_id;
      this.set("hidden");
    }
  }

  async submit(rating: number | null, comment: string): Promise<void> {
    const conversationId = this.conversationId;
    if (this.state !== "asking" || conversationId === null) return;
    if (rating === null || !Number.isInteger(rating) || rating < 1 || rating > 5) {
      this.render("asking", "choose");
      return;
    }
    const payload: Record<string, unknown> = { conversation_id: conversationId, rating };
    const text = comment.trim().slice(0, CSAT_COMMENT_MAX_CHARS);
    if (text !== "") payload.comment = text;
    this.set("sending");
    let ack: CsatAck;
    try {
      ack = await this.request<CsatAck>("csat", payload);
    } catch {
      ack = { ok: false, error: { code: "unavailable", message: "" } };
    }
    if (this.conversationId !== conversationId) return;
    if (ack.ok) {
      this.rated.add(conversationId);
      this.set("thanks");
    } else {
      this.state = "asking";
      this.render("asking", ack.error ?? { code: "unavailable", message: "" });
    }
  }

  private set(state: CsatState): void {
    if (state === this.state) return;
    this.state = state;
    this.render(state);
  }
}
