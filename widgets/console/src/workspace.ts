/**
 * The signed-in console: wires the socket's events to the lists, the open conversation,
 * notifications and the dashboard, and the UI's intents back to socket requests.
 */
import type { Api } from "./api";
import type { AuthSession } from "./auth";
import { ConversationController } from "./conversation";
import { humanize } from "./format";
import { ConversationStore, viewsFor, type ViewName } from "./lists";
import { isSupervisor, type Agent, type Canned, type NotificationEvent, type ReadEvent, type ReducedSummary, type Message, type TypingEvent } from "./protocol";
import { PresenceSender } from "./presence";
import { Rpc } from "./rpc";
import { realScheduler } from "./scheduler";
import { AgentSocket, type SocketListener } from "./socket";
import { ConversationPane } from "./ui/conversation";
import { CustomerPanel } from "./ui/customer";
import { DashboardView } from "./ui/dashboard";
import { OffersView } from "./ui/offers";
import { el } from "./ui/dom";
import { Header, type Section } from "./ui/header";
import { ListsView } from "./ui/lists";
import { Notifier } from "./ui/notifier";

export const HEARTBEAT_MS = 15_000;
const CLOCK_TICK_MS = 15_000;
const LIST_RELOAD_DEBOUNCE_MS = 1_000;

const NOTIFICATION_TEXT: Record<NotificationEvent["kind"], string> = {
  handoff: "New chat waiting",
  assigned: "A conversation was assigned to you",
  offline_message: "New offline message",
  transferred: "A conversation was transferred to you",
};

export interface WorkspaceDeps {
  api: Api;
  auth: AuthSession;
  me: Agent;
  /** The agent pressed "Log out". */
  logout(): void;
  /** The server logged this session out (another tab, an admin) or refused it for good. */
  ended(notice: string): void;
}

export class Workspace implements SocketListener {
  readonly element: HTMLElement;
  private readonly me: Agent;
  private readonly socket: AgentSocket;
  private readonly rpc: Rpc;
  private readonly store: ConversationStore;
  private readonly header: Header;
  private readonly lists: ListsView;
  private readonly pane: ConversationPane;
  private readonly customer = new CustomerPanel();
  private readonly notifier = new Notifier();
  private readonly chat: ConversationController;
  private readonly dashboard: DashboardView | null;
  private readonly offers: OffersView | null;
  private readonly main: HTMLElement;
  private readonly views: ViewName[];
  private activeView: ViewName = "waiting";
  private canned: Canned[] = [];
  private reauthing: Promise<unknown> = Promise.resolve();
  private listsLoaded = false;
  private renderQueued = false;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private readonly onFocus = () => this.chat.attentionRegained();
  private readonly presence: PresenceSender;

  constructor(private readonly deps: WorkspaceDeps) {
    this.me = deps.me;
    this.views = viewsFor(this.me);
    this.store = new ConversationStore(this.me);
    this.socket = new AgentSocket(() => deps.auth.token, this);
    this.rpc = new Rpc(this.socket, () => this.renew());
    this.presence = new PresenceSender((status) => this.rpc.call("presence", { status }));

    this.header = new Header(this.me, isSupervisor(this.me), this.notifier.sound, {
      status: (status) => this.presence.set(status),
      sound: (on) => this.notifier.setSound(on),
      section: (section) => this.showSection(section),
      logout: () => deps.logout(),
    });
    this.lists = new ListsView(this.views, {
      selectView: (view) => {
        this.activeView = view;
        this.notifier.seen();
        this.render();
      },
      open: (id) => {
        this.notifier.seen();
        void this.chat.open(id);
      },
    });
    this.pane = new ConversationPane(
      {
        claim: () => this.chat.claim(),
        close: (resolution) => this.chat.close(resolution),
        handback: (resolution, note) => this.chat.handback(resolution, note),
        transfer: (target) => this.chat.transfer(target),
        transferTargets: () => this.chat.transferTargets(),
      },
      {
        send: (text) => this.chat.send(text),
        typed: () => this.chat.typed(),
        stoppedTyping: () => this.chat.stoppedTyping(),
      },
      () => this.canned,
    );
    this.chat = new ConversationController({
      me: this.me,
      api: deps.api,
      link: this.socket,
      rpc: this.rpc,
      renew: () => this.renew(),
      store: this.store,
      pane: this.pane,
      customer: this.customer,
      scheduler: realScheduler,
      changed: () => this.render(),
      attentive: () => document.visibilityState === "visible" && document.hasFocus(),
    });
    this.dashboard = isSupervisor(this.me)
      ? new DashboardView(deps.api, (items) => {
          this.canned = items;
        })
      : null;
    this.offers = isSupervisor(this.me) ? new OffersView(deps.api) : null;

    this.main = el(
      "main",
      { className: "workspace", id: "panel-conversations", attrs: isSupervisor(this.me) ? { role: "tabpanel", "aria-labelledby": "section-conversations" } : {} },
      this.lists.element,
      this.pane.element,
      this.customer.element,
    );
    this.element = el("div", { className: "app" }, this.header.element, this.main, this.dashboard?.element ?? null, this.offers?.element ?? null, this.notifier.element);
  }

  start(): void {
    this.socket.connect();
    void this.loadLists();
    void this.loadCanned();
    this.timers.push(setInterval(() => this.presence.set(this.header.status), HEARTBEAT_MS));
    this.timers.push(setInterval(() => this.render(), CLOCK_TICK_MS));
    window.addEventListener("focus", this.onFocus);
    this.render();
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.reloadTimer);
    window.removeEventListener("focus", this.onFocus);
    this.chat.sendQueue.clear();
    this.dashboard?.dispose();
    this.offers?.dispose();
    this.notifier.dispose();
    this.socket.close();
  }

  /** A refreshed token: the socket must use it from now on (`reauth`; reconnections read it themselves). */
  tokenRenewed(token: string): void {
    if (this.socket.connected) this.reauthing = this.socket.request("reauth", { token }).catch(() => undefined);
  }

  unlockAudio(): void {
    this.notifier.unlockAudio();
  }

  // SocketListener

  connected(): void {
    this.header.setConnection("online");
    this.presence.set(this.header.status);
    // Also on the first connect: what changed between the first load and joining the rooms came as
    // events nobody here received (a slow connect once left a queued chat showing "with the bot").
    void this.loadLists();
    void this.chat.rewatch();
  }

  disconnected(): void {
    if (!this.disposed) this.header.setConnection("offline");
  }

  refused(_code: string): void {
    if (this.disposed) return;
    this.header.setConnection("offline");
    // An expired or revoked token: a refresh either gets a new one or ends the session.
    void this.deps.auth.refreshNow().then((outcome) => {
      if (outcome === "refreshed" && !this.disposed) this.socket.connect();
      else if (outcome === "failed" && !this.disposed) {
        setTimeout(() => {
          if (!this.disposed) this.socket.connect();
        }, 5_000);
      }
    });
  }

  conversation(event: ReducedSummary): void {
    const change = this.store.upsert(event);
    if (change) {
      const { summary, before, after } = change;
      if (this.listsLoaded && after.has("waiting") && !before.has("waiting")) {
        this.notifier.notify(`waiting:${summary.id}`, noticeText(NOTIFICATION_TEXT.handoff, summary.handoff_reason));
      }
      this.chat.onSummary(summary);
      // State changes arrive without a preview; a new arrival then needs the list's copy.
      if (!summary.last_message && summary.last_seq > 0) this.reloadListsSoon();
    }
    this.dashboard?.poke();
    this.render();
  }

  message(message: Message): void {
    this.chat.onMessage(message);
  }

  typing(event: TypingEvent): void {
    this.chat.onTyping(event);
  }

  read(event: ReadEvent): void {
    this.chat.onRead(event);
  }

  notification(event: NotificationEvent): void {
    // The agent is looking at that very conversation (e.g. just claimed it): nothing new to them.
    if (event.conversation_id === this.chat.currentId && document.hasFocus()) return;
    const key = event.kind === "handoff" ? `waiting:${event.conversation_id}` : `${event.kind}:${event.conversation_id}`;
    this.notifier.notify(key, noticeText(NOTIFICATION_TEXT[event.kind] ?? "New activity", event.reason));
  }

  loggedOut(): void {
    this.deps.ended("You were logged out.");
  }

  // Internals

  private async renew(): Promise<string> {
    const outcome = await this.deps.auth.refreshNow();
    if (outcome === "refreshed") await this.reauthing;
    return outcome;
  }

  private async loadLists(): Promise<void> {
    // Fetched together, applied in this order: "all" first, so the specific lists can drop what left them.
    const order = (["all", "bot", "waiting", "offline", "mine"] as ViewName[]).filter((v) => this.views.includes(v));
    const fetchedFrom = this.store.mark();
    const results = await Promise.allSettled(order.map((v) => this.deps.api.conversations(v)));
    if (this.disposed) return;
    results.forEach((r, i) => {
      if (r.status === "fulfilled") this.store.load(order[i], r.value, fetchedFrom);
    });
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) this.pane.alert.show(`Cannot load the lists: ${(failed.reason as Error).message}`);
    this.listsLoaded = true;
    this.render();
  }

  private reloadListsSoon(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => void this.loadLists(), LIST_RELOAD_DEBOUNCE_MS);
  }

  private async loadCanned(): Promise<void> {
    try {
      this.canned = await this.deps.api.canned();
      this.dashboard?.canned.set(this.canned);
    } catch {
      // Replies still work without canned responses; the dashboard shows its own errors.
    }
  }

  private showSection(section: Section): void {
    this.header.setSection(section);
    this.main.hidden = section !== "conversations";
    if (section === "dashboard") this.dashboard?.show();
    else this.dashboard?.hide();
    if (section === "offers") this.offers?.show();
    else this.offers?.hide();
  }

  /** Redraw the lists once per burst of changes. */
  private render(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    queueMicrotask(() => {
      this.renderQueued = false;
      if (!this.disposed) this.lists.render(this.store, this.activeView, this.chat.currentId, Date.now());
    });
  }
}

function noticeText(base: string, reason: string | null | undefined): string {
  return reason ? `${base}: ${humanize(reason)}` : base;
}
