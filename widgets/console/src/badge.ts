/** The unseen-notification counter shown in the document title as "(N) Agent console". */

export const BASE_TITLE = "Agent console";

/** The same event often arrives twice (a `handoff` notification and the conversation turning up as waiting). */
export const DEDUPE_WINDOW_MS = 10_000;

export function titleWithBadge(count: number, base = BASE_TITLE): string {
  return count > 0 ? `(${count}) ${base}` : base;
}

export class UnseenCounter {
  private unseen = 0;
  private readonly recent = new Map<string, number>();

  constructor(private readonly dedupeWindowMs = DEDUPE_WINDOW_MS) {}

  get count(): number {
    return this.unseen;
  }

  get title(): string {
    return titleWithBadge(this.unseen);
  }

  /** Count one event, unless the same key was counted within the window. Returns whether it counted. */
  bump(key: string, nowMs: number): boolean {
    for (const [k, at] of this.recent) if (nowMs - at >= this.dedupeWindowMs) this.recent.delete(k);
    if (this.recent.has(key)) return false;
    this.recent.set(key, nowMs);
    this.unseen += 1;
    return true;
  }

  /** The agent looked (window focused, list viewed). */
  reset(): void {
    this.unseen = 0;
  }
}
