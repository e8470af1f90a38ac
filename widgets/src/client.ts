/**
 * The chat client: session, sync, outbox and typing, without any DOM.
 *
 * Guarantees: every message the visitor writes is persisted in the outbox until
 * the server acknowledged it, is resent with the same client_id after any failure,
 * and each server message is handed to the view once, whatever mix of sync
 * results, echoes and acks it arrives through.
 *
 * Around the hand-off to a person it relays the queue position, read receipts both
 * ways, and the leave-a-message form for when nobody is online.
 */
import { History } from "./history";
import { newClientId } from "./ids";
import { LeaveMessage } from "./leave";
import { Outbox, type OutboxItem } from "./outbox";
import {
  PERMANENT_SEND_ERRORS,
  type Ack,
  type Conversation,
  type ErrorBody,
  type Message,
  type MessageAck,
  type QueueEvent,
  type ReadEvent,
  type SyncAck,
  type TypingEvent,
} from "./protocol";
import { ReadTracker } from "./receipts";
import type { Session } from "./session";
import type { TransportListener } from "./transport";
import { backoffMs, sleep } from "./timing";
import { Typing } from "./typing";

export type ConnectionStatus = "idle" | "connecting" | "online" | "reconnecting";

/** What the client needs from the socket; `Transport` in production, a fake in tests. */
export interface Link {
  readonly connected: boolean;
  connect(): void;
  request<T>(event: string, payload: object, timeoutMs: number): Promise<T>;
  notify(event: string, payload: object): void;
}

/** What the client tells the user interface. */
export interface ChatView {
  /** A server message not seen before. `live` is false for the history loaded at start. */
  showMessage(message: Message, live: boolean): void;
  /** A message the visitor wrote, not yet acknowledged. */
  showPending(item: OutboxItem): void;
  /** A pending message is now committed on the server. */
  markSent(clientId: string, message: Message): void;
  /** The server refused a pending message for good. */
  markFailed(clientId: string, error: ErrorBody): void;
  /** Drop every shown message (the server gave us a new visitor identity). */
  clearMessages(): void;
  setStatus(status: ConnectionStatus): void;
  setConversation(conversation: Conversation): void;
  /** `name` is the agent's, when a person is typing. */
  setTyping(typing: boolean, name?: string): void;
  /** Where the visitor stands in the queue for a person; null once the conversation stopped waiting. */
  setQueue(queue: QueueEvent | null): void;
  /** Show or withdraw the leave-a-message form (nobody online). */
  offerLeaveMessage(offer: boolean): void;
  /** The server took the left message; `email` is where the reply will go. */
  leftMessage(email: string): void;
  /** The left message was refused or could not be sent; the form stays as it is. */
  leaveMessageRefused(error: ErrorBody): void;
  /** An agent read the conversation up to `seq`. */
  markSeen(conversationId: string, seq: number): void;
}

export interface ClientDeps {
  outbox: Outbox;
  openSession(): Promise<Session>;
  createLink(getToken: () => string | null, listener: TransportListener): Link;
}

export type MessageListener = (message: Message) => void;

const ACK_TIMEOUT_MS = 10_000;
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** Same cap as socket.io's reconnection, so a returning server is found as quickly either way. */
const SESSION_RETRY_MAX_MS = 10_000;
/** Attempts for a message the server refused with a retryable error (e.g. rate_limited). */
const MAX_SEND_ATTEMPTS = 8;
const MAX_SYNC_ROUNDS = 3;

export class ChatClient implements TransportListener {
  private readonly history = new History();
  private readonly pendingIds = new Set<string>();
  private readonly listeners = new Set<MessageListener>();
  private readonly connectListeners = new Set<() => void>();
  private link: Link | null = null;
  private token: string | null = null;
  private started = false;
  private establishing = false;
  /** Refusals since the last successful connection, so a server that keeps refusing is asked less often. */
  private refusals = 0;
  /** True between a completed `sync` and the next disconnection: only then may the outbox flush. */
  private synced = false;
  private flushing = false;
  private syncRun: Promise<boolean> | null = null;
  private syncAgain = false;
  private loadedHistory = false;
  private readonly typingIndicators: Typing;
  /** The visitor can see the log: the panel is open and the page visible. */
  private watching = false;
  private readReportScheduled = false;
  private readonly reads = new ReadTracker();
  private readonly leave: LeaveMessage;

  constructor(private readonly view: ChatView, private readonly deps: ClientDeps) {
    this.leave = new LeaveMessage(view);
    this.typingIndicators = new Typing((typing, name) => view.setTyping(typing, name));
  }

  /** Show what is still in the outbox; connect right away if this visitor has a session or unsent messages. */
  boot(hasSession: boolean): void {
    for (const item of this.deps.outbox.items()) this.showPending(item);
    if (hasSession || this.pendingIds.size > 0) this.start();
  }

  /** Open the session and the socket (once). Safe to call repeatedly. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.view.setStatus("connecting");
    void this.establishSession(0);
  }

  onMessage(listener: MessageListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called on every (re)connection, before the history is synced: for tracking and the like. */
  onConnected(listener: () => void): () => void {
    this.connectListeners.add(listener);
    return () => this.connectListeners.delete(listener);
  }

  get isConnected(): boolean {
    return this.link?.connected === true;
  }

  /** Emit another event on the visitor's socket; rejects when not connected or without an ack in time. */
  request<T>(event: string, payload: object, timeoutMs = ACK_TIMEOUT_MS): Promise<T> {
    return this.link ? this.link.request<T>(event, payload, timeoutMs) : Promise.reject(new Error("not connected"));
  }

  /** Queue a message; it is persisted before anything is sent. */
  send(text: string, quickReply?: string): void {
    const trimmed = text.trim();
    if (trimmed === "") return;
    const item: OutboxItem = { client_id: newClientId(), text: trimmed, queued_at_ms: Date.now() };
    if (quickReply) item.quick_reply = quickReply;
    this.deps.outbox.add(item);
    this.showPending(item);
    this.typingIndicators.visitorStopped(this.link);
    this.start();
    void this.flush();
  }

  /** Call on each keystroke in the input: tells the server, throttled, and says when the visitor stops. */
  visitorTyped(): void {
    if (this.synced && this.link) this.typingIndicators.visitorTyped(this.link);
  }

  /** Call when the visitor starts or stops seeing the log; what they can see is reported read. */
  setWatching(watching: boolean): void {
    this.watching = watching;
    this.reportRead();
  }

  /** Leave a message for later, when nobody is online; the view hears how it went. */
  async leaveMessage(email: string, text: string): Promise<void> {
    const message = await this.leave.send(this.link, email, text);
    if (message) this.deliver(message, true);
  }

  // --- TransportListener -------------------------------------------------------------

  connected(): void {
    this.refusals = 0;
    for (const listener of this.connectListeners) listener();
    // Missed messages first, then the outbox, so the visitor's retries land after them.
    void this.sync().then((upToDate) => {
      if (!upToDate || !this.link?.connected) return;
      this.synced = true;
      this.view.setStatus("online");
      this.reportRead();
      void this.flush();
    });
  }

  disconnected(): void {
    this.synced = false;
    this.typingIndicators.disconnected();
    this.view.setStatus("reconnecting");
  }

  refused(): void {
    this.synced = false;
    this.view.setStatus("reconnecting");
    // The token is probably expired: the session endpoint refreshes it or makes a new visitor.
    this.refusals += 1;
    void this.establishSession(this.refusals);
  }

  message(message: Message): void {
    this.deliver(message, true);
    if (this.history.hasGap) void this.sync();
  }

  typing(event: TypingEvent): void {
    const name = event.sender === "agent" && typeof event.name === "string" ? event.name.trim() : "";
    this.typingIndicators.other(event.typing === true, name || undefined);
  }

  conversation(conversation: Conversation): void {
    this.applyConversation(conversation);
    if (this.history.adoptConversation(conversation.id)) void this.sync();
  }

  queue(event: QueueEvent): void {
    if (this.isCurrent(event.conversation_id)) this.view.setQueue(event);
  }

  read(event: ReadEvent): void {
    if (this.isCurrent(event.conversation_id)) this.agentRead(event);
  }

  // --- internals ----------------------------------------------------------------------

  private async establishSession(firstAttempt: number): Promise<void> {
    if (this.establishing) return;
    this.establishing = true;
    try {
      await this.openSessionWithRetry(firstAttempt);
    } finally {
      this.establishing = false;
    }
    if (!this.link) this.link = this.deps.createLink(() => this.token, this);
    this.link.connect();
  }

  private async openSessionWithRetry(firstAttempt: number): Promise<void> {
    for (let attempt = firstAttempt; ; attempt++) {
      if (attempt > 0) await sleep(backoffMs(attempt - 1, RETRY_BASE_MS, SESSION_RETRY_MAX_MS));
      try {
        const session = await this.deps.openSession();
        this.token = session.token;
        if (session.isNewVisitor) this.forgetHistory();
        return;
      } catch {
        // Unbounded on purpose, like socket.io's own reconnection: the visitor may keep
        // the page open until the server is back, and the outbox waits for it.
        this.view.setStatus("reconnecting");
      }
    }
  }

  private forgetHistory(): void {
    this.history.reset();
    this.loadedHistory = false;
    this.view.clearMessages();
    this.pendingIds.clear();
    for (const item of this.deps.outbox.items()) this.showPending(item);
  }

  /**
   * Fetch everything after the last seq we hold. Concurrent calls share one run,
   * which goes round again for them. Resolves true once the history is up to date,
   * false if the connection dropped first.
   */
  private sync(): Promise<boolean> {
    if (this.syncRun) {
      this.syncAgain = true;
      return this.syncRun;
    }
    this.syncRun = this.runSync().finally(() => {
      this.syncRun = null;
    });
    return this.syncRun;
  }

  private async runSync(): Promise<boolean> {
    let gapRounds = 0;
    let failures = 0;
    do {
      this.syncAgain = false;
      const link = this.link;
      if (!link?.connected) return false;
      const afterSeq = this.history.lastSeq;
      let ack: SyncAck;
      try {
        ack = await link.request<SyncAck>("sync", { after_seq: afterSeq }, ACK_TIMEOUT_MS);
      } catch {
        ack = { ok: false, error: { code: "timeout", message: "no acknowledgement" } };
      }
      if (!ack.ok) {
        await sleep(backoffMs(failures++, RETRY_BASE_MS, RETRY_MAX_MS));
        this.syncAgain = true;
        continue;
      }
      if (ack.conversation) {
        this.applyConversation(ack.conversation);
        // seq restarts with each conversation: what we hold says nothing about a new one.
        if (this.history.adoptConversation(ack.conversation.id) && afterSeq > 0) {
          this.syncAgain = true;
          continue;
        }
      }
      for (const m of ack.messages) this.deliver(m, this.loadedHistory);
      this.loadedHistory = true;
      if (this.history.hasGap && ++gapRounds < MAX_SYNC_ROUNDS) this.syncAgain = true;
    } while (this.syncAgain);
    return true;
  }

  /** Send the outbox in order, one message at a time, each after the previous one's ack. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    const attempts = new Map<string, number>();
    try {
      while (this.synced && this.link) {
        const item = this.deps.outbox.first();
        if (!item) break;
        let ack: MessageAck;
        try {
          ack = await this.link.request<MessageAck>("message", wireMessage(item), ACK_TIMEOUT_MS);
        } catch {
          // Disconnected (the loop ends; sync restarts it) or no ack in time: resend, same client_id.
          if (this.synced) await sleep(RETRY_BASE_MS);
          continue;
        }
        if (ack.ok) {
          this.deps.outbox.remove(item.client_id);
          this.deliver({ ...ack.message, client_id: ack.message.client_id ?? item.client_id }, true);
          continue;
        }
        if (ack.error.code === "busy") {
          // The server is storing a backlog: the message keeps its place in the outbox, however long that takes.
          await sleep(Math.max((ack.error.retry_after_s ?? 0) * 1000, RETRY_BASE_MS / 10));
          continue;
        }
        const tries = (attempts.get(item.client_id) ?? 0) + 1;
        attempts.set(item.client_id, tries);
        if (PERMANENT_SEND_ERRORS.has(ack.error.code) || tries >= MAX_SEND_ATTEMPTS) {
          this.deps.outbox.remove(item.client_id);
          this.pendingIds.delete(item.client_id);
          this.view.markFailed(item.client_id, ack.error);
          continue;
        }
        await sleep(backoffMs(tries, RETRY_BASE_MS, RETRY_MAX_MS));
      }
    } finally {
      this.flushing = false;
    }
  }

  private deliver(message: Message, live: boolean): void {
    if (this.history.add(message) === "duplicate") return;
    const cid = message.client_id;
    if (cid && this.pendingIds.has(cid)) {
      this.pendingIds.delete(cid);
      this.view.markSent(cid, message);
    } else {
      this.view.showMessage(message, live);
    }
    if (message.sender !== "visitor") this.typingIndicators.other(false);
    this.reads.received(message);
    this.scheduleReadReport();
    this.leave.message(message);
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (err) {
        // A shop's handler must not break the chat.
        console.error("ShopChat message listener failed", err);
      }
    }
  }

  private showPending(item: OutboxItem): void {
    if (this.pendingIds.has(item.client_id)) return;
    this.pendingIds.add(item.client_id);
    this.view.showPending(item);
  }

  private applyConversation(conversation: Conversation): void {
    this.view.setConversation(conversation);
    if (conversation.state !== "queued") this.view.setQueue(null);
    this.leave.conversation(conversation);
    // Receipts we missed while away, and reports the server has from before a reload.
    const { id, agent_read_seq: agentSeq, visitor_read_seq: visitorSeq } = conversation;
    if (typeof agentSeq === "number" && agentSeq > 0) this.agentRead({ conversation_id: id, reader: "agent", seq: agentSeq });
    if (typeof visitorSeq === "number") this.reads.reportedBefore(id, visitorSeq);
  }

  private agentRead(event: ReadEvent): void {
    if (this.reads.agentReadFurther(event)) this.view.markSeen(event.conversation_id, event.seq);
  }

  /** Events name their conversation; one about another than ours is stale. */
  private isCurrent(conversationId: string): boolean {
    const current = this.history.currentConversation;
    return current === null || current === conversationId;
  }

  /** A sync delivers its messages in one go: one report after them, not one per message. */
  private scheduleReadReport(): void {
    if (this.readReportScheduled) return;
    this.readReportScheduled = true;
    queueMicrotask(() => {
      this.readReportScheduled = false;
      this.reportRead();
    });
  }

  private reportRead(): void {
    if (!this.watching || !this.synced || !this.link) return;
    const report = this.reads.next();
    if (!report) return;
    // A refusal (ok: false) would be refused again: only a lost report is sent once more.
    this.link.request<Ack<object>>("read", { seq: report.seq }, ACK_TIMEOUT_MS).catch(() => this.reads.failed(report));
  }
}

function wireMessage(item: OutboxItem): object {
  const payload: Record<string, string> = { client_id: item.client_id, text: item.text };
  if (item.quick_reply) payload.quick_reply = item.quick_reply;
  return payload;
}
