/**
 * The messages of the open conversation: each seq once, in seq order, whichever of
 * the REST history, the `watch` ack, live events or send acks brings it first.
 */
import type { Message } from "./protocol";

/** Merge two message lists by seq (the first copy of a seq wins) and sort them. */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  const bySeq = new Map<number, Message>();
  for (const m of existing) if (!bySeq.has(m.seq)) bySeq.set(m.seq, m);
  for (const m of incoming) if (Number.isInteger(m.seq) && !bySeq.has(m.seq)) bySeq.set(m.seq, m);
  return Array.from(bySeq.values()).sort((a, b) => a.seq - b.seq);
}

export class Thread {
  private messages: Message[] = [];

  constructor(readonly conversationId: string) {}

  get all(): readonly Message[] {
    return this.messages;
  }

  get lastSeq(): number {
    return this.messages.length ? this.messages[this.messages.length - 1].seq : 0;
  }

  has(seq: number): boolean {
    return this.messages.some((m) => m.seq === seq);
  }

  /** Add messages of this conversation; returns the ones not held before, in seq order. */
  add(incoming: readonly Message[]): Message[] {
    const fresh = incoming.filter((m) => m.conversation_id === this.conversationId && !this.has(m.seq));
    if (fresh.length === 0) return [];
    this.messages = mergeMessages(this.messages, fresh);
    return mergeMessages([], fresh);
  }
}
