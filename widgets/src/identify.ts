/**
 * `ShopChat.identify({email, name, phone, external_id, identity_hash})`: links the visitor to a known customer,
 * only with their identification consent, which is checked here before anything leaves the page.
 */
import type { Consent } from "./consent";
import type { Ack, IdentifyAck } from "./protocol";
import type { SendQueue } from "./sendqueue";

export const IDENTITY_FIELDS = ["email", "name", "phone", "external_id"] as const;
/** `identity_hash`: the shop server's signature over external_id and email, where the shop turned verification on. */
export type Identity = Partial<Record<(typeof IDENTITY_FIELDS)[number] | "identity_hash", string>>;

/** How long identify waits for a connection before giving up. */
export const IDENTIFY_WAIT_MS = 30_000;

/** Why a promise of the API was rejected: `consent_required`, `invalid_payload`, `timeout`, or the server's code. */
export class ShopChatError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = "ShopChatError";
  }
}

/** The fields to send (trimmed, non-empty strings), or null if there is none. */
export function checkIdentity(fields: Record<string, unknown>): Identity | null {
  const identity: Identity = {};
  for (const name of IDENTITY_FIELDS) {
    const value = fields[name];
    if (typeof value === "string" && value.trim() !== "") identity[name] = value.trim();
  }
  if (Object.keys(identity).length === 0) return null;
  const hash = fields.identity_hash;
  if (typeof hash === "string" && hash.trim() !== "") identity.identity_hash = hash.trim();
  return identity;
}

export class Identifier {
  constructor(private readonly consent: Consent, private readonly queue: SendQueue) {
    consent.onChange(() => {
      if (!consent.allows("identification")) {
        queue.drop("identify", new ShopChatError("consent_required", "identification consent withdrawn"));
      }
    });
  }

  /**
   * Resolves with the server's `{customer_id}`. `consent: true` tells that the shop obtained the
   * visitor's consent itself, which counts only where the site does not require the widget's own.
   */
  identify(fields: unknown): Promise<{ customer_id: string }> {
    const given = typeof fields === "object" && fields !== null ? (fields as Record<string, unknown>) : {};
    const identity = checkIdentity(given);
    if (!identity) {
      return refuse("invalid_payload", "give at least one of email, name, phone, external_id");
    }
    if (!this.consent.allows("identification")) {
      // The shop's word never overrides the widget's own notice, nor a no the visitor gave.
      if (this.consent.required || given.consent !== true || this.consent.decision("identification") === false) {
        return refuse("consent_required", "the visitor has not consented to identification; nothing was sent");
      }
      this.consent.set("identification", true);
    }
    return new Promise((resolve, reject) => {
      const item = {
        kind: "identify" as const,
        payload: identity,
        done: (answer: Ack<object>) => {
          clearTimeout(timer);
          const ack = answer as IdentifyAck;
          if (ack.ok) resolve({ customer_id: String(ack.customer_id) });
          else reject(new ShopChatError(ack.error?.code ?? "error", ack.error?.message ?? "refused"));
        },
        fail: (reason: Error) => {
          clearTimeout(timer);
          reject(reason instanceof ShopChatError ? reason : new ShopChatError("timeout", reason.message));
        },
      };
      const timer = setTimeout(() => this.queue.remove(item, new ShopChatError("timeout", "not connected")), IDENTIFY_WAIT_MS);
      this.queue.push(item);
    });
  }
}

function refuse(code: string, message: string): Promise<never> {
  console.warn(`ShopChat.identify: ${message}`);
  return Promise.reject(new ShopChatError(code, message));
}
