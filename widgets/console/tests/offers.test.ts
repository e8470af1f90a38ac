import assert from "node:assert/strict";
import { test } from "node:test";
import { armRows, conversionSeries, formatPoints, offerFromForm, upliftSeries, verdict, type OfferForm } from "../src/offers-model";
import type { OfferArm, OfferReport } from "../src/protocol";

function arm(name: string, values: Partial<OfferArm> = {}): OfferArm {
  return {
    arm: name, assigned: 0, converted: 0, conversion_rate: null, revenue_cents: 0, delivered: 0, shown: 0, clicked: 0, accepted: 0,
    redeemed: 0, redeemed_revenue_cents: 0, uplift: null, ci_low: null, ci_high: null, significant: null, cost_cents: 0,
    cost_per_retained_cents: null, ...values,
  };
}

const report: OfferReport = {
  offer: { key: "winback", name: "Win back", kind: "discount_code", title: "t", text: "x", code_mode: "pool", trigger: "churn_risk_return",
    holdout_pct: 20, budget_total: null, issued_count: 10, max_per_customer: 1, active: true, variants: [{ name: "ten" }, { name: "five" }] },
  arms: [
    arm("ten", { assigned: 1235, converted: 173, conversion_rate: 0.1401, uplift: 0.06, ci_low: 0.031, ci_high: 0.088, delivered: 1235,
      shown: 900, clicked: 300, redeemed: 168, cost_per_retained_cents: 2253 }),
    arm("five", { assigned: 1157, converted: 113, conversion_rate: 0.0977, uplift: 0.022, ci_low: -0.007, ci_high: 0.048 }),
    arm("all_variants", { assigned: 2392, converted: 286, conversion_rate: 0.1196 }),
    arm("holdout", { assigned: 608, converted: 46, conversion_rate: 0.0757 }),
  ],
};

test("uplift and its interval read as percentage points with a verdict", () => {
  assert.equal(formatPoints(0.06), "+6.0 pp");
  assert.equal(formatPoints(-0.007), "−0.7 pp");
  assert.equal(formatPoints(0), "±0.0 pp");
  assert.equal(formatPoints(null), "–");
  const rows = armRows(report);
  assert.deepEqual(rows.map((r) => [r.label, r.uplift, r.interval, r.verdict]), [
    ["ten", "+6.0 pp", "+3.1 pp to +8.8 pp", "Retains customers"],
    ["five", "+2.2 pp", "−0.7 pp to +4.8 pp", "No effect shown yet"],
    ["All variants", "–", "", "Not enough data yet"],
    ["Holdout", "", "", "Control group: gets nothing"],
  ]);
  assert.equal(rows[0].conversion, "14.0% (173/1235)");
  assert.equal(rows[0].funnel, "1235 delivered · 900 shown · 300 clicked · 0 accepted · 168 redeemed");
  assert.equal(rows[0].costPerRetained, "€22.53");
  assert.equal(verdict(arm("x", { ci_low: -0.09, ci_high: -0.01 })), "Loses customers");
});

test("the chart shows each arm's conversion, without the pooled row", () => {
  const series = conversionSeries(report);
  assert.deepEqual(series.labels, ["ten", "five", "Holdout"]);
  assert.deepEqual(series.values, [14, 9.8, 7.6]);
  assert.match(series.description, /Holdout 7.6%/);
});

const form: OfferForm = {
  key: "cart-rescue", name: "Cart rescue", kind: "free_shipping", trigger: "cart_abandoned", title: "Free shipping", text: "On us today.",
  codeMode: "pool", sharedCode: "", holdoutPct: "10", budget: "500", maxPerCustomer: "1", codes: "SHIP-1\nSHIP-2, SHIP-3\n\n",
};

test("the new-offer form becomes the API body, or says what to fix", () => {
  const { body, codes } = offerFromForm(form);
  assert.deepEqual(body, { key: "cart-rescue", name: "Cart rescue", kind: "free_shipping", trigger: "cart_abandoned", title: "Free shipping",
    text: "On us today.", code_mode: "pool", holdout_pct: 10, max_per_customer: 1, budget_total: 500 });
  assert.deepEqual(codes, ["SHIP-1", "SHIP-2", "SHIP-3"]);
  assert.throws(() => offerFromForm({ ...form, key: "Cart Rescue" }), /key/);
  assert.throws(() => offerFromForm({ ...form, codes: "" }), /unique codes/);
  assert.throws(() => offerFromForm({ ...form, codeMode: "shared" }), /shared-code/);
  assert.throws(() => offerFromForm({ ...form, holdoutPct: "95" }), /holdout/i);
  assert.deepEqual(offerFromForm({ ...form, codeMode: "shared", sharedCode: "SHIPFREE", budget: "" }).body.shared_code, "SHIPFREE");
});

test("the uplift chart draws each variant's interval around its measured uplift", () => {
  const series = upliftSeries(report);
  assert.deepEqual(series.labels, ["ten", "five"]);
  assert.deepEqual(series.ranges, [[3.1, 8.8], [-0.7, 4.8]]);
  assert.deepEqual(series.points, [6, 2.2]);
  assert.match(series.description, /ten \+6\.0 pp \(\+3\.1 pp to \+8\.8 pp\)/);
  assert.match(upliftSeries({ ...report, arms: [report.arms[3]] }).description, /not enough data yet/);
});
