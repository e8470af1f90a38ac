/** Visitor identity: `POST /api/visitor/session`, token kept in localStorage. */
import type { SessionResponse } from "./protocol";
import type { KeyValueStore } from "./storage";

const TOKEN_KEY = "visitor_token";
const VISITOR_KEY = "visitor_id";
const REQUEST_TIMEOUT_MS = 15_000;

export interface Session {
  token: string;
  visitorId: string;
  /** True if the server gave us a different visitor than the one stored (history is not ours). */
  isNewVisitor: boolean;
}

export class SessionError extends Error {
  constructor(message: string, readonly status: number | null) {
    super(message);
    this.name = "SessionError";
  }
}

function isSessionResponse(v: unknown): v is SessionResponse {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.visitor_token === "string" && o.visitor_token !== "" && typeof o.visitor_id === "string";
}

export function hasStoredSession(store: KeyValueStore): boolean {
  return store.get(TOKEN_KEY) !== null;
}

/**
 * Create or refresh the visitor session and store its token.
 * Throws SessionError on network failure, timeout or an unexpected answer.
 */
export async function openSession(server: string, language: string, store: KeyValueStore): Promise<Session> {
  const previousToken = store.get(TOKEN_KEY);
  const body: Record<string, string> = { language };
  if (previousToken) body.visitor_token = previousToken;

  const controller = typeof AbortController === "function" ? new AbortController() : null;
  const timer = setTimeout(() => controller?.abort(), REQUEST_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(`${server}/api/visitor/session`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      signal: controller?.signal,
    });
  } catch (err) {
    throw new SessionError(`session request failed: ${String(err)}`, null);
  } finally {
    clearTimeout(timer);
  }

  let data: unknown = null;
  try {
    data = await response.json();
  } catch {
    // Handled below: a non-JSON answer is as bad as a wrong one.
  }
  if (!response.ok || !isSessionResponse(data)) {
    throw new SessionError(`session request answered ${response.status}`, response.status);
  }

  const previousVisitor = store.get(VISITOR_KEY);
  store.set(TOKEN_KEY, data.visitor_token);
  store.set(VISITOR_KEY, data.visitor_id);
  return {
    token: data.visitor_token,
    visitorId: data.visitor_id,
    isNewVisitor: previousVisitor !== null && previousVisitor !== data.visitor_id,
  };
}
