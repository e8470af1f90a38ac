/**
 * Telling the visitor about replies they have not seen: the launcher's unread count and the
 * optional sound. No DOM: the launcher renders the count, sound.ts plays the beep.
 */
import type { Conversation, Message } from "./protocol";

export interface AlertHooks {
  isOpen(): boolean;
  pageVisible(): boolean;
  /** Show the number of unread replies (0: none). */
  render(unread: number): void;
  beep(): void;
}

export class Alerts {
  private count = 0;
  /** How far the visitor had read, per the server, so replies from before a reload count too. */
  private readUpTo: { conversationId: string; seq: number } | null = null;

  constructor(private readonly hooks: AlertHooks) {}

  get unread(): number {
    return this.count;
  }

  conversation(conversation: Conversation): void {
    const seq = conversation.visitor_read_seq;
    if (typeof seq === "number") this.readUpTo = { conversationId: conversation.id, seq };
  }

  /** A message the view got; `live` is false for the history loaded at start. */
  message(message: Message, live: boolean): void {
    if (message.sender !== "bot" && message.sender !== "agent") return;
    const open = this.hooks.isOpen();
    if (live) {
      if (!open || !this.hooks.pageVisible()) this.hooks.beep();
      if (!open) this.add();
      return;
    }
    const read = this.readUpTo;
    if (!open && read && read.conversationId === message.conversation_id && message.seq > read.seq) this.add();
  }

  /** The visitor opened the panel and sees everything. */
  seen(): void {
    if (this.count === 0) return;
    this.count = 0;
    this.hooks.render(0);
  }

  private add(): void {
    this.count += 1;
    this.hooks.render(this.count);
  }
}
