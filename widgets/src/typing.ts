/**
 * Typing indicators both ways: the visitor's keystrokes become throttled `typing`
 * notifications, and the agent's or bot's indicator switches itself off if the
 * server never says it stopped.
 */
import type { Link } from "./client";

/** A typing indicator the server forgot to switch off disappears after this. */
export const TYPING_TTL_MS = 8_000;
/** While the visitor types, "typing: true" goes out at most this often (it also keeps the agent's indicator alive). */
export const VISITOR_TYPING_REPEAT_MS = 2_000;
/** "typing: false" after this long without a keystroke. */
export const VISITOR_TYPING_IDLE_MS = 3_000;

export type ShowTyping = (typing: boolean, name?: string) => void;

export class Typing {
  private shownTimer: ReturnType<typeof setTimeout> | undefined;
  /** When "typing: true" last went out; 0 when the server thinks the visitor is not typing. */
  private sentAt = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly show: ShowTyping) {}

  /** The agent's or bot's indicator; `name` is the agent's. */
  other(typing: boolean, name?: string): void {
    clearTimeout(this.shownTimer);
    this.show(typing, name);
    if (typing) this.shownTimer = setTimeout(() => this.show(false), TYPING_TTL_MS);
  }

  /** A keystroke of the visitor's. */
  visitorTyped(link: Link): void {
    const now = Date.now();
    if (now - this.sentAt >= VISITOR_TYPING_REPEAT_MS) {
      this.sentAt = now;
      link.notify("typing", { typing: true });
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.visitorStopped(link), VISITOR_TYPING_IDLE_MS);
  }

  /** The visitor sent their message or went idle: "typing: false", if "true" went out. */
  visitorStopped(link: Link | null): void {
    clearTimeout(this.idleTimer);
    if (this.sentAt === 0) return;
    this.sentAt = 0;
    link?.notify("typing", { typing: false });
  }

  /** The connection dropped, and with it both indicators on the server. */
  disconnected(): void {
    this.sentAt = 0;
    this.other(false);
  }
}
