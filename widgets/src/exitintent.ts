/**
 * Exit intent: the pointer leaves the page through its top edge (towards the tabs, the address bar
 * or the close button) after the visitor has been on the page a moment. Reported once per page view
 * as the `exit_intent` track event; the server decides whether an offer follows (and caps how often).
 */

/** What a `mouseout` on the document tells: where the pointer went. */
export interface PointerLeave {
  relatedTarget: unknown;
  clientY: number;
}

/** Ignore the first moments on a page: a pointer passing the top edge on arrival is no intent to leave. */
export const MIN_DWELL_MS = 3000;
/** How close to the top edge the pointer must leave, in CSS pixels. */
export const TOP_EDGE_PX = 10;

export class ExitIntent {
  private reported = false;
  private readonly since: number;

  constructor(
    private readonly report: () => void,
    private readonly now: () => number = Date.now,
  ) {
    this.since = now();
  }

  /** Feed the document's `mouseout` events; reports at most once. Returns whether this one was the exit. */
  pointerLeft(event: PointerLeave): boolean {
    if (this.reported || event.relatedTarget !== null) return false;
    if (event.clientY > TOP_EDGE_PX || this.now() - this.since < MIN_DWELL_MS) return false;
    this.reported = true;
    this.report();
    return true;
  }
}

/** Watch a document for exit intent and report it through `track` (which checks consent). */
export function watchExitIntent(
  doc: Pick<Document, "addEventListener">,
  track: (event: string, props: Record<string, never>) => void,
  now: () => number = Date.now,
): ExitIntent {
  const intent = new ExitIntent(() => track("exit_intent", {}), now);
  doc.addEventListener("mouseout", (event) => intent.pointerLeft(event as MouseEvent));
  return intent;
}
