/**
 * Which server messages the client has, so each is shown once and in seq order.
 *
 * seq is per conversation, starts at 1 and has no gaps, so the client keeps the
 * highest seq up to which it has everything: that is what it asks `sync` for,
 * and a message arriving past a hole tells it to sync again.
 */
import type { Message } from "./protocol";

export type AddResult = "added" | "duplicate";

export class History {
  private conversationId: string | null = null;
  private readonly seen = new Set<string>();
  /** Highest seq such that every seq from 1 to it is known, for the current conversation. */
  private contiguousSeq = 0;
  private readonly aheadSeqs = new Set<number>();

  get lastSeq(): number {
    return this.contiguousSeq;
  }

  get currentConversation(): string | null {
    return this.conversationId;
  }

  /** True when messages past lastSeq arrived, i.e. some in between are missing. */
  get hasGap(): boolean {
    return this.aheadSeqs.size > 0;
  }

  /**
   * Switch to another conversation (a new one after the last was closed, or another visitor).
   * Returns true if it changed, in which case lastSeq starts again from 0.
   */
  adoptConversation(id: string): boolean {
    if (id === this.conversationId) return false;
    this.conversationId = id;
    this.contiguousSeq = 0;
    this.aheadSeqs.clear();
    return true;
  }

  /** Forget everything, e.g. when the server handed us a new visitor identity. */
  reset(): void {
    this.conversationId = null;
    this.seen.clear();
    this.contiguousSeq = 0;
    this.aheadSeqs.clear();
  }

  add(message: Message): AddResult {
    const key = `${message.conversation_id}:${message.seq}`;
    if (this.seen.has(key)) return "duplicate";
    this.seen.add(key);
    // Live messages always belong to the visitor's current conversation, so one
    // from an unknown conversation means the server started a new one.
    this.adoptConversation(message.conversation_id);
    this.advance(message.seq);
    return "added";
  }

  private advance(seq: number): void {
    if (seq <= this.contiguousSeq) return;
    this.aheadSeqs.add(seq);
    while (this.aheadSeqs.has(this.contiguousSeq + 1)) {
      this.contiguousSeq += 1;
      this.aheadSeqs.delete(this.contiguousSeq);
    }
  }
}
