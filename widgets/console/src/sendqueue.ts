/**
 * The agent's outgoing messages until the server acknowledged them.
 *
 * Sent in order, one at a time; after a timeout, a disconnection or a transient error the
 * same message is resent with the same client_id, which the server answers with the same
 * message, so nothing is lost or doubled. Kept in memory: an agent's reload starts clean.
 */
import { newClientId } from "./ids";
import type { Ack, ErrorBody, Message } from "./protocol";
import { backoffMs, type Scheduler } from "./scheduler";

export interface PendingSend {
  clientId: string;
  conversationId: string;
  text: string;
}

export type SendAck = Ack<{ message: Message }>;

/** Errors worth retrying; any other error is final for that message. */
export const RETRYABLE_SEND_ERRORS: ReadonlySet<string> = new Set(["rate_limited", "internal_error", "token_expired", "unauthorized", "unavailable"]);
const MAX_ERROR_ATTEMPTS = 5;

export interface SendDeps {
  /** Emit `message` and wait for the ack; rejects on timeout or disconnection. */
  request(payload: { conversation_id: string; client_id: string; text: string }): Promise<SendAck>;
  connected(): boolean;
  /** The token expired: get a new one before retrying. */
  renew(): Promise<unknown>;
  sent(item: PendingSend, message: Message): void;
  failed(item: PendingSend, error: ErrorBody): void;
  scheduler: Scheduler;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export class SendQueue {
  private readonly queue: PendingSend[] = [];
  private flushing = false;

  constructor(private readonly deps: SendDeps) {}

  get pending(): readonly PendingSend[] {
    return this.queue;
  }

  /** Queue a message with a fresh client_id and start sending. */
  enqueue(conversationId: string, text: string, clientId = newClientId()): PendingSend {
    const item = { clientId, conversationId, text };
    this.queue.push(item);
    void this.flush();
    return item;
  }

  /** Send everything queued, in order; call again after reconnecting. */
  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    const base = this.deps.retryBaseMs ?? 1_000;
    const max = this.deps.retryMaxMs ?? 15_000;
    let failures = 0;
    let errorAttempts = 0;
    try {
      while (this.queue.length > 0 && this.deps.connected()) {
        const item = this.queue[0];
        let ack: SendAck;
        try {
          ack = await this.deps.request({ conversation_id: item.conversationId, client_id: item.clientId, text: item.text });
        } catch {
          // No ack in time or disconnected: the same client_id goes again (now, or after reconnecting).
          await this.sleep(backoffMs(failures++, base, max));
          continue;
        }
        if (ack.ok) {
          this.queue.shift();
          failures = 0;
          errorAttempts = 0;
          this.deps.sent(item, ack.message);
          continue;
        }
        if (ack.error.code === "token_expired" || ack.error.code === "unauthorized") {
          await this.deps.renew();
        } else if (ack.error.code === "busy") {
          // The server is working through a backlog of messages to store: wait as asked, however long; never a failure.
          await this.sleep(Math.max((ack.error.retry_after_s ?? 0) * 1000, backoffMs(failures++, base, max)));
          continue;
        } else if (!RETRYABLE_SEND_ERRORS.has(ack.error.code) || ++errorAttempts >= MAX_ERROR_ATTEMPTS) {
          this.queue.shift();
          errorAttempts = 0;
          this.deps.failed(item, ack.error);
          continue;
        }
        await this.sleep(backoffMs(failures++, base, max));
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Drop everything (logout). */
  clear(): void {
    this.queue.length = 0;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.deps.scheduler.setTimeout(resolve, ms));
  }
}
