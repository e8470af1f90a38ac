/** Test doubles for the console: a manual clock, summaries, messages and agents. */
import type { Agent, Message, Summary } from "../src/protocol";
import type { Scheduler, TimerId } from "../src/scheduler";

/** A scheduler whose time only moves when the test says so. */
export class ManualClock implements Scheduler {
  private t = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id as unknown as TimerId;
  }

  clearTimeout(id: TimerId | undefined): void {
    if (id !== undefined) this.timers.delete(id as unknown as number);
  }

  /** Delays of the timers still pending, from now. */
  pendingDelays(): number[] {
    return Array.from(this.timers.values(), (t) => t.at - this.t).sort((a, b) => a - b);
  }

  /** Move time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

export function agent(overrides: Partial<Agent> = {}): Agent {
  return {
    id: "a-1",
    email: "ann@example.com",
    name: "Ann",
    role: "agent",
    teams: ["sales"],
    languages: ["en"],
    max_chats: 3,
    status: "online",
    active_chats: 0,
    ...overrides,
  };
}

export function summary(overrides: Partial<Summary> = {}): Summary {
  return {
    id: "c-1",
    state: "bot",
    state_version: 1,
    visitor_id: "v-123456789",
    language: "en",
    team: null,
    handoff_reason: null,
    assignee: null,
    queued_at: null,
    assigned_at: null,
    closed_at: null,
    resolution: null,
    offline: false,
    contact_email: null,
    last_seq: 0,
    visitor_read_seq: 0,
    agent_read_seq: 0,
    last_message: null,
    created_at: "2026-11-24T10:00:00+00:00",
    updated_at: "2026-11-24T10:00:00+00:00",
    ...overrides,
  };
}

export function msg(seq: number, sender: Message["sender"], text = `m${seq}`, conversation = "c-1", clientId: string | null = null): Message {
  return { conversation_id: conversation, seq, sender, text, payload: null, client_id: clientId, created_at: "2026-11-24T10:00:00+00:00" };
}

/** Let pending promise callbacks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
