/** Test doubles: in-memory Web Storage, a scripted socket link and a recording view. */
import type { ChatView, ConnectionStatus, Link } from "../src/client";
import type { OutboxItem } from "../src/outbox";
import type { Conversation, ErrorBody, Message, QueueEvent } from "../src/protocol";
import { namespacedStore, type KeyValueStore } from "../src/storage";

export function memoryStore(backing = new Map<string, string>(), namespace = "test"): KeyValueStore {
  const storage = {
    getItem: (k: string) => backing.get(k) ?? null,
    setItem: (k: string, v: string) => void backing.set(k, v),
    removeItem: (k: string) => void backing.delete(k),
  } as unknown as Storage;
  return namespacedStore(() => storage, namespace);
}

/**
 * The connection as tracking, consent and identification see it (the ChatClient in production):
 * `start` opens the session, requests go to handlers by event name, or fail while offline.
 */
export class FakeChannel {
  isConnected = false;
  starts = 0;
  readonly requests: { event: string; payload: Record<string, unknown> }[] = [];

  constructor(public handlers: Record<string, Handler> = {}) {}

  start(): void {
    this.starts += 1;
  }

  async request<T>(event: string, payload: object): Promise<T> {
    const p = payload as Record<string, unknown>;
    this.requests.push({ event, payload: p });
    if (!this.isConnected) throw new Error("not connected");
    const handler = this.handlers[event];
    if (!handler) throw new Error("operation has timed out");
    const ack = await handler(p);
    if (ack === NO_ACK) throw new Error("operation has timed out");
    return ack as T;
  }

  events(name: string): Record<string, unknown>[] {
    return this.requests.filter((r) => r.event === name).map((r) => r.payload);
  }
}

export type Handler = (payload: Record<string, unknown>) => unknown;

export class FakeLink implements Link {
  connected = false;
  connectCalls = 0;
  readonly requests: { event: string; payload: Record<string, unknown> }[] = [];
  readonly notified: { event: string; payload: object }[] = [];
  private readonly inflight = new Set<(err: Error) => void>();

  constructor(public handlers: Record<string, Handler>) {}

  connect(): void {
    this.connectCalls += 1;
  }

  request<T>(event: string, payload: object): Promise<T> {
    const p = payload as Record<string, unknown>;
    this.requests.push({ event, payload: p });
    if (!this.connected) return Promise.reject(new Error("not connected"));
    return new Promise<T>((resolve, reject) => {
      this.inflight.add(reject);
      Promise.resolve(this.handlers[event](p)).then(
        (ack) => {
          if (ack === NO_ACK) return; // left hanging until the link drops
          if (this.inflight.delete(reject)) resolve(ack as T);
        },
        reject,
      );
    });
  }

  notify(event: string, payload: object): void {
    this.notified.push({ event, payload });
  }

  /** Drop the connection: every request still waiting for its ack fails, like socket.io's. */
  drop(): void {
    this.connected = false;
    for (const reject of this.inflight) reject(new Error("socket has been disconnected"));
    this.inflight.clear();
  }
}

export const NO_ACK = Symbol("no ack");

export class RecordingView implements ChatView {
  readonly shown: Message[] = [];
  readonly pending: OutboxItem[] = [];
  readonly sent: { clientId: string; message: Message }[] = [];
  readonly failed: { clientId: string; error: ErrorBody }[] = [];
  readonly statuses: ConnectionStatus[] = [];
  conversation: Conversation | null = null;
  typing = false;
  typingName: string | undefined;
  cleared = 0;
  readonly queues: (QueueEvent | null)[] = [];
  readonly seen: { conversationId: string; seq: number }[] = [];
  /** The leave-a-message calls in order: "offer", "withdraw", "left <email>", "refused <code> <fields>". */
  readonly leave: string[] = [];

  showMessage(message: Message): void {
    this.shown.push(message);
  }
  showPending(item: OutboxItem): void {
    this.pending.push(item);
  }
  markSent(clientId: string, message: Message): void {
    this.sent.push({ clientId, message });
  }
  markFailed(clientId: string, error: ErrorBody): void {
    this.failed.push({ clientId, error });
  }
  clearMessages(): void {
    this.cleared += 1;
  }
  setStatus(status: ConnectionStatus): void {
    this.statuses.push(status);
  }
  setConversation(conversation: Conversation): void {
    this.conversation = conversation;
  }
  setTyping(typing: boolean, name?: string): void {
    this.typing = typing;
    this.typingName = name;
  }
  setQueue(queue: QueueEvent | null): void {
    this.queues.push(queue);
  }
  offerLeaveMessage(offer: boolean): void {
    this.leave.push(offer ? "offer" : "withdraw");
  }
  leftMessage(email: string): void {
    this.leave.push(`left ${email}`);
  }
  leaveMessageRefused(error: ErrorBody): void {
    this.leave.push(`refused ${error.code} ${(error.fields ?? []).join(",")}`.trim());
  }
  markSeen(conversationId: string, seq: number): void {
    this.seen.push({ conversationId, seq });
  }

  /** Every server message the visitor can see, by seq. */
  visibleSeqs(): number[] {
    return [...this.shown.map((m) => m.seq), ...this.sent.map((s) => s.message.seq)].sort((a, b) => a - b);
  }
}

export function msg(seq: number, sender: Message["sender"], text: string, clientId: string | null = null, conversation = "conv-1"): Message {
  return { conversation_id: conversation, seq, sender, text, payload: null, client_id: clientId, created_at: "2026-11-24T10:00:00+00:00" };
}

/** A system message with a payload type (`no_agents`, `agent_joined`, ...). */
export function systemMsg(seq: number, payload: Message["payload"], conversation = "conv-1"): Message {
  return { ...msg(seq, "system", `(${String(payload?.type)})`, null, conversation), payload };
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 4000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
