/** The supervisor dashboard: live figures as text and charts, agents, canned responses. */
import type { Api } from "../api";
import { containmentSeries, figures, resolutionSeries, stateSeries, timingSeries } from "../dashboard-model";
import { humanize } from "../format";
import type { Agent, Canned, Dashboard } from "../protocol";
import { CannedManager } from "./canned-manager";
import { ChartCard } from "./charts";
import { alertRegion, clear, el } from "./dom";

export const DASHBOARD_POLL_MS = 5_000;
const EVENT_DEBOUNCE_MS = 800;

export class DashboardView {
  readonly element: HTMLElement;
  readonly canned: CannedManager;
  private readonly figureList: HTMLElement;
  private readonly updated: HTMLElement;
  private readonly error = alertRegion();
  private readonly agentsBody: HTMLElement;
  private readonly charts = {
    state: new ChartCard("Conversations by state", "bar"),
    containment: new ChartCard("Bot containment rate", "doughnut", "%"),
    timing: new ChartCard("Wait and first-response times (seconds)", "horizontal-bar", " s"),
    resolution: new ChartCard("Closed by resolution (24 h)", "bar"),
  };
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private debounceTimer: ReturnType<typeof setTimeout> | undefined;
  private visible = false;
  private loading = false;
  /** A reload asked for while one was in flight: it runs when that one ends, so no change is missed. */
  private reloadWanted = false;

  constructor(
    private readonly api: Api,
    cannedChanged: (items: Canned[]) => void,
  ) {
    this.figureList = el("dl", { className: "figures", attrs: { "aria-label": "Live figures" } });
    this.updated = el("p", { className: "muted updated" });
    this.agentsBody = el("tbody");
    const agentsTable = el(
      "table",
      { className: "agents-table" },
      el("caption", { className: "sr-only", text: "Agents" }),
      el("thead", {}, el("tr", {}, ...["Agent", "Role", "Status", "Active chats", "Teams"].map((h) => el("th", { text: h, attrs: { scope: "col" } })))),
      this.agentsBody,
    );
    this.canned = new CannedManager(api, cannedChanged);
    this.element = el(
      "section",
      { className: "dashboard", id: "panel-dashboard", attrs: { role: "tabpanel", "aria-labelledby": "section-dashboard" } },
      el("div", { className: "dash-head" }, el("h2", { text: "Dashboard" }), this.updated),
      this.error,
      this.figureList,
      el("div", { className: "chart-grid" }, this.charts.state.element, this.charts.containment.element, this.charts.timing.element, this.charts.resolution.element),
      el("div", { className: "dash-lower" }, el("section", { className: "card", attrs: { "aria-labelledby": "agents-title" } }, el("h3", { id: "agents-title", text: "Agents" }), agentsTable), this.canned.element),
    );
    this.element.hidden = true;
  }

  show(): void {
    this.element.hidden = false;
    this.visible = true;
    void this.load();
    clearInterval(this.pollTimer);
    this.pollTimer = setInterval(() => void this.load(), DASHBOARD_POLL_MS);
  }

  hide(): void {
    this.element.hidden = true;
    this.visible = false;
    clearInterval(this.pollTimer);
  }

  /** A conversation changed: reload soon, once for a burst of events. */
  poke(): void {
    if (!this.visible) return;
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => void this.load(), EVENT_DEBOUNCE_MS);
  }

  dispose(): void {
    this.hide();
    clearTimeout(this.debounceTimer);
    for (const c of Object.values(this.charts)) c.destroy();
  }

  private async load(): Promise<void> {
    if (this.loading) {
      // The load in flight may have read the figures before this change: read them again after it.
      this.reloadWanted = true;
      return;
    }
    this.loading = true;
    try {
      const [dashboard, agents] = await Promise.all([this.api.dashboard(), this.api.agents()]);
      if (!this.visible) return;
      this.render(dashboard, agents);
      this.error.show(null);
    } catch (err) {
      this.error.show(`Cannot load the dashboard: ${(err as Error).message}`);
    } finally {
      this.loading = false;
      if (this.reloadWanted) {
        this.reloadWanted = false;
        void this.load();
      }
    }
  }

  private render(d: Dashboard, agents: Agent[]): void {
    clear(this.figureList);
    for (const f of figures(d)) {
      this.figureList.appendChild(el("div", { className: "figure", data: { figure: f.key } }, el("dt", { text: f.label }), el("dd", { text: f.value })));
    }
    this.updated.textContent = `Updated ${new Date().toLocaleTimeString("en")} · last ${d.window_h ?? 24} h`;
    this.charts.state.update(stateSeries(d));
    this.charts.containment.update(containmentSeries(d));
    this.charts.timing.update(timingSeries(d));
    this.charts.resolution.update(resolutionSeries(d));

    clear(this.agentsBody);
    for (const a of [...agents].sort((x, y) => x.name.localeCompare(y.name))) {
      this.agentsBody.appendChild(
        el(
          "tr",
          { data: { agentId: a.id } },
          el("td", { text: a.name }),
          el("td", { text: humanize(a.role) }),
          el("td", {}, el("span", { className: `presence ${a.status}`, text: humanize(a.status) })),
          el("td", { className: "num", text: `${a.active_chats} / ${a.max_chats}` }),
          el("td", { text: a.teams.join(", ") || "–" }),
        ),
      );
    }
  }
}
