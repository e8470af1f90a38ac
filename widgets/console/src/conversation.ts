/**
 * The open conversation: watch/unwatch, its messages, the visitor's typing, read receipts
 * both ways, the agent's replies and the actions on it. The DOM is the pane's business.
 */
import type { Api } from "./api";
import type { ConversationStore } from "./lists";
import { canReply } from "./permissions";
import { isSupervisor, type Agent, type Message, type ReadEvent, type Summary, type TypingEvent } from "./protocol";
import { readSeqToSend, seenAgentSeq } from "./receipts";
import { errorText, type Link, type Rpc } from "./rpc";
import type { Scheduler } from "./scheduler";
import { SendQueue } from "./sendqueue";
import { Thread } from "./thread";
import { TypingIndicator, TypingSender } from "./typing";
import type { TransferPayload, TransferTarget } from "./ui/actions";
import type { ConversationPane } from "./ui/conversation";
import type { CustomerPanel } from "./ui/customer";

type WatchAck = { conversation: Summary; messages: Message[] };
type SummaryAck = { conversation: Summary };

export interface ConversationDeps {
  me: Agent;
  api: Api;
  link: Link;
  rpc: Rpc;
  renew(): Promise<string>;
  store: ConversationStore;
  pane: ConversationPane;
  customer: CustomerPanel;
  scheduler: Scheduler;
  /** The lists need redrawing (summary or unread state changed). */
  changed(): void;
  /** Whether the agent is looking at the page (read receipts are only sent then). */
  attentive(): boolean;
}

export class ConversationController {
  private thread: Thread | null = null;
  private readSent = 0;
  private readonly typingIn: TypingIndicator;
  private readonly typingOut: TypingSender;
  readonly sendQueue: SendQueue;

  constructor(private readonly deps: ConversationDeps) {
    this.typingIn = new TypingIndicator((typing) => deps.pane.setTyping(typing), deps.scheduler);
    this.typingOut = new TypingSender((typing) => {
      if (this.thread) deps.link.notify("typing", { conversation_id: this.thread.conversationId, typing });
    }, deps.scheduler);
    this.sendQueue = new SendQueue({
      request: (payload) => deps.link.request("message", payload),
      connected: () => deps.link.connected,
      renew: () => deps.renew(),
      scheduler: deps.scheduler,
      sent: (item, message) => this.onMessage({ ...message, client_id: message.client_id ?? item.clientId }),
      failed: (item, error) => {
        if (this.thread?.conversationId !== item.conversationId) return;
        deps.pane.log.failPending(item.clientId, errorText(error));
        deps.pane.alert.show(`Message not sent: ${errorText(error)}`);
      },
    });
  }

  get currentId(): string | null {
    return this.thread?.conversationId ?? null;
  }

  async open(id: string): Promise<void> {
    if (this.thread?.conversationId === id) return;
    this.leave();
    const { pane, customer, store, me } = this.deps;
    this.thread = new Thread(id);
    this.readSent = 0;
    const summary = store.get(id);
    if (summary) pane.open(summary, me);
    customer.showLoading();
    for (const p of this.sendQueue.pending) if (p.conversationId === id) pane.log.addPending(p.clientId, p.text);
    this.deps.changed();
    await Promise.all([this.watch(id), this.loadDetail(id)]);
  }

  /** Stop following the open conversation (another one opened, or logout). */
  leave(): void {
    if (!this.thread) return;
    const id = this.thread.conversationId;
    this.typingOut.stop();
    this.typingIn.set(false);
    this.thread = null;
    void this.deps.rpc.call("unwatch", { conversation_id: id });
    this.deps.pane.showEmpty();
    this.deps.customer.showEmpty();
  }

  /** After a reconnection the server forgot what we watched. */
  async rewatch(): Promise<void> {
    if (this.thread) await this.watch(this.thread.conversationId);
    void this.sendQueue.flush();
  }

  onSummary(summary: Summary): void {
    if (summary.id !== this.thread?.conversationId) return;
    this.deps.pane.update(summary, this.deps.me);
    if (summary.state !== "assigned") this.typingOut.stop();
    this.updateSeen();
    this.sendRead();
  }

  onMessage(message: Message): void {
    this.noteInLists(message);
    if (!this.thread || message.conversation_id !== this.thread.conversationId) return;
    this.show([message]);
  }

  onTyping(event: TypingEvent): void {
    if (event.conversation_id === this.thread?.conversationId && event.sender === "visitor") this.typingIn.set(!!event.typing);
  }

  onRead(event: ReadEvent): void {
    const { store } = this.deps;
    const s = store.get(event.conversation_id);
    if (event.reader === "agent") {
      store.markRead(event.conversation_id, event.seq);
    } else if (s) {
      store.upsert({ ...s, visitor_read_seq: Math.max(s.visitor_read_seq ?? 0, event.seq) });
    }
    this.deps.changed();
    if (event.conversation_id === this.thread?.conversationId) this.updateSeen();
  }

  /** The window got focus back: what arrived meanwhile is now read. */
  attentionRegained(): void {
    this.sendRead();
  }

  send(text: string): void {
    if (!this.thread) return;
    this.typingOut.stop();
    this.deps.pane.alert.show(null);
    const item = this.sendQueue.enqueue(this.thread.conversationId, text);
    this.deps.pane.log.addPending(item.clientId, item.text);
  }

  typed(): void {
    const s = this.thread && this.deps.store.get(this.thread.conversationId);
    if (s && canReply(s, this.deps.me)) this.typingOut.input();
  }

  stoppedTyping(): void {
    this.typingOut.stop();
  }

  // Actions: each resolves to an error text, or null when done.

  claim(): Promise<string | null> {
    return this.act<SummaryAck>("claim", {});
  }

  close(resolution: string): Promise<string | null> {
    return this.act<SummaryAck>("close", { resolution });
  }

  handback(resolution: string | null, note: string | null): Promise<string | null> {
    const payload: Record<string, string> = {};
    if (resolution) payload.resolution = resolution;
    if (note) payload.note = note;
    return this.act<SummaryAck>("handback", payload);
  }

  transfer(target: TransferPayload): Promise<string | null> {
    return this.act<SummaryAck>("transfer", target);
  }

  /** Supervisors pick any other agent (or a team); plain agents one of their own teams. */
  async transferTargets(): Promise<TransferTarget[]> {
    const { me, api, store } = this.deps;
    const teamTargets = (teams: string[]) => teams.map((team) => ({ label: `Team: ${team}`, payload: { team } }));
    if (!isSupervisor(me)) return teamTargets(me.teams);
    const current = this.thread ? store.get(this.thread.conversationId)?.assignee?.id : undefined;
    const agents = await api.agents();
    const rank = { online: 0, away: 1, offline: 2 } as const;
    const people = agents
      .filter((a) => a.id !== current)
      .sort((a, b) => rank[a.status] - rank[b.status] || a.name.localeCompare(b.name))
      .map((a) => ({ label: `${a.name} (${a.status}, ${a.active_chats}/${a.max_chats} chats)`, payload: { agent_id: a.id } }));
    const teams = Array.from(new Set(agents.flatMap((a) => a.teams))).sort();
    return [...people, ...teamTargets(teams)];
  }

  private async act<T extends SummaryAck>(event: string, payload: object): Promise<string | null> {
    if (!this.thread) return "No conversation is open.";
    const ack = await this.deps.rpc.call<T>(event, { conversation_id: this.thread.conversationId, ...payload });
    if (!ack.ok) return errorText(ack.error);
    this.applySummary(ack.conversation);
    return null;
  }

  private applySummary(summary: Summary | undefined): void {
    if (!summary) return;
    const change = this.deps.store.upsert(summary);
    this.deps.changed();
    // An answer asked for before a newer change (the detail requested on open, landing after a
    // claim's ack) is older than what the store holds: show the store's, never roll back.
    const current = change?.summary ?? this.deps.store.get(summary.id);
    if (current) this.onSummary(current);
  }

  private async watch(id: string): Promise<void> {
    const ack = await this.deps.rpc.call<WatchAck>("watch", { conversation_id: id });
    if (this.thread?.conversationId !== id) return;
    if (!ack.ok) {
      this.deps.pane.alert.show(`Cannot follow this conversation: ${errorText(ack.error)}`);
      return;
    }
    if (!this.deps.store.get(id)) this.deps.pane.open(ack.conversation, this.deps.me);
    this.applySummary(ack.conversation);
    this.show(ack.messages ?? []);
  }

  private async loadDetail(id: string): Promise<void> {
    try {
      const detail = await this.deps.api.conversation(id);
      if (this.thread?.conversationId !== id) return;
      if (!this.deps.store.get(id)) this.deps.pane.open(detail.conversation, this.deps.me);
      this.applySummary(detail.conversation);
      this.show(detail.messages ?? []);
      this.deps.customer.render(detail.customer, this.deps.store.get(id) ?? detail.conversation);
    } catch (err) {
      if (this.thread?.conversationId === id) this.deps.customer.showError(`Cannot load the customer: ${(err as Error).message}`);
    }
  }

  private show(messages: Message[]): void {
    if (!this.thread) return;
    const fresh = this.thread.add(messages);
    if (fresh.length === 0) return;
    this.deps.pane.log.add(fresh);
    // The visitor said something: whatever they were typing has been sent.
    if (fresh.some((m) => m.sender === "visitor")) this.typingIn.set(false);
    this.updateSeen();
    this.sendRead();
  }

  private updateSeen(): void {
    if (!this.thread) return;
    const s = this.deps.store.get(this.thread.conversationId);
    this.deps.pane.log.setSeen(seenAgentSeq(this.thread.all, s?.visitor_read_seq ?? 0));
  }

  /**
   * What is on screen is read: clear the list's unread marker, and tell the server (and so the
   * visitor) we read their newest message, once per seq.
   */
  private sendRead(): void {
    if (!this.thread || !this.deps.attentive()) return;
    const id = this.thread.conversationId;
    this.deps.store.markRead(id, this.thread.lastSeq);
    this.deps.changed();
    const s = this.deps.store.get(id);
    // Looking at the bot's chat (or a closed one) is not reading on the visitor's behalf.
    if (!s || (s.state !== "assigned" && s.state !== "queued")) return;
    const seq = readSeqToSend(this.thread.all, this.readSent);
    if (seq === null) return;
    this.readSent = seq;
    void this.deps.rpc.call("read", { conversation_id: id, seq });
  }

  /** Keep the list preview current for conversations we watch. */
  private noteInLists(m: Message): void {
    const s = this.deps.store.get(m.conversation_id);
    if (!s || m.seq <= (s.last_seq ?? 0)) return;
    // All a message changes in a list entry; the server sends watchers of a conversation no summary for it.
    this.deps.store.upsert({
      ...s, last_seq: m.seq, updated_at: m.created_at, last_message: { seq: m.seq, sender: m.sender, text: (m.text ?? "").slice(0, 140) },
    });
    this.deps.changed();
  }
}
