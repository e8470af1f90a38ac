/** The launcher button and chat panel inside a shadow root; implements the client's ChatView. */
import type { ChatView, ConnectionStatus } from "./client";
import type { WidgetConfig } from "./config";
import { fill, plain, queueText, subtitleFor } from "./handoff";
import { directionFor, stringsFor, type Strings } from "./i18n";
import { LeaveForm } from "./leaveform";
import type { OutboxItem } from "./outbox";
import type { Conversation, ErrorBody, Message, QueueEvent, QuickReplyButton } from "./protocol";
import { MessageList, setFilled } from "./render";
import { stylesFor } from "./styles";

export interface UiActions {
  /** The visitor opened the panel (first time: time to start the session). */
  opened(): void;
  closed(): void;
  send(text: string, quickReply?: string): void;
  typed(): void;
  /** The visitor starts or stops seeing the log (panel open and page visible). */
  watching(watching: boolean): void;
  leaveMessage(email: string, text: string): void;
}

const HANDOFF_PAYLOAD = "/human_handoff";
const CHAT_ICON = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8.5L4 21.5V18a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z";
const CLOSE_ICON = "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z";

function icon(path: string): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const p = document.createElementNS(ns, "path");
  p.setAttribute("d", path);
  svg.appendChild(p);
  return svg;
}

/** Constructable stylesheets are not blocked by a CSP without 'unsafe-inline'; <style> is the fallback. */
function adoptStyles(shadow: ShadowRoot, css: string): void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [sheet];
  } catch {
    const style = document.createElement("style");
    style.textContent = css;
    shadow.appendChild(style);
  }
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class ChatUi implements ChatView {
  private readonly t: Strings;
  private readonly language: string;
  private readonly shadow: ShadowRoot;
  private readonly launcher: HTMLButtonElement;
  private readonly launcherIcon: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly panel: HTMLElement;
  private readonly status: HTMLElement;
  private readonly subtitle: HTMLElement;
  private readonly typingLine: HTMLElement;
  private readonly leave: LeaveForm;
  private readonly input: HTMLTextAreaElement;
  private readonly list: MessageList;
  private isOpen = false;
  private unread = 0;
  private connection: ConnectionStatus = "idle";
  private conversation: Conversation | null = null;
  private queue: QueueEvent | null = null;
  private watching = false;

  constructor(config: WidgetConfig, private readonly actions: UiActions) {
    this.t = stringsFor(config.language);
    this.language = config.language;
    const t = this.t;

    const host = document.createElement("shopchat-widget");
    // Set through the CSSOM (allowed by a strict style-src CSP) and inline, so the
    // shop's stylesheet cannot restyle the host element itself.
    host.style.setProperty("all", "initial");
    host.style.setProperty("display", "contents");
    const shadow = (this.shadow = host.attachShadow({ mode: "open" }));
    adoptStyles(shadow, stylesFor(config));
    const root = el("div", "root");
    root.lang = config.language;
    shadow.append(root);

    const idBase = "shopchat-" + Math.random().toString(36).slice(2, 8);
    this.launcher = el("button", "launcher");
    this.launcher.type = "button";
    this.launcher.setAttribute("aria-controls", `${idBase}-panel`);
    this.launcherIcon = el("span", "");
    this.launcherIcon.style.display = "contents";
    this.badge = el("span", "badge");
    this.badge.hidden = true;
    this.badge.setAttribute("aria-hidden", "true");
    this.launcher.append(this.launcherIcon, this.badge);
    this.launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));

    this.panel = el("div", "panel");
    this.panel.id = `${idBase}-panel`;
    this.panel.hidden = true;
    this.panel.dir = directionFor(config.language);
    this.panel.setAttribute("role", "dialog");
    this.panel.setAttribute("aria-label", t.title);
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        this.close();
      }
    });

    const header = el("div", "header");
    const heading = el("div", "heading");
    this.subtitle = el("p", "subtitle", t.bot);
    heading.append(el("h2", "title", t.title), this.subtitle);
    const closeButton = el("button", "icon-button");
    closeButton.type = "button";
    closeButton.setAttribute("aria-label", t.closeChat);
    closeButton.appendChild(icon(CLOSE_ICON));
    closeButton.addEventListener("click", () => this.close());
    header.append(heading, closeButton);

    this.status = el("div", "status");
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    this.status.hidden = true;

    const log = el("div", "log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-label", t.title);
    log.tabIndex = 0;
    log.appendChild(el("div", "greeting", t.greeting));
    this.list = new MessageList(log, t, (b: QuickReplyButton) => this.actions.send(b.title, b.payload));

    this.typingLine = el("div", "typing", t.typing);
    this.typingLine.hidden = true;

    this.leave = new LeaveForm(t, idBase, (email, text) => this.actions.leaveMessage(email, text));

    const footer = el("div", "footer");
    const handoff = el("button", "handoff", t.talkToPerson);
    handoff.type = "button";
    handoff.addEventListener("click", () => this.actions.send(t.talkToPersonText, HANDOFF_PAYLOAD));
    const form = el("form", "form");
    const label = el("label", "sr-only", t.inputLabel);
    label.htmlFor = `${idBase}-input`;
    this.input = el("textarea", "input");
    this.input.id = `${idBase}-input`;
    this.input.rows = 1;
    this.input.placeholder = t.placeholder;
    this.input.maxLength = 2000;
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    this.input.addEventListener("input", () => {
      this.autoGrow();
      this.actions.typed();
    });
    const sendButton = el("button", "send", t.send);
    sendButton.type = "submit";
    form.append(label, this.input, sendButton);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = this.input.value;
      if (text.trim() === "") return;
      this.input.value = "";
      this.autoGrow();
      this.actions.send(text);
      this.input.focus();
    });
    footer.append(handoff, form);

    this.panel.append(header, this.status, log, this.typingLine, this.leave.element, footer);
    root.append(this.panel, this.launcher);
    this.renderLauncher();
    document.addEventListener("visibilitychange", () => this.renderWatching());
    document.body.appendChild(host);
  }

  open(moveFocus = true): void {
    if (this.isOpen) return;
    this.isOpen = true;
    this.panel.hidden = false;
    this.unread = 0;
    this.renderLauncher();
    this.list.scrollToEnd();
    if (moveFocus) this.focusFirst();
    this.actions.opened();
    this.renderWatching();
  }

  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.panel.hidden = true;
    this.renderLauncher();
    this.launcher.focus();
    this.actions.closed();
    this.renderWatching();
  }

  // --- ChatView -----------------------------------------------------------------------

  showMessage(message: Message, live: boolean): void {
    this.list.follow(() => this.list.addMessage(message));
    if (live && !this.isOpen && message.sender !== "visitor") {
      this.unread += 1;
      this.renderLauncher();
    }
  }

  showPending(item: OutboxItem): void {
    this.list.follow(() => this.list.addPending(item), true);
  }

  markSent(clientId: string, message: Message): void {
    this.list.follow(() => this.list.markSent(clientId, message));
  }

  markFailed(clientId: string, error: ErrorBody): void {
    this.list.markFailed(clientId, error.message || error.code);
  }

  clearMessages(): void {
    this.list.clear();
    this.leave.reset();
  }

  setStatus(status: ConnectionStatus): void {
    this.connection = status;
    this.renderStatus();
  }

  setConversation(conversation: Conversation): void {
    // The thank-you line is for a visitor still waiting; it goes once someone (or the bot) takes over.
    if (conversation.state !== "queued") this.leave.reset();
    this.conversation = conversation;
    setFilled(this.subtitle, subtitleFor(conversation, this.t));
    this.renderStatus();
  }

  setTyping(typing: boolean, name?: string): void {
    const t = this.t;
    setFilled(this.typingLine, name ? fill(t.typingNamed, "{name}", name) : plain(t.typing));
    this.list.follow(() => (this.typingLine.hidden = !typing));
  }

  setQueue(queue: QueueEvent | null): void {
    this.queue = queue;
    this.renderStatus();
  }

  offerLeaveMessage(offer: boolean): void {
    const wasShown = this.leave.showsForm;
    this.leave.offer(offer);
    // Focus the form when it appears while the visitor is in the chat, not on a page load that restores it.
    if (!wasShown && this.leave.showsForm && this.isOpen && this.shadow.activeElement) this.leave.focus();
  }

  leftMessage(email: string): void {
    this.leave.thank(email);
  }

  leaveMessageRefused(error: ErrorBody): void {
    this.leave.refuse(error);
  }

  markSeen(conversationId: string, seq: number): void {
    this.list.follow(() => this.list.markSeen(conversationId, seq));
  }

  // --- rendering ----------------------------------------------------------------------

  private renderStatus(): void {
    const t = this.t;
    let text = "";
    if (this.connection === "connecting") text = t.connecting;
    else if (this.connection === "reconnecting") text = t.reconnecting;
    else if (this.connection === "online" && this.conversation?.state === "queued") {
      text = (this.queue && queueText(this.queue, t, this.language)) || t.waitingForPerson;
    }
    this.status.textContent = text;
    this.status.hidden = text === "";
  }

  private renderLauncher(): void {
    const t = this.t;
    this.launcher.setAttribute("aria-expanded", String(this.isOpen));
    this.launcher.setAttribute("aria-label", this.isOpen ? t.closeChat : this.unread > 0 ? t.openChatUnread : t.openChat);
    this.launcherIcon.replaceChildren(icon(this.isOpen ? CLOSE_ICON : CHAT_ICON));
    this.badge.textContent = this.unread > 9 ? "9+" : String(this.unread);
    this.badge.hidden = this.isOpen || this.unread === 0;
  }

  private renderWatching(): void {
    const watching = this.isOpen && document.visibilityState === "visible";
    if (watching === this.watching) return;
    this.watching = watching;
    this.actions.watching(watching);
  }

  /** Into the panel: the leave-a-message form while it is offered, else the chat input. */
  private focusFirst(): void {
    if (this.leave.showsForm) this.leave.focus();
    else this.input.focus();
  }

  private autoGrow(): void {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 120)}px`;
  }
}
