/** Supervisors' Offers section: results per offer (conversion chart, uplift with its interval, funnel),
 * a CSV download of everything, and a form to define a new offer. */
import type { Api } from "../api";
import { humanize } from "../format";
import { armRows, conversionSeries, offerFromForm, upliftSeries, type OfferForm } from "../offers-model";
import type { OfferReport } from "../protocol";
import { ChartCard, IntervalChart } from "./charts";
import { alertRegion, button, clear, el, field, select } from "./dom";

const POLL_MS = 15_000;
const KINDS = ["discount_code", "free_shipping", "loyalty_perk", "content"];
const TRIGGERS = ["cart_abandoned", "churn_risk_return", "complaint_closed", "repeat_milestone", "exit_intent", "returning_customer", "api", "discount_request"];
const CODE_MODES = [["none", "No code"], ["shared", "One shared code"], ["pool", "Unique codes (pool)"]] as const;
const COLUMNS = ["Arm", "Assigned", "Conversion", "Uplift vs holdout", "95% interval", "Cost per retained", "Verdict", "Funnel"];

export class OffersView {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly error = alertRegion();
  private readonly charts: Array<ChartCard | IntervalChart> = [];
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private visible = false;

  constructor(private readonly api: Api) {
    this.list = el("div", { className: "offer-list" });
    const download = button("Download CSV", () => void this.download(), "btn ghost");
    this.element = el(
      "section",
      { className: "dashboard offers", id: "panel-offers", attrs: { role: "tabpanel", "aria-labelledby": "section-offers" } },
      el("div", { className: "dash-head" }, el("h2", { text: "Offers" }), download),
      el("p", { className: "muted", text: "Uplift compares each arm's conversion with the holdout, who got nothing. An arm retains customers when its whole 95% interval is above zero." }),
      this.error,
      this.list,
      this.form(),
    );
    this.element.hidden = true;
  }

  show(): void {
    this.element.hidden = false;
    this.visible = true;
    void this.load();
    clearInterval(this.pollTimer);
    this.pollTimer = setInterval(() => void this.load(), POLL_MS);
  }

  hide(): void {
    this.element.hidden = true;
    this.visible = false;
    clearInterval(this.pollTimer);
  }

  dispose(): void {
    this.hide();
    for (const c of this.charts) c.destroy();
  }

  private async load(): Promise<void> {
    try {
      const reports = await this.api.offers();
      if (this.visible) this.render(reports);
      this.error.show(null);
    } catch (err) {
      this.error.show(`Cannot load the offers: ${(err as Error).message}`);
    }
  }

  private render(reports: OfferReport[]): void {
    for (const c of this.charts.splice(0)) c.destroy();
    clear(this.list);
    if (reports.length === 0) this.list.appendChild(el("p", { className: "muted", text: "No offers yet: define one below." }));
    for (const report of reports) {
      const o = report.offer;
      const chart = new ChartCard(`Conversion by arm: ${o.name} (%)`, "bar", "%");
      const uplift = new IntervalChart(`Uplift over the holdout, 95% interval: ${o.name}`);
      this.charts.push(chart, uplift);
      const body = el("tbody");
      for (const row of armRows(report)) {
        body.appendChild(el("tr", { data: { arm: row.arm } }, ...[row.label, row.assigned, row.conversion, row.uplift, row.interval, row.costPerRetained, row.verdict, row.funnel].map((t) => el("td", { text: t }))));
      }
      const budget = o.budget_total === null ? `${o.issued_count} handed out` : `${o.issued_count} of ${o.budget_total} handed out`;
      this.list.appendChild(
        el(
          "article",
          { className: "card offer-card", data: { offer: o.key }, attrs: { "aria-label": o.name } },
          el("h3", { text: `${o.name}${o.active ? "" : " (paused)"}` }),
          el("p", { className: "muted", text: `${humanize(o.kind)} · trigger: ${humanize(o.trigger)} · holdout ${o.holdout_pct}% · ${budget}` }),
          el("div", { className: "offer-body" }, el("div", { className: "offer-charts" }, chart.element, uplift.element), el("table", { className: "offer-arms" }, el("caption", { className: "sr-only", text: `Results of ${o.name}` }), el("thead", {}, el("tr", {}, ...COLUMNS.map((h) => el("th", { text: h, attrs: { scope: "col" } })))), body)),
        ),
      );
      chart.update(conversionSeries(report));
      uplift.update(upliftSeries(report));
    }
  }

  private async download(): Promise<void> {
    try {
      const csv = await this.api.offersCsv();
      const link = el("a", { attrs: { download: "offers.csv" } });
      link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (err) {
      this.error.show(`Cannot download: ${(err as Error).message}`);
    }
  }

  private form(): HTMLElement {
    const input = (attrs: Record<string, string> = {}) => el("input", { attrs: { autocomplete: "off", ...attrs } });
    const controls = {
      key: input({ required: "", maxlength: "64", placeholder: "e.g. cart-rescue" }),
      name: input({ required: "", maxlength: "200" }),
      kind: select(KINDS.map((k) => ({ value: k, label: humanize(k) }))),
      trigger: select(TRIGGERS.map((t) => ({ value: t, label: humanize(t) }))),
      title: input({ required: "", maxlength: "200" }),
      text: el("textarea", { attrs: { required: "", rows: "2", maxlength: "2000" } }),
      codeMode: select(CODE_MODES.map(([value, label]) => ({ value, label }))),
      sharedCode: input({ maxlength: "64" }),
      holdoutPct: input({ inputmode: "numeric", value: "10" }),
      budget: input({ inputmode: "numeric", placeholder: "no limit" }),
      maxPerCustomer: input({ inputmode: "numeric", value: "1" }),
      codes: el("textarea", { attrs: { rows: "3", placeholder: "One code per line" } }),
    };
    const error = alertRegion();
    const save = el("button", { className: "btn primary", text: "Create offer" });
    save.type = "submit";
    const form = el(
      "form",
      { className: "card offer-form", attrs: { "aria-label": "New offer" } },
      el("h3", { text: "New offer" }),
      el("div", { className: "row" }, field("Key", controls.key), field("Name", controls.name), field("Kind", controls.kind), field("Trigger", controls.trigger)),
      el("div", { className: "row" }, field("Card title", controls.title), field("Code", controls.codeMode), field("Shared code", controls.sharedCode)),
      field("Card text", controls.text),
      el("div", { className: "row" }, field("Holdout %", controls.holdoutPct), field("Budget (offers)", controls.budget), field("Offers per customer", controls.maxPerCustomer)),
      field("Unique codes", controls.codes),
      error,
      save,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const values = Object.fromEntries(Object.entries(controls).map(([k, c]) => [k, c.value])) as unknown as OfferForm;
      let parsed: ReturnType<typeof offerFromForm>;
      try {
        parsed = offerFromForm(values);
      } catch (err) {
        error.show((err as Error).message);
        return;
      }
      save.disabled = true;
      this.create(parsed.body, parsed.codes).then(
        () => {
          error.show(null);
          for (const c of [controls.key, controls.name, controls.title, controls.text, controls.sharedCode, controls.budget, controls.codes]) c.value = "";
          void this.load();
        },
        (err: Error) => error.show(`Cannot create: ${err.message}`),
      ).finally(() => {
        save.disabled = false;
      });
    });
    return form;
  }

  private async create(body: Record<string, unknown>, codes: string[]): Promise<void> {
    await this.api.createOffer(body);
    if (codes.length) await this.api.addOfferCodes(String(body.key), codes);
  }
}
