/** The conversation lists: a tab per list with its count, and one button per conversation. */
import { formatDuration, humanize, secondsSince } from "../format";
import { VIEW_LABELS, type ConversationStore, type ViewName } from "../lists";
import type { Summary } from "../protocol";
import { clear, el } from "./dom";

export interface ListHandlers {
  selectView(view: ViewName): void;
  open(conversationId: string): void;
}

const SENDER_PREFIX: Record<string, string> = { visitor: "Visitor", bot: "Bot", agent: "Agent", system: "" };

/** How a conversation is named in lists: the identified customer's name, the email left offline, else a short visitor id. */
export function visitorLabel(s: Pick<Summary, "contact_email" | "visitor_id" | "visitor_name">): string {
  if (s.visitor_name) return s.visitor_name;
  if (s.contact_email) return s.contact_email;
  return s.visitor_id ? `Visitor ${s.visitor_id.slice(0, 6)}` : "Visitor";
}

export class ListsView {
  readonly element: HTMLElement;
  private readonly tabs = new Map<ViewName, { tab: HTMLButtonElement; count: HTMLElement }>();
  private readonly panel: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly empty: HTMLElement;

  constructor(
    private readonly views: ViewName[],
    private readonly handlers: ListHandlers,
  ) {
    const tablist = el("div", { className: "tabs", attrs: { role: "tablist", "aria-label": "Conversation lists" } });
    for (const view of views) {
      const count = el("span", { className: "count", text: "0", data: { count: view } });
      const tab = el("button", { className: "tab", id: `tab-${view}`, data: { view }, attrs: { role: "tab", "aria-controls": "conversation-list-panel" } }, el("span", { text: VIEW_LABELS[view] }), " ", count);
      tab.type = "button";
      tab.addEventListener("click", () => handlers.selectView(view));
      tab.addEventListener("keydown", (e) => this.onTabKey(e, view));
      this.tabs.set(view, { tab, count });
      tablist.appendChild(tab);
    }
    this.list = el("ul", { className: "conv-list" });
    this.empty = el("p", { className: "empty", text: "No conversations here." });
    this.panel = el("div", { className: "tabpanel", id: "conversation-list-panel", attrs: { role: "tabpanel" } }, this.list, this.empty);
    this.list.addEventListener("click", (e) => {
      const target = (e.target as HTMLElement).closest<HTMLElement>("[data-conversation-id]");
      if (target?.dataset.conversationId) handlers.open(target.dataset.conversationId);
    });
    this.element = el("nav", { className: "lists", attrs: { "aria-label": "Conversations" } }, tablist, this.panel);
  }

  render(store: ConversationStore, active: ViewName, openId: string | null, nowMs: number): void {
    const counts = store.counts();
    for (const [view, { tab, count }] of this.tabs) {
      const selected = view === active;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      count.textContent = String(counts[view]);
    }
    this.panel.setAttribute("aria-labelledby", `tab-${active}`);

    const focusedId = (document.activeElement as HTMLElement | null)?.dataset?.conversationId;
    const items = store.list(active);
    clear(this.list);
    for (const s of items) this.list.appendChild(this.item(s, store.isUnread(s), s.id === openId, active, nowMs));
    this.empty.hidden = items.length > 0;
    if (focusedId) this.list.querySelector<HTMLElement>(`[data-conversation-id="${CSS.escape(focusedId)}"]`)?.focus();
  }

  private item(s: Summary, unread: boolean, open: boolean, view: ViewName, nowMs: number): HTMLLIElement {
    const b = el("button", { className: "conv", data: { conversationId: s.id, state: s.state } });
    b.type = "button";
    if (open) b.setAttribute("aria-current", "true");
    if (unread) b.dataset.unread = "true";

    const top = el(
      "span",
      { className: "conv-top" },
      el("span", { className: "who", text: visitorLabel(s) }),
      s.language ? el("span", { className: "lang", text: s.language.toUpperCase(), attrs: { title: "Language" } }) : null,
    );
    const meta = el("span", { className: "conv-meta" });
    if (s.handoff_reason) meta.appendChild(el("span", { className: "reason", text: humanize(s.handoff_reason) }));
    if (s.state === "queued") {
      meta.appendChild(el("span", { className: "wait", text: `Waiting ${formatDuration(secondsSince(s.queued_at ?? s.created_at, nowMs))}` }));
    }
    if (view === "all") meta.appendChild(el("span", { className: `state-badge ${s.state}`, text: s.assignee && s.state === "assigned" ? s.assignee.name : humanize(s.state) }));
    if (s.team) meta.appendChild(el("span", { className: "team", text: s.team }));

    const last = s.last_message;
    const preview = el("span", { className: "preview" });
    if (last) {
      const prefix = SENDER_PREFIX[last.sender];
      if (prefix) preview.appendChild(el("span", { className: "preview-sender", text: `${prefix}: ` }));
      preview.appendChild(document.createTextNode(last.text || "…"));
    } else {
      preview.textContent = "No messages yet";
    }
    const dot = unread ? el("span", { className: "unread-dot", attrs: { "aria-hidden": "true" } }) : null;
    b.append(top, meta, preview);
    if (dot) b.appendChild(dot);
    // A short name (who, unread) and the rest as description, so visitors' words never become
    // part of a button's name (a message saying "close" must not read as a Close button).
    b.setAttribute("aria-label", unread ? `${visitorLabel(s)}, unread` : visitorLabel(s));
    meta.id = `conv-meta-${s.id}`;
    preview.id = `conv-preview-${s.id}`;
    b.setAttribute("aria-describedby", `${meta.id} ${preview.id}`);
    return el("li", {}, b);
  }

  private onTabKey(e: KeyboardEvent, view: ViewName): void {
    const i = this.views.indexOf(view);
    let next: number | null = null;
    if (e.key === "ArrowRight") next = (i + 1) % this.views.length;
    else if (e.key === "ArrowLeft") next = (i - 1 + this.views.length) % this.views.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = this.views.length - 1;
    if (next === null) return;
    e.preventDefault();
    const target = this.views[next];
    this.handlers.selectView(target);
    this.tabs.get(target)?.tab.focus();
  }
}
