/**
 * Tracking events and identification requests on their way to the server: held in memory
 * until the socket is connected, then sent in order, one at a time, each after the previous
 * one's ack, and only after the server has every consent decision (which may allow them).
 */
import type { Channel, Consent } from "./consent";
import type { Ack } from "./protocol";
import { sleep } from "./timing";

export type Kind = "track" | "identify";

export interface Outgoing {
  kind: Kind;
  payload: object;
  /** The server's answer. */
  done(ack: Ack<object>): void;
  /** Never answered: dropped, timed out or withdrawn. */
  fail(reason: Error): void;
}

/** What the queue needs from the connection: the ChatClient in production. */
export interface SessionChannel extends Channel {
  /** Open the session and the socket (once); no-op when started. */
  start(): void;
}

/** Tracking events kept while offline; older ones give way (analytics may lose some, a page must not grow). */
export const MAX_QUEUED_EVENTS = 100;
const RATE_LIMIT_PAUSE_MS = 5_000;
/** Tries for an item the server keeps refusing as rate-limited, before it is given up. */
const MAX_RATE_LIMITED_TRIES = 3;

export class SendQueue {
  private items: Outgoing[] = [];
  private flushing = false;

  constructor(private readonly channel: SessionChannel, private readonly consent: Consent) {}

  get size(): number {
    return this.items.length;
  }

  /** Queue an item and send it as soon as the connection allows; opens the session if needed. */
  push(item: Outgoing): void {
    if (item.kind === "track") {
      const tracked = this.items.filter((i) => i.kind === "track");
      if (tracked.length >= MAX_QUEUED_EVENTS) this.remove(tracked[0], new Error("dropped: too many events queued"));
    }
    this.items.push(item);
    this.channel.start();
    void this.flush();
  }

  /** Take an item out unsent (its caller gave up waiting); true if it was still queued. */
  remove(item: Outgoing, reason: Error): boolean {
    const at = this.items.indexOf(item);
    if (at < 0) return false;
    this.items.splice(at, 1);
    item.fail(reason);
    return true;
  }

  /** Drop everything of a kind, e.g. when the visitor withdraws consent. */
  drop(kind: Kind, reason: Error): void {
    for (const item of this.items.filter((i) => i.kind === kind)) this.remove(item, reason);
  }

  /** Send consent decisions, then the queue. Call on connection; safe to call any time. */
  async flush(): Promise<void> {
    if (this.flushing || !this.channel.isConnected) return;
    this.flushing = true;
    try {
      // The server keeps tracking only with consent it knows of: decisions go first.
      if (!(await this.consent.sendUnsent(this.channel))) return;
      let limited = 0;
      while (this.channel.isConnected && this.items.length > 0) {
        const item = this.items[0];
        let ack: Ack<object>;
        try {
          ack = await this.channel.request<Ack<object>>(item.kind, item.payload);
        } catch {
          // Offline or no ack in time. A tracking event waits for the next connection;
          // whoever called identify hears at once and may try again.
          if (item.kind === "identify") this.remove(item, new Error("timeout"));
          return;
        }
        if (!ack.ok && ack.error?.code === "rate_limited" && ++limited < MAX_RATE_LIMITED_TRIES) {
          await sleep(RATE_LIMIT_PAUSE_MS * limited);
          continue;
        }
        limited = 0;
        if (this.items[0] === item) this.items.shift();
        item.done(ack);
      }
    } finally {
      this.flushing = false;
    }
  }
}
