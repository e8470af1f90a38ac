/**
 * The chat panel (in widget-panel.js): header, log, notices and forms, the input. It implements
 * the client's ChatView; the launcher, which stays in widget.js, opens and closes it.
 */
import type { ConnectionStatus } from "./client";
import { ConsentNotice } from "./consentnotice";
import { CsatPrompt } from "./csat";
import { CsatForm } from "./csatform";
import { el, setFilled } from "./dom";
import { isOffer } from "./events";
import { fill, plain, queueText, subtitleFor } from "./handoff";
import { stringsFor, type Strings } from "./i18n";
import { directionFor, launcherStrings } from "./language";
import { LeaveForm } from "./leaveform";
import { OfferReports } from "./offers";
import type { OutboxItem } from "./outbox";
import type { Panel, PanelHost } from "./panelhost";
import { panelStyles } from "./panelstyles";
import type { Conversation, ErrorBody, Message, QueueEvent, QuickReplyButton } from "./protocol";
import { copyText } from "./cards";
import { MessageList } from "./render";
import { CLOSE_ICON, icon } from "./icons";

const HANDOFF_PAYLOAD = "/human_handoff";
const SOUND_ICON = "M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4zM14 3.2v2.1a7 7 0 0 1 0 13.4v2.1a9 9 0 0 0 0-17.6z";
const MUTED_ICON = "M3 9v6h4l5 5V4L7 9H3zm13.6 3 2.9-2.9-1.4-1.4-2.9 2.9-2.9-2.9-1.4 1.4 2.9 2.9-2.9 2.9 1.4 1.4 2.9-2.9 2.9 2.9 1.4-1.4z";


function iconButton(label: string): HTMLButtonElement {
  const button = el("button", "icon-button");
  button.type = "button";
  button.setAttribute("aria-label", label);
  return button;
}

export class ChatUi implements Panel {
  private readonly t: Strings;
  private readonly language: string;
  private readonly shadow: ShadowRoot;
  private readonly panel: HTMLElement;
  private readonly status: HTMLElement;
  private readonly subtitle: HTMLElement;
  private readonly typingLine: HTMLElement;
  private readonly soundButton: HTMLButtonElement;
  private readonly notice: ConsentNotice;
  private readonly leave: LeaveForm;
  private readonly csatForm: CsatForm;
  private readonly csat: CsatPrompt;
  private readonly offers: OfferReports;
  private readonly input: HTMLTextAreaElement;
  private readonly list: MessageList;
  private connection: ConnectionStatus = "idle";
  private conversation: Conversation | null = null;
  private queue: QueueEvent | null = null;
  private isOpen = false;
  readonly id: string;

  constructor(private readonly host: PanelHost) {
    const { config } = host;
    this.t = stringsFor(config.language);
    this.language = config.language;
    this.shadow = host.shadow;
    const t = this.t;
    host.addStyles(panelStyles(config, host.palette));
    const idBase = "shopchat-" + Math.random().toString(36).slice(2, 8);

    this.panel = el("div", "panel");
    this.panel.id = this.id = `${idBase}-panel`;
    this.panel.hidden = true;
    this.panel.dir = directionFor(config.language);
    this.panel.setAttribute("role", "dialog");
    this.panel.setAttribute("aria-label", t.title);
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        host.close();
      }
    });

    const header = el("div", "header");
    const heading = el("div", "heading");
    this.subtitle = el("p", "subtitle", t.bot);
    heading.append(el("h2", "title", t.title), this.subtitle);
    this.soundButton = iconButton(t.sound);
    this.soundButton.classList.add("sound");
    this.soundButton.addEventListener("click", () => {
      host.sound.set(!host.sound.enabled);
      this.renderSound();
    });
    const closeButton = iconButton(launcherStrings(config.language).closeChat);
    closeButton.appendChild(icon(CLOSE_ICON));
    closeButton.addEventListener("click", () => host.close());
    header.append(heading, this.soundButton, closeButton);

    this.status = el("div", "status");
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    this.status.hidden = true;

    this.offers = new OfferReports(host.store, (event, props) => host.track(event, props));
    const log = el("div", "log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-label", t.title);
    log.tabIndex = 0;
    log.appendChild(el("div", "greeting", t.greeting));
    this.list = new MessageList(log, t, config.language, {
      quickReply: (b: QuickReplyButton) => host.send(b.title, b.payload),
      offer: (message) => ({
        used: () => isOffer(message.payload) && this.offers.usedOffer(message, message.payload.offer_id),
        copy: copyText,
      }),
    });

    this.typingLine = el("div", "typing", t.typing);
    this.typingLine.hidden = true;

    this.notice = new ConsentNotice(t, config.privacyUrl, (granted) => {
      const hadFocus = this.notice.hasFocus();
      host.consent.set("tracking", granted);
      if (hadFocus) this.input.focus();
    });
    host.consent.onChange(() => this.notice.show(host.consent.needsNotice));
    this.notice.show(host.consent.needsNotice);

    this.leave = new LeaveForm(t, idBase, (email, text) => host.leaveMessage(email, text));
    this.csatForm = new CsatForm(t, idBase, (rating, comment) => void this.csat.submit(rating, comment));
    // It does not take focus when it appears: the visitor may be typing a message.
    this.csat = new CsatPrompt((state, problem) => this.csatForm.render(state, problem), (event, payload) => host.request(event, payload));

    const footer = el("div", "footer");
    const handoff = el("button", "handoff", t.talkToPerson);
    handoff.type = "button";
    handoff.addEventListener("click", () => host.send(t.talkToPersonText, HANDOFF_PAYLOAD));
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
      host.typed();
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
      host.send(text);
      this.input.focus();
    });
    footer.append(handoff, form);

    this.panel.append(header, this.status, log, this.typingLine, this.notice.element, this.leave.element, this.csatForm.element, footer);
    host.root.prepend(this.panel);
    this.renderSound();
  }

  show(moveFocus: boolean): void {
    this.isOpen = true;
    this.panel.hidden = false;
    this.renderSound();
    this.list.scrollToEnd();
    if (moveFocus) this.focusFirst();
  }

  hide(): void {
    this.isOpen = false;
    this.panel.hidden = true;
  }

  setWatching(watching: boolean): void {
    this.offers.setWatching(watching);
  }

  // --- ChatView -----------------------------------------------------------------------

  showMessage(message: Message): void {
    this.csat.message(message);
    const shown = this.list.follow(() => this.list.addMessage(message));
    if (shown && isOffer(message.payload)) this.offers.rendered(message, message.payload.offer_id);
  }

  showPending(item: OutboxItem): void {
    this.list.follow(() => this.list.addPending(item), true);
  }

  markSent(clientId: string, message: Message): void {
    this.csat.message(message);
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
    this.csat.conversation(conversation);
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

  private renderSound(): void {
    const on = this.host.sound.enabled;
    this.soundButton.setAttribute("aria-pressed", String(on));
    this.soundButton.replaceChildren(icon(on ? SOUND_ICON : MUTED_ICON));
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
