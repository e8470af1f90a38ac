/**
 * Persisted queue of messages the visitor wrote that the server has not acknowledged.
 *
 * Every operation reads and writes storage directly instead of keeping a copy,
 * because other tabs of the same shop share the queue: a stale in-memory copy
 * written back would drop their messages.
 */
import { readJson, type KeyValueStore } from "./storage";

export interface OutboxItem {
  client_id: string;
  text: string;
  quick_reply?: string;
  queued_at_ms: number;
}

const KEY = "outbox";

function isItem(v: unknown): v is OutboxItem {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.client_id === "string" &&
    typeof o.text === "string" &&
    typeof o.queued_at_ms === "number" &&
    (o.quick_reply === undefined || typeof o.quick_reply === "string")
  );
}

function isItemList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

export class Outbox {
  constructor(private readonly store: KeyValueStore) {}

  items(): OutboxItem[] {
    return (readJson(this.store, KEY, isItemList) ?? []).filter(isItem);
  }

  first(): OutboxItem | null {
    return this.items()[0] ?? null;
  }

  has(clientId: string): boolean {
    return this.items().some((i) => i.client_id === clientId);
  }

  add(item: OutboxItem): void {
    const items = this.items().filter((i) => i.client_id !== item.client_id);
    items.push(item);
    this.write(items);
  }

  remove(clientId: string): void {
    this.write(this.items().filter((i) => i.client_id !== clientId));
  }

  private write(items: OutboxItem[]): void {
    if (items.length === 0) this.store.remove(KEY);
    else this.store.set(KEY, JSON.stringify(items));
  }
}
