/**
 * `ShopChat.track(event, props)`: checked here as the server would, kept only while consent
 * allows it, and queued until the visitor has a session, which the first event opens (the
 * panel's code is not needed for that).
 */
import type { Consent } from "./consent";
import type { SendQueue } from "./sendqueue";

export type PropValue = string | number | boolean | null;
export type Props = Record<string, PropValue>;

const EVENT_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
const MAX_PROPS = 20;
const MAX_KEY_CHARS = 40;
const MAX_VALUE_CHARS = 200;

/** A valid `track` payload, or what is wrong with it. Long strings are cut to the server's 200 characters. */
export function checkTrack(event: unknown, props: unknown): { event: string; props: Props } | { error: string } {
  if (typeof event !== "string" || !EVENT_PATTERN.test(event)) {
    return { error: "the event name must be snake_case, 1-40 characters (e.g. cart_add)" };
  }
  if (props === undefined || props === null) return { event, props: {} };
  if (typeof props !== "object" || Array.isArray(props)) return { error: "props must be a plain object" };
  const entries = Object.entries(props as Record<string, unknown>);
  if (entries.length > MAX_PROPS) return { error: `at most ${MAX_PROPS} props` };
  const clean: Props = {};
  for (const [key, value] of entries) {
    if (key === "" || key.length > MAX_KEY_CHARS) return { error: `prop names are 1-${MAX_KEY_CHARS} characters` };
    if (typeof value === "string") clean[key] = value.slice(0, MAX_VALUE_CHARS);
    else if (value === null || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) clean[key] = value;
    else return { error: `prop ${key} must be a string, a finite number, true, false or null` };
  }
  return { event, props: clean };
}

export class Tracker {
  constructor(private readonly consent: Consent, private readonly queue: SendQueue) {
    // A withdrawal stops tracking at once, also for what is still waiting here.
    consent.onChange(() => {
      if (!consent.allows("tracking")) queue.drop("track", new Error("tracking consent withdrawn"));
      void queue.flush();
    });
  }

  /** Queue an event; false (and nothing kept) without consent or when the event is invalid. */
  track(event: unknown, props?: unknown): boolean {
    if (!this.consent.allows("tracking")) return false;
    const checked = checkTrack(event, props);
    if ("error" in checked) {
      console.warn(`ShopChat.track: ${checked.error}; event ignored`);
      return false;
    }
    this.queue.push({ kind: "track", payload: checked, done: () => undefined, fail: () => undefined });
    return true;
  }
}
