/** The top bar: who is signed in, presence, sound, sections (supervisors) and logout. */
import type { Agent, AgentStatus } from "../protocol";
import { button, el, field, select } from "./dom";

export type Section = "conversations" | "dashboard" | "offers";
const SECTIONS = [["conversations", "Conversations"], ["dashboard", "Dashboard"], ["offers", "Offers"]] as const;

export interface HeaderHandlers {
  status(status: Exclude<AgentStatus, "offline">): void;
  sound(enabled: boolean): void;
  section(section: Section): void;
  logout(): void;
}

export class Header {
  readonly element: HTMLElement;
  private readonly statusSelect: HTMLSelectElement;
  private readonly connection: HTMLElement;
  private readonly sectionTabs = new Map<Section, HTMLButtonElement>();

  constructor(agent: Agent, showDashboard: boolean, soundOn: boolean, handlers: HeaderHandlers) {
    this.statusSelect = select(
      [
        { value: "online", label: "Online" },
        { value: "away", label: "Away" },
      ],
      agent.status === "away" ? "away" : "online",
    );
    this.statusSelect.id = "presence-status";
    this.statusSelect.addEventListener("change", () => {
      handlers.status(this.statusSelect.value === "away" ? "away" : "online");
      this.statusSelect.dataset.status = this.statusSelect.value;
    });
    this.statusSelect.dataset.status = this.statusSelect.value;

    const sound = el("input", { id: "sound-toggle" });
    sound.type = "checkbox";
    sound.checked = soundOn;
    sound.addEventListener("change", () => handlers.sound(sound.checked));
    const soundLabel = el("label", { className: "toggle" }, sound, " Sound");

    this.connection = el("span", { className: "connection", data: { state: "connecting" }, text: "Connecting…" });

    const sections = el("div", { className: "sections", attrs: { role: "tablist", "aria-label": "Sections" } });
    if (showDashboard) {
      for (const [index, [key, label]] of SECTIONS.entries()) {
        const tab = el("button", { className: "section-tab", text: label, id: `section-${key}`, attrs: { role: "tab", "aria-controls": `panel-${key}` } });
        tab.type = "button";
        tab.addEventListener("click", () => handlers.section(key));
        tab.addEventListener("keydown", (e) => {
          if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
          const step = e.key === "ArrowRight" ? 1 : SECTIONS.length - 1;
          const other = SECTIONS[(index + step) % SECTIONS.length][0];
          handlers.section(other);
          this.sectionTabs.get(other)?.focus();
        });
        this.sectionTabs.set(key, tab);
        sections.appendChild(tab);
      }
      this.setSection("conversations");
    } else {
      sections.hidden = true;
    }

    this.element = el(
      "header",
      { className: "topbar" },
      el("div", { className: "brand" }, el("span", { className: "logo", attrs: { "aria-hidden": "true" } }), el("span", { text: "Agent console" })),
      sections,
      el("div", { className: "spacer" }),
      this.connection,
      el(
        "div",
        { className: "me" },
        el("span", { className: "agent-name", text: agent.name, data: { testid: "agent-name" } }),
        el("span", { className: "role-badge", text: agent.role }),
      ),
      field("Status", this.statusSelect, "field inline"),
      soundLabel,
      button("Log out", () => handlers.logout(), "btn ghost"),
    );
  }

  get status(): Exclude<AgentStatus, "offline"> {
    return this.statusSelect.value === "away" ? "away" : "online";
  }

  setSection(section: Section): void {
    for (const [key, tab] of this.sectionTabs) {
      const active = key === section;
      tab.setAttribute("aria-selected", String(active));
      tab.tabIndex = active ? 0 : -1;
    }
  }

  setConnection(state: "connecting" | "online" | "offline"): void {
    this.connection.dataset.state = state;
    this.connection.textContent = { connecting: "Connecting…", online: "Connected", offline: "Reconnecting…" }[state];
  }
}
