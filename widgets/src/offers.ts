/**
 * Reporting offer cards: `offer_shown` once the visitor could see the card (panel open, page
 * visible), once per offer message, also across reloads; `offer_clicked` the first time they use
 * it (follow its link or copy its code) on a page. Both go through ShopChat.track's consent rules.
 */
import type { Message } from "./protocol";
import { readJson, type KeyValueStore } from "./storage";
import type { Props } from "./tracking";

const SHOWN_KEY = "offers_shown";
/** Offer messages remembered as reported; older ones are long out of the log. */
const MAX_REMEMBERED = 50;

function isKeyList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((k) => typeof k === "string");
}

function keyOf(message: Message): string {
  return `${message.conversation_id}:${message.seq}`;
}

export class OfferReports {
  /** Rendered, not yet seen: message key → offer_id. */
  private readonly unseen = new Map<string, string>();
  private readonly used = new Set<string>();
  private watching = false;

  constructor(private readonly store: KeyValueStore, private readonly track: (event: string, props: Props) => void) {}

  /** An offer card is in the log. */
  rendered(message: Message, offerId: string): void {
    const key = keyOf(message);
    if (this.shown().includes(key)) return;
    this.unseen.set(key, offerId);
    if (this.watching) this.reportSeen();
  }

  setWatching(watching: boolean): void {
    this.watching = watching;
    if (watching) this.reportSeen();
  }

  /** The visitor used the offer of this message. */
  usedOffer(message: Message, offerId: string): void {
    const key = keyOf(message);
    if (this.used.has(key)) return;
    this.used.add(key);
    this.track("offer_clicked", { offer_id: offerId });
  }

  private reportSeen(): void {
    if (this.unseen.size === 0) return;
    const shown = this.shown();
    for (const [key, offerId] of this.unseen) {
      if (shown.includes(key)) continue;
      shown.push(key);
      this.track("offer_shown", { offer_id: offerId });
    }
    this.unseen.clear();
    this.store.set(SHOWN_KEY, JSON.stringify(shown.slice(-MAX_REMEMBERED)));
  }

  private shown(): string[] {
    return readJson(this.store, SHOWN_KEY, isKeyList) ?? [];
  }
}
