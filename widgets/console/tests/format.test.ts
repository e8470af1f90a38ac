import assert from "node:assert/strict";
import { test } from "node:test";
import { figures, resolutionSeries, stateSeries, containmentSeries } from "../src/dashboard-model";
import { formatDuration, formatMoney, formatPercent, humanize } from "../src/format";
import type { Dashboard } from "../src/protocol";

test("money, durations, percentages and tags read naturally", () => {
  assert.equal(formatMoney(12999, "EUR"), "€129.99");
  assert.equal(formatMoney(500, "USD"), "$5.00");
  assert.equal(formatMoney(100, "???"), "1.00 ???");
  assert.equal(formatDuration(42.4), "42 s");
  assert.equal(formatDuration(185), "3 min");
  assert.equal(formatDuration(3900), "1 h 5 min");
  assert.equal(formatDuration(null), "–");
  assert.equal(formatPercent(0.734), "73%");
  assert.equal(formatPercent(null), "–");
  assert.equal(humanize("order_issue"), "Order issue");
});

const dashboard: Dashboard = {
  by_state: { bot: 4, queued: 2, assigned: 3, closed: 10 },
  queue_length: 2,
  longest_wait_s: 95,
  first_response_s: { p50: 30, avg: null },
  containment_rate: 0.6,
  agents: { online: 3, away: 1 },
  window_h: 24,
  closed_by_resolution: { resolved: 6, refund: 4 },
};

test("dashboard figures as text, for people and tests", () => {
  const byKey = Object.fromEntries(figures(dashboard).map((f) => [f.key, f.value]));
  assert.equal(byKey.queue_length, "2");
  assert.equal(byKey.longest_wait, "1 min");
  assert.equal(byKey.first_response_p50, "30 s");
  assert.equal(byKey.first_response_avg, "–");
  assert.equal(byKey.containment_rate, "60%");
  assert.equal(byKey.state_closed, "10");
  assert.equal(byKey.agents_away, "1");
});

test("chart series carry a description for their aria-label", () => {
  const states = stateSeries(dashboard);
  assert.deepEqual(states.values, [4, 2, 3, 10]);
  assert.match(states.description, /With the bot 4, Waiting 2, With an agent 3, Closed 10/);
  assert.deepEqual(containmentSeries(dashboard).values, [60, 40]);
  assert.match(containmentSeries({ ...dashboard, containment_rate: null }).description, /no closed conversations/);
  assert.deepEqual(resolutionSeries(dashboard).labels, ["Resolved", "Refund"]);
});
