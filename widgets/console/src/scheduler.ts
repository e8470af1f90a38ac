/** Timers behind an interface, so time-driven logic is testable without waiting. */

export type TimerId = ReturnType<typeof setTimeout>;

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId | undefined): void;
  now(): number;
}

export const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
  now: () => Date.now(),
};

/** Exponential backoff with jitter: about base·2^attempt, capped, randomised to ±25 %. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const ideal = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(ideal * (0.75 + Math.random() * 0.5));
}
