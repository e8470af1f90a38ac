/** Acked socket requests that survive an expired token, and the words for their errors. */
import type { Ack, ErrorBody } from "./protocol";

/** What the console needs from the socket; `AgentSocket` in production, a fake in tests. */
export interface Link {
  readonly connected: boolean;
  request<T extends object = object>(event: string, payload: object, timeoutMs?: number): Promise<Ack<T>>;
  notify(event: string, payload: object): void;
}

const ERROR_TEXT: Record<string, string> = {
  forbidden: "You are not allowed to do that.",
  not_connected: "Not connected to the server. Try again in a moment.",
  not_found: "That conversation no longer exists.",
  conversation_closed: "The conversation is closed.",
  already_assigned: "Someone else has already taken this conversation.",
  rate_limited: "Too many requests; slow down a little.",
  token_expired: "Your session expired. Reconnecting…",
  internal_error: "Something went wrong on the server. Try again.",
};

export function errorText(error: ErrorBody | null | undefined): string {
  if (!error) return "Something went wrong.";
  return ERROR_TEXT[error.code] ?? error.message ?? error.code.replace(/_/g, " ");
}

const RENEW_CODES = new Set(["token_expired", "unauthorized"]);

export class Rpc {
  constructor(
    private readonly link: Link,
    /** Refresh the access token (and `reauth` the socket); resolves "refreshed" on success. */
    private readonly renew: () => Promise<string>,
  ) {}

  /**
   * Emit and wait for the ack; a refused token is renewed (which ends the session if the
   * server revoked it) and the request retried once. Never rejects.
   */
  async call<T extends object = object>(event: string, payload: object): Promise<Ack<T>> {
    try {
      let ack = await this.link.request<T>(event, payload);
      if (!ack.ok && RENEW_CODES.has(ack.error.code) && (await this.renew()) === "refreshed") {
        ack = await this.link.request<T>(event, payload);
      }
      return ack;
    } catch {
      return { ok: false, error: { code: "not_connected" } };
    }
  }
}
