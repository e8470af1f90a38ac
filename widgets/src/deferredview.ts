/**
 * The ChatView the client talks to from page load: it remembers every call until the panel
 * (loaded on demand) is attached, replays them to it in order, and forwards from then on.
 * Messages also go to the alerts (unread count, sound), which work without the panel.
 */
import type { Alerts } from "./alerts";
import type { ChatView, ConnectionStatus } from "./client";
import type { OutboxItem } from "./outbox";
import type { Conversation, ErrorBody, Message, QueueEvent } from "./protocol";

type Call = { [K in keyof ChatView]: [K, Parameters<ChatView[K]>] }[keyof ChatView];

export class DeferredView implements ChatView {
  private target: ChatView | null = null;
  private calls: Call[] = [];

  constructor(private readonly alerts: Alerts) {}

  /** The number of calls waiting for the panel. */
  get waiting(): number {
    return this.calls.length;
  }

  attach(target: ChatView): void {
    const calls = this.calls;
    this.calls = [];
    this.target = target;
    for (const [name, args] of calls) (target[name] as (...a: unknown[]) => void)(...args);
  }

  showMessage(message: Message, live: boolean): void {
    this.alerts.message(message, live);
    this.call(["showMessage", [message, live]]);
  }
  showPending(item: OutboxItem): void {
    this.call(["showPending", [item]]);
  }
  markSent(clientId: string, message: Message): void {
    this.call(["markSent", [clientId, message]]);
  }
  markFailed(clientId: string, error: ErrorBody): void {
    this.call(["markFailed", [clientId, error]]);
  }
  clearMessages(): void {
    // Nothing before this matters to a panel that was not there: the client sends the state again.
    if (!this.target) this.calls = [];
    this.call(["clearMessages", []]);
  }
  setStatus(status: ConnectionStatus): void {
    this.call(["setStatus", [status]]);
  }
  setConversation(conversation: Conversation): void {
    this.alerts.conversation(conversation);
    this.call(["setConversation", [conversation]]);
  }
  setTyping(typing: boolean, name?: string): void {
    this.call(["setTyping", [typing, name]]);
  }
  setQueue(queue: QueueEvent | null): void {
    this.call(["setQueue", [queue]]);
  }
  offerLeaveMessage(offer: boolean): void {
    this.call(["offerLeaveMessage", [offer]]);
  }
  leftMessage(email: string): void {
    this.call(["leftMessage", [email]]);
  }
  leaveMessageRefused(error: ErrorBody): void {
    this.call(["leaveMessageRefused", [error]]);
  }
  markSeen(conversationId: string, seq: number): void {
    this.call(["markSeen", [conversationId, seq]]);
  }

  private call(call: Call): void {
    if (this.target) (this.target[call[0]] as (...a: unknown[]) => void)(...call[1]);
    else this.calls.push(call);
  }
}
