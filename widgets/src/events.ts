/**
 * The events a shop can subscribe to with ShopChat.on: `message` (every chat message, once,
 * in order of arrival) and `offer` (the payload of every offer card, once per offer message).
 */
import type { Message, OfferCard } from "./protocol";

export type MessageListener = (message: Message) => void;
export type OfferListener = (offer: OfferCard) => void;

export interface EventListeners {
  message: MessageListener;
  offer: OfferListener;
}
export type EventName = keyof EventListeners;

export const EVENT_NAMES: readonly EventName[] = ["message", "offer"];

export function isOffer(payload: unknown): payload is OfferCard {
  if (typeof payload !== "object" || payload === null) return false;
  const p = payload as Record<string, unknown>;
  return p.type === "offer" && typeof p.offer_id === "string" && p.offer_id !== "";
}

export class PublicEvents {
  private readonly listeners: { [K in EventName]: Set<EventListeners[K]> } = { message: new Set(), offer: new Set() };

  /** Subscribe; returns the function that unsubscribes. Unknown events throw, so typos show at once. */
  on<K extends EventName>(event: K, listener: EventListeners[K]): () => void {
    if (!EVENT_NAMES.includes(event)) {
      throw new TypeError(`ShopChat.on: unknown event "${String(event)}"; use one of: ${EVENT_NAMES.join(", ")}`);
    }
    if (typeof listener !== "function") throw new TypeError(`ShopChat.on("${event}"): the listener must be a function`);
    const set = this.listeners[event] as Set<EventListeners[K]>;
    set.add(listener);
    return () => void set.delete(listener);
  }

  /** A message the client delivered (it does so once per conversation and seq). */
  message(message: Message): void {
    this.emit("message", message);
    if (isOffer(message.payload)) this.emit("offer", { ...message.payload });
  }

  private emit<K extends EventName>(event: K, value: Parameters<EventListeners[K]>[0]): void {
    for (const listener of this.listeners[event]) {
      try {
        (listener as (v: typeof value) => void)(value);
      } catch (err) {
        // A shop's handler must not break the chat.
        console.error(`ShopChat ${event} listener failed`, err);
      }
    }
  }
}
