/** window.ShopChat, the one global the widget defines: what a shop's own scripts may call. */
import { PURPOSES, type Consent, type Purpose } from "./consent";
import type { EventListeners, EventName, PublicEvents } from "./events";
import type { Identifier, Identity } from "./identify";
import type { Tracker } from "./tracking";

export type ConsentChoices = Partial<Record<Purpose, boolean>>;

export interface ShopChatApi {
  open(): void;
  close(): void;
  /** Subscribe to `message` or `offer`; returns an unsubscribe function. Unknown events throw. */
  on<K extends EventName>(event: K, listener: EventListeners[K]): () => void;
  /** Link the visitor to a known customer; needs identification consent. Resolves with `{customer_id}`. */
  identify(fields: Identity & { consent?: boolean }): Promise<{ customer_id: string }>;
  /** Queue a tracking event; false when it was dropped (no consent, invalid). */
  track(event: string, props?: Record<string, string | number | boolean | null>): boolean;
  /** Record consent decisions (a shop's own cookie banner); returns the decisions now in force. */
  consent(choices?: ConsentChoices): Record<Purpose, boolean | null>;
}

export interface ApiParts {
  open(): void;
  close(): void;
  events: PublicEvents;
  tracker: Tracker;
  identifier: Identifier;
  consent: Consent;
}

export function createApi(parts: ApiParts): ShopChatApi {
  const { events, tracker, identifier, consent } = parts;
  return Object.freeze({
    open: () => parts.open(),
    close: () => parts.close(),
    on: <K extends EventName>(event: K, listener: EventListeners[K]) => events.on(event, listener),
    identify: (fields: Identity & { consent?: boolean }) => identifier.identify(fields),
    track: (event: string, props?: Record<string, string | number | boolean | null>) => tracker.track(event, props),
    consent: (choices?: ConsentChoices) => {
      const given = typeof choices === "object" && choices !== null ? choices : {};
      for (const purpose of PURPOSES) {
        const value = given[purpose];
        if (typeof value === "boolean") consent.set(purpose, value);
        else if (value !== undefined) console.warn(`ShopChat.consent: ${purpose} must be true or false; ignored`);
      }
      return consent.state();
    },
  });
}
