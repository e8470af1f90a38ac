/**
 * The visitor's consent decisions: remembered per site key in localStorage, told to the
 * server (`consent` events) once connected, and asked by tracking and identification.
 *
 * Storage is read on every question rather than cached, so other tabs' decisions count at once.
 */
import type { ConsentAck } from "./protocol";
import { readJson, type KeyValueStore } from "./storage";

export type Purpose = "tracking" | "identification";
export const PURPOSES: readonly Purpose[] = ["tracking", "identification"];

export interface Decision {
  granted: boolean;
  /** The privacy notice the visitor decided on. */
  version: string;
  /** Not yet acknowledged by the server. */
  unsent?: boolean;
}

type Decisions = Partial<Record<Purpose, Decision>>;

/** What sending needs from the connection: the ChatClient in production. */
export interface Channel {
  readonly isConnected: boolean;
  request<T>(event: string, payload: object, timeoutMs?: number): Promise<T>;
}

const KEY = "consent";

function isDecisions(v: unknown): v is Decisions {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isDecision(v: unknown): v is Decision {
  if (typeof v !== "object" || v === null) return false;
  const d = v as Record<string, unknown>;
  return typeof d.granted === "boolean" && typeof d.version === "string";
}

export class Consent {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly store: KeyValueStore,
    /** The site asks before tracking (`data-require-consent="true"`). */
    readonly required: boolean,
    readonly noticeVersion: string,
  ) {}

  /** The visitor's decision on the current notice: true, false, or null if they have not decided. */
  decision(purpose: Purpose): boolean | null {
    const d = this.read()[purpose];
    return d && d.version === this.noticeVersion ? d.granted : null;
  }

  /**
   * Tracking needs a yes where the site requires consent, and only the absence of a no elsewhere
   * (a no given on an older notice still counts). Identification always needs a yes.
   */
  allows(purpose: Purpose): boolean {
    if (purpose === "tracking" && !this.required) return this.read().tracking?.granted !== false;
    return this.decision(purpose) === true;
  }

  /** The privacy notice asks the visitor while tracking needs their consent and they have not decided. */
  get needsNotice(): boolean {
    return this.required && this.decision("tracking") === null;
  }

  /** Record a decision; it is sent to the server with the next flush. */
  set(purpose: Purpose, granted: boolean): void {
    const all = this.read();
    const previous = all[purpose];
    if (previous && previous.granted === granted && previous.version === this.noticeVersion) return;
    all[purpose] = { granted, version: this.noticeVersion, unsent: true };
    this.write(all);
    for (const listener of this.listeners) listener();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The decisions as the API reports them. */
  state(): Record<Purpose, boolean | null> {
    return { tracking: this.decision("tracking"), identification: this.decision("identification") };
  }

  /**
   * Send every decision the server has not acknowledged, in turn.
   * Resolves true when the server has them all, false if one could not be sent (try again later).
   */
  async sendUnsent(channel: Channel): Promise<boolean> {
    for (const purpose of PURPOSES) {
      const d = this.read()[purpose];
      if (!d?.unsent) continue;
      let ack: ConsentAck;
      try {
        ack = await channel.request<ConsentAck>("consent", { purpose, granted: d.granted, notice_version: d.version });
      } catch {
        return false;
      }
      // A refusal (invalid_payload) would be refused again; it must not hold back everything else.
      if (!ack.ok && ack.error?.code === "rate_limited") return false;
      const now = this.read();
      const current = now[purpose];
      // Unless the visitor changed their mind meanwhile, which then still has to go.
      if (current && current.granted === d.granted && current.version === d.version) {
        delete current.unsent;
        this.write(now);
      }
    }
    return true;
  }

  private read(): Decisions {
    const all = readJson(this.store, KEY, isDecisions) ?? {};
    const valid: Decisions = {};
    for (const purpose of PURPOSES) if (isDecision(all[purpose])) valid[purpose] = all[purpose];
    return valid;
  }

  private write(all: Decisions): void {
    this.store.set(KEY, JSON.stringify(all));
  }
}
