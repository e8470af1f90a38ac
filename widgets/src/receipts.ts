/**
 * Read receipts both ways. The visitor's: the newest bot or agent message they could
 * see, reported once per increase, and again if the report was lost. The agent's:
 * how far they read, passed on only when it advances.
 */
import type { Message, ReadEvent } from "./protocol";

export interface ReadReport {
  conversationId: string;
  seq: number;
}

export class ReadTracker {
  private conversationId: string | null = null;
  /** Newest bot or agent message received in the current conversation. */
  private newestSeq = 0;
  /** Highest seq reported, acknowledged or still on its way. */
  private reportedSeq = 0;
  private agentRead: ReadReport = { conversationId: "", seq: 0 };

  /** Note a message the visitor can now read; only bot and agent messages count. */
  received(message: Message): void {
    if (message.sender !== "agent" && message.sender !== "bot") return;
    this.switchTo(message.conversation_id);
    this.newestSeq = Math.max(this.newestSeq, message.seq);
  }

  /** The server already has the visitor's reads up to `seq` (it says so in `conversation`). */
  reportedBefore(conversationId: string, seq: number): void {
    this.switchTo(conversationId);
    this.reportedSeq = Math.max(this.reportedSeq, seq);
  }

  /** The report to send now, counted as sent; null when the server has heard of everything already. */
  next(): ReadReport | null {
    if (this.conversationId === null || this.newestSeq <= this.reportedSeq) return null;
    this.reportedSeq = this.newestSeq;
    return { conversationId: this.conversationId, seq: this.newestSeq };
  }

  /**
   * The report may not have arrived: the next call to next() sends the newest seq again.
   * Ignored if a newer report went out since, which covers this one.
   */
  failed(report: ReadReport): void {
    if (report.conversationId === this.conversationId && report.seq === this.reportedSeq) this.reportedSeq = 0;
  }

  /** An agent's `read` event: true if it says they read further than we showed so far. */
  agentReadFurther(event: ReadEvent): boolean {
    if (event.reader !== "agent" || typeof event.seq !== "number") return false;
    const last = this.agentRead;
    if (event.conversation_id === last.conversationId && event.seq <= last.seq) return false;
    this.agentRead = { conversationId: event.conversation_id, seq: event.seq };
    return true;
  }

  private switchTo(conversationId: string): void {
    if (conversationId === this.conversationId) return;
    // seq restarts with each conversation.
    this.conversationId = conversationId;
    this.newestSeq = this.reportedSeq = 0;
  }
}
