/** Typing indicators both ways: what we tell the visitor, and the visitor's with a timeout. */
import type { Scheduler, TimerId } from "./scheduler";

/** Send `typing: true` at most this often while the agent keeps typing. */
export const TYPING_THROTTLE_MS = 2_000;
/** Send `typing: false` after this long without a keystroke. */
export const TYPING_IDLE_MS = 3_000;
/** Hide the visitor's indicator if no `typing: false` arrives within this time. */
export const TYPING_TTL_MS = 6_000;

export class TypingSender {
  private lastSentAt: number | null = null;
  private idleTimer: TimerId | undefined;

  constructor(
    private readonly send: (typing: boolean) => void,
    private readonly scheduler: Scheduler,
  ) {}

  /** A keystroke in the composer. */
  input(): void {
    const now = this.scheduler.now();
    if (this.lastSentAt === null || now - this.lastSentAt >= TYPING_THROTTLE_MS) {
      this.lastSentAt = now;
      this.send(true);
    }
    this.scheduler.clearTimeout(this.idleTimer);
    this.idleTimer = this.scheduler.setTimeout(() => this.stop(), TYPING_IDLE_MS);
  }

  /** Sent, idle, emptied or left: tell the visitor we stopped, once. */
  stop(): void {
    this.scheduler.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.lastSentAt === null) return;
    this.lastSentAt = null;
    this.send(false);
  }
}

export class TypingIndicator {
  private timer: TimerId | undefined;
  private shown = false;

  constructor(
    private readonly changed: (typing: boolean) => void,
    private readonly scheduler: Scheduler,
  ) {}

  get typing(): boolean {
    return this.shown;
  }

  set(typing: boolean): void {
    this.scheduler.clearTimeout(this.timer);
    this.timer = typing ? this.scheduler.setTimeout(() => this.set(false), TYPING_TTL_MS) : undefined;
    if (typing !== this.shown) {
      this.shown = typing;
      this.changed(typing);
    }
  }
}
