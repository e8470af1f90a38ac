/** Canned responses: the `/shortcut` matcher and the highlighted choice in its listbox. */
import type { Canned } from "./protocol";

export const MAX_SUGGESTIONS = 8;

/** Shortcuts are compared without their leading slash, case-insensitively. */
export function normalizeShortcut(shortcut: string): string {
  return shortcut.replace(/^\/+/, "").trim().toLowerCase();
}

/** What the agent typed after a leading "/", or null if the composer does not start a shortcut. */
export function shortcutQuery(text: string): string | null {
  const match = /^\/(\S*)$/.exec(text);
  return match ? match[1].toLowerCase() : null;
}

/**
 * Canned responses for the composer text: shortcuts starting with the query first,
 * then those whose shortcut or title contains it. Empty when no shortcut is being typed.
 */
export function matchCanned(text: string, canned: readonly Canned[], limit = MAX_SUGGESTIONS): Canned[] {
  const query = shortcutQuery(text);
  if (query === null) return [];
  const prefix: Canned[] = [];
  const contains: Canned[] = [];
  for (const c of canned) {
    const shortcut = normalizeShortcut(c.shortcut);
    if (shortcut.startsWith(query)) prefix.push(c);
    else if (shortcut.includes(query) || c.title.toLowerCase().includes(query)) contains.push(c);
  }
  const byShortcut = (a: Canned, b: Canned) => normalizeShortcut(a.shortcut).localeCompare(normalizeShortcut(b.shortcut));
  return [...prefix.sort(byShortcut), ...contains.sort(byShortcut)].slice(0, limit);
}

/** The suggestions shown and which one Tab or Enter would pick. */
export class Suggestions {
  private list: Canned[] = [];
  private index = 0;

  get items(): readonly Canned[] {
    return this.list;
  }

  get open(): boolean {
    return this.list.length > 0;
  }

  get highlighted(): number {
    return this.list.length ? this.index : -1;
  }

  get current(): Canned | null {
    return this.list[this.index] ?? null;
  }

  /** Show new suggestions, keeping the highlighted one if it is still offered. */
  update(items: Canned[]): void {
    const keep = this.current?.id;
    this.list = items;
    const again = items.findIndex((c) => c.id === keep);
    this.index = again >= 0 ? again : 0;
  }

  /** Move the highlight, wrapping around at either end. */
  move(delta: number): void {
    if (!this.list.length) return;
    this.index = (((this.index + delta) % this.list.length) + this.list.length) % this.list.length;
  }

  select(index: number): void {
    if (index >= 0 && index < this.list.length) this.index = index;
  }

  close(): void {
    this.list = [];
    this.index = 0;
  }
}
