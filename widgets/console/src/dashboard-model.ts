/** The dashboard's figures as label/value pairs and chart series, from a Dashboard answer. */
import { formatDuration, formatPercent, humanize } from "./format";
import type { ConversationState, Dashboard } from "./protocol";

export interface Figure {
  key: string;
  label: string;
  value: string;
}

export const STATE_LABELS: Record<ConversationState, string> = {
  bot: "With the bot",
  queued: "Waiting",
  assigned: "With an agent",
  closed: "Closed",
};

const STATES: ConversationState[] = ["bot", "queued", "assigned", "closed"];

export function figures(d: Dashboard): Figure[] {
  return [
    ...STATES.map((s) => ({ key: `state_${s}`, label: `Conversations ${STATE_LABELS[s].toLowerCase()}`, value: String(d.by_state?.[s] ?? 0) })),
    { key: "queue_length", label: "Queue length", value: String(d.queue_length ?? 0) },
    { key: "longest_wait", label: "Longest wait", value: formatDuration(d.longest_wait_s) },
    { key: "first_response_p50", label: "First response (median)", value: formatDuration(d.first_response_s?.p50) },
    { key: "first_response_avg", label: "First response (average)", value: formatDuration(d.first_response_s?.avg) },
    { key: "containment_rate", label: "Bot containment rate", value: formatPercent(d.containment_rate) },
    { key: "agents_online", label: "Agents online", value: String(d.agents?.online ?? 0) },
    { key: "agents_away", label: "Agents away", value: String(d.agents?.away ?? 0) },
  ];
}

export interface Series {
  labels: string[];
  values: number[];
  /** What the chart shows, for its aria-label. */
  description: string;
}

function describe(title: string, labels: string[], values: string[]): string {
  return `${title}: ${labels.map((l, i) => `${l} ${values[i]}`).join(", ") || "no data"}`;
}

export function stateSeries(d: Dashboard): Series {
  const labels = STATES.map((s) => STATE_LABELS[s]);
  const values = STATES.map((s) => d.by_state?.[s] ?? 0);
  return { labels, values, description: describe("Conversations by state", labels, values.map(String)) };
}

/** Contained (no person took part) versus handled by a person, in percent of closed conversations. */
export function containmentSeries(d: Dashboard): Series {
  const labels = ["Bot only", "With a person"];
  if (d.containment_rate === null || d.containment_rate === undefined) {
    return { labels, values: [0, 0], description: "Bot containment rate: no closed conversations yet" };
  }
  const contained = Math.round(d.containment_rate * 1000) / 10;
  const values = [contained, Math.round((100 - contained) * 10) / 10];
  return { labels, values, description: `Bot containment rate: ${formatPercent(d.containment_rate)} of closed conversations without a person` };
}

export function timingSeries(d: Dashboard): Series {
  const labels = ["Longest wait", "First response (median)", "First response (average)"];
  const raw = [d.longest_wait_s, d.first_response_s?.p50, d.first_response_s?.avg];
  return {
    labels,
    values: raw.map((v) => (typeof v === "number" && Number.isFinite(v) ? Math.round(v) : 0)),
    description: describe("Wait and first-response times", labels, raw.map((v) => formatDuration(v))),
  };
}

export function resolutionSeries(d: Dashboard): Series {
  const entries = Object.entries(d.closed_by_resolution ?? {}).sort((a, b) => b[1] - a[1]);
  const labels = entries.map(([tag]) => humanize(tag) || "None");
  const values = entries.map(([, n]) => n);
  return { labels, values, description: describe("Closed conversations by resolution", labels, values.map(String)) };
}
