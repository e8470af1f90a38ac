/** Human-readable figures: money, durations, percentages, times, tags. */

export function formatMoney(cents: number, currency: string, locale = "en"): string {
  const amount = cents / 100;
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(amount);
  } catch {
    // Unknown currency code: still show the amount and what we were told.
    return `${amount.toFixed(2)} ${currency}`;
  }
}

/** "45 s", "3 min", "1 h 5 min"; "–" when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

export function secondsSince(iso: string | null | undefined, nowMs: number): number | null {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? null : Math.max(0, (nowMs - t) / 1000);
}

/** A share in 0..1 as a whole percentage, "–" when unknown. */
export function formatPercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return "–";
  return `${Math.round(rate * 100)}%`;
}

export function formatTime(iso: string | null | undefined): string {
  const t = iso ? new Date(iso) : null;
  if (!t || Number.isNaN(t.getTime())) return "";
  return t.toLocaleTimeString("en", { hour: "2-digit", minute: "2-digit" });
}

export function formatDate(iso: string | null | undefined): string {
  const t = iso ? new Date(iso) : null;
  if (!t || Number.isNaN(t.getTime())) return "";
  return t.toLocaleDateString("en", { year: "numeric", month: "short", day: "numeric" });
}

/** "order_issue" → "Order issue". */
export function humanize(tag: string | null | undefined): string {
  if (!tag) return "";
  const words = tag.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
