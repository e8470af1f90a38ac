/**
 * The agent's session: the access token, kept in memory only, refreshed a minute before it expires.
 *
 * The refresh token lives in an HttpOnly cookie the browser sends to /api/agent/refresh, so a
 * reloaded console logs back in without ever exposing a long-lived secret to scripts.
 */
import type { Agent, Tokens } from "./protocol";
import { backoffMs, type Scheduler, type TimerId } from "./scheduler";

/** Refresh this long before the access token expires (the server refuses it after). */
export const REFRESH_LEAD_S = 60;
const MIN_REFRESH_DELAY_MS = 5_000;
const RETRY_BASE_MS = 2_000;
const RETRY_MAX_MS = 30_000;

/** When to refresh a token valid for `expiresInS` seconds: a minute early, or halfway for short-lived ones. */
export function refreshDelayMs(expiresInS: number, leadS = REFRESH_LEAD_S): number {
  if (!Number.isFinite(expiresInS) || expiresInS <= 0) return MIN_REFRESH_DELAY_MS;
  const early = expiresInS > 2 * leadS ? expiresInS - leadS : expiresInS / 2;
  return Math.max(MIN_REFRESH_DELAY_MS, Math.round(early * 1000));
}

export type RefreshOutcome = "refreshed" | "ended" | "failed";

export interface AuthDeps {
  /** POST /api/agent/refresh; rejects with an error whose `status` is 401 when the session is over. */
  refresh(): Promise<Tokens>;
  /** A new token is in use (tell the socket: `reauth`). */
  renewed(tokens: Tokens): void;
  /** The server ended the session (refresh refused): back to the login form. */
  ended(): void;
  scheduler: Scheduler;
}

export class AuthSession {
  private accessToken: string | null = null;
  private current: Agent | null = null;
  private timer: TimerId | undefined;
  private inflight: Promise<RefreshOutcome> | null = null;
  private failures = 0;
  private generation = 0;

  constructor(private readonly deps: AuthDeps) {}

  get token(): string | null {
    return this.accessToken;
  }

  get agent(): Agent | null {
    return this.current;
  }

  /** Adopt tokens from login or refresh and plan the next refresh. */
  start(tokens: Tokens): void {
    this.accessToken = tokens.access_token;
    this.current = tokens.agent;
    this.failures = 0;
    this.schedule(refreshDelayMs(tokens.expires_in));
  }

  /** Forget the token and stop refreshing (logout). */
  stop(): void {
    this.generation += 1;
    this.deps.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
    this.accessToken = null;
    this.current = null;
    this.inflight = null;
  }

  /** Refresh now (token refused, or timer fired); concurrent callers share one request. */
  refreshNow(): Promise<RefreshOutcome> {
    if (!this.inflight) {
      this.inflight = this.doRefresh().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async doRefresh(): Promise<RefreshOutcome> {
    const generation = this.generation;
    this.deps.scheduler.clearTimeout(this.timer);
    let tokens: Tokens;
    try {
      tokens = await this.deps.refresh();
    } catch (err) {
      if (generation !== this.generation) return "ended";
      if ((err as { status?: unknown }).status === 401) {
        this.stop();
        this.deps.ended();
        return "ended";
      }
      // Network trouble: keep the current token and try again soon.
      this.schedule(backoffMs(this.failures++, RETRY_BASE_MS, RETRY_MAX_MS));
      return "failed";
    }
    if (generation !== this.generation) return "ended";
    this.start(tokens);
    this.deps.renewed(tokens);
    return "refreshed";
  }

  private schedule(delayMs: number): void {
    this.deps.scheduler.clearTimeout(this.timer);
    this.timer = this.deps.scheduler.setTimeout(() => void this.refreshNow(), delayMs);
  }
}
