/**
 * What the widget says about the hand-off to a person, without any DOM:
 * the queue line, who is on the chat, and translated strings with a value filled in.
 */
import type { Strings } from "./i18n";
import type { Conversation, QueueEvent } from "./protocol";

/** A translated string with one placeholder filled in, split so the value can be set apart in the DOM. */
export interface Filled {
  before: string;
  value: string;
  after: string;
}

export function fill(template: string, placeholder: string, value: string): Filled {
  const at = template.indexOf(placeholder);
  if (at < 0) return plain(template);
  return { before: template.slice(0, at), value, after: template.slice(at + placeholder.length) };
}

/** A string without a value to fill in. */
export function plain(text: string): Filled {
  return { before: text, value: "", after: "" };
}

export function filledText(f: Filled): string {
  return f.before + f.value + f.after;
}

/** The name of the person on the conversation, or null while the bot (or nobody) is on it. */
export function agentName(conversation: Conversation | null): string | null {
  const name = conversation?.state === "assigned" ? conversation.agent?.name : undefined;
  return typeof name === "string" && name.trim() !== "" ? name.trim() : null;
}

/** Header subtitle: "Anna from the shop team" with a person on the chat, the bot's title otherwise. */
export function subtitleFor(conversation: Conversation | null, t: Strings): Filled {
  const name = agentName(conversation);
  return name === null ? plain(t.bot) : fill(t.agentSubtitle, "{name}", name);
}

/** Whole minutes to wait, at least 1; null when the server gave no usable estimate. */
export function waitMinutes(expectedWaitS: unknown): number | null {
  if (typeof expectedWaitS !== "number" || !Number.isFinite(expectedWaitS) || expectedWaitS < 0) return null;
  return Math.max(1, Math.round(expectedWaitS / 60));
}

/** "You are number 2 in line · about 3 min", in the widget's language; "" if the event is unusable. */
export function queueText(queue: QueueEvent, t: Strings, language: string): string {
  const position = queue.position;
  if (typeof position !== "number" || !Number.isInteger(position) || position < 1) return "";
  const parts = [filledText(fill(t.queuePosition, "{n}", position.toLocaleString(language)))];
  const minutes = waitMinutes(queue.expected_wait_s);
  if (minutes !== null) {
    const duration = new Intl.NumberFormat(language, {
      style: "unit",
      unit: "minute",
      unitDisplay: t.minuteDisplay ?? "short",
    }).format(minutes);
    parts.push(filledText(fill(t.queueWait, "{d}", duration)));
  }
  return parts.join(" · ");
}
