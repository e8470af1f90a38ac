/** Small helpers for waiting and retrying. */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Exponential backoff with jitter: about base·2^attempt, capped, randomised to ±25 %. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const ideal = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(ideal * (0.75 + Math.random() * 0.5));
}
