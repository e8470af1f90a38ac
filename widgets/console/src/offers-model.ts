/** An offer's results as the console shows them: arm rows in words, chart series, and the new-offer form's body. */
import type { Series } from "./dashboard-model";
import { formatMoney } from "./format";
import type { OfferArm, OfferReport } from "./protocol";

export const HOLDOUT = "holdout";
export const ALL_VARIANTS = "all_variants";

/** Percentage points with a sign: 0.061 → "+6.1 pp". */
export function formatPoints(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const points = Math.round(value * 1000) / 10;
  return `${points > 0 ? "+" : points < 0 ? "−" : "±"}${Math.abs(points).toFixed(1)} pp`;
}

function rate(value: number | null): string {
  return value === null || !Number.isFinite(value) ? "–" : `${(Math.round(value * 1000) / 10).toFixed(1)}%`;
}

/** What the interval says, in words a shop owner acts on. */
export function verdict(arm: OfferArm): string {
  if (arm.arm === HOLDOUT) return "Control group: gets nothing";
  if (arm.ci_low === null || arm.ci_high === null) return "Not enough data yet";
  if (arm.ci_low > 0) return "Retains customers";
  if (arm.ci_high < 0) return "Loses customers";
  return "No effect shown yet";
}

export interface ArmRow {
  arm: string;
  label: string;
  assigned: string;
  funnel: string;
  conversion: string;
  uplift: string;
  interval: string;
  costPerRetained: string;
  verdict: string;
}

export function armRows(report: OfferReport, currency = "EUR"): ArmRow[] {
  return report.arms.map((a) => ({
    arm: a.arm,
    label: a.arm === HOLDOUT ? "Holdout" : a.arm === ALL_VARIANTS ? "All variants" : a.arm,
    assigned: String(a.assigned),
    funnel: `${a.delivered} delivered · ${a.shown} shown · ${a.clicked} clicked · ${a.accepted} accepted · ${a.redeemed} redeemed`,
    conversion: `${rate(a.conversion_rate)} (${a.converted}/${a.assigned})`,
    uplift: a.arm === HOLDOUT ? "" : formatPoints(a.uplift),
    interval: a.ci_low === null || a.ci_high === null ? "" : `${formatPoints(a.ci_low)} to ${formatPoints(a.ci_high)}`,
    costPerRetained: a.cost_per_retained_cents === null ? "–" : formatMoney(Math.round(a.cost_per_retained_cents), currency),
    verdict: verdict(a),
  }));
}

/** Conversion per arm in percent (the pooled row left out: it repeats the variants). */
export function conversionSeries(report: OfferReport): Series {
  const arms = report.arms.filter((a) => a.arm !== ALL_VARIANTS);
  const labels = arms.map((a) => (a.arm === HOLDOUT ? "Holdout" : a.arm));
  const values = arms.map((a) => (a.conversion_rate === null ? 0 : Math.round(a.conversion_rate * 1000) / 10));
  const description = `Conversion by arm for ${report.offer.name}: ${arms.map((a, i) => `${labels[i]} ${rate(a.conversion_rate)}`).join(", ")}`;
  return { labels, values, description };
}

export interface OfferForm {
  key: string;
  name: string;
  kind: string;
  trigger: string;
  title: string;
  text: string;
  codeMode: string;
  sharedCode: string;
  holdoutPct: string;
  budget: string;
  maxPerCustomer: string;
  codes: string;
}

const KEY = /^[a-z][a-z0-9_-]{0,63}$/;

function whole(value: string, label: string, low: number, high: number): number {
  const n = Number(value.trim());
  if (!Number.isInteger(n) || n < low || n > high) throw new Error(`${label} must be a whole number from ${low} to ${high}`);
  return n;
}

/** The POST /api/agent/offers body and the pool codes from the form; throws Error with what to fix. */
export function offerFromForm(form: OfferForm): { body: Record<string, unknown>; codes: string[] } {
  const key = form.key.trim();
  if (!KEY.test(key)) throw new Error("The key is lowercase letters, digits, - and _, starting with a letter");
  for (const [value, label] of [[form.name, "name"], [form.title, "title"], [form.text, "text"]] as const) {
    if (!value.trim()) throw new Error(`Fill in the ${label}`);
  }
  const codes = form.codes.split(/[\s,;]+/).map((c) => c.trim()).filter(Boolean);
  if (form.codeMode === "shared" && !form.sharedCode.trim()) throw new Error("A shared-code offer needs its code");
  if (form.codeMode === "pool" && codes.length === 0) throw new Error("A pool offer needs its unique codes, one per line");
  const body: Record<string, unknown> = {
    key, name: form.name.trim(), kind: form.kind, trigger: form.trigger, title: form.title.trim(), text: form.text.trim(),
    code_mode: form.codeMode, holdout_pct: whole(form.holdoutPct || "10", "The holdout", 0, 90),
    max_per_customer: whole(form.maxPerCustomer || "1", "Offers per customer", 1, 1000),
  };
  if (form.codeMode === "shared") body.shared_code = form.sharedCode.trim();
  if (form.budget.trim()) body.budget_total = whole(form.budget, "The budget", 0, 1_000_000_000);
  return { body, codes: form.codeMode === "pool" ? codes : [] };
}

export interface IntervalSeries {
  labels: string[];
  /** [low, high] of each arm's 95% interval, in percentage points. */
  ranges: Array<[number, number]>;
  /** The measured uplift, in percentage points. */
  points: number[];
  description: string;
}

const pp = (v: number) => Math.round(v * 1000) / 10;

/** Each variant's uplift over the holdout as an interval bar (arms without an interval yet are left out). */
export function upliftSeries(report: OfferReport): IntervalSeries {
  const arms = report.arms.filter((a) => a.arm !== HOLDOUT && a.uplift !== null && a.ci_low !== null && a.ci_high !== null);
  const labels = arms.map((a) => (a.arm === ALL_VARIANTS ? "All variants" : a.arm));
  return {
    labels,
    ranges: arms.map((a) => [pp(a.ci_low as number), pp(a.ci_high as number)]),
    points: arms.map((a) => pp(a.uplift as number)),
    description: arms.length
      ? `Uplift over the holdout with 95% interval for ${report.offer.name}: ${arms.map((a, i) => `${labels[i]} ${formatPoints(a.uplift)} (${formatPoints(a.ci_low)} to ${formatPoints(a.ci_high)})`).join(", ")}`
      : `Uplift over the holdout for ${report.offer.name}: not enough data yet`,
  };
}
