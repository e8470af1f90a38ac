import assert from "node:assert/strict";
import { test } from "node:test";
import { ExitIntent, MIN_DWELL_MS, watchExitIntent } from "../src/exitintent";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test("leaving through the top edge after a moment on the page is reported once", () => {
  const time = clock();
  const reports: number[] = [];
  const intent = new ExitIntent(() => reports.push(time.now()), time.now);
  time.advance(MIN_DWELL_MS);
  assert.equal(intent.pointerLeft({ relatedTarget: null, clientY: 2 }), true);
  assert.equal(intent.pointerLeft({ relatedTarget: null, clientY: 0 }), false);
  assert.equal(reports.length, 1);
});

test("moving within the page, leaving sideways or below, or too early, is no exit intent", () => {
  const time = clock();
  let reports = 0;
  const intent = new ExitIntent(() => reports++, time.now);
  assert.equal(intent.pointerLeft({ relatedTarget: null, clientY: 0 }), false, "just arrived");
  time.advance(MIN_DWELL_MS + 1);
  assert.equal(intent.pointerLeft({ relatedTarget: {}, clientY: 0 }), false, "into another element");
  assert.equal(intent.pointerLeft({ relatedTarget: null, clientY: 400 }), false, "out at the side or bottom");
  assert.equal(reports, 0);
  assert.equal(intent.pointerLeft({ relatedTarget: null, clientY: -5 }), true);
  assert.equal(reports, 1);
});

test("the watcher listens to the document's mouseout and tracks exit_intent", () => {
  const listeners: Record<string, (event: unknown) => void> = {};
  const doc = { addEventListener: (type: string, fn: (event: unknown) => void) => (listeners[type] = fn) };
  const tracked: Array<[string, object]> = [];
  const time = clock();
  watchExitIntent(doc as unknown as Document, (event, props) => tracked.push([event, props]), time.now);
  assert.ok(listeners.mouseout, "listens to mouseout");
  listeners.mouseout({ relatedTarget: null, clientY: 0 });
  assert.deepEqual(tracked, [], "not in the first moments");
  time.advance(MIN_DWELL_MS);
  listeners.mouseout({ relatedTarget: null, clientY: 0 });
  listeners.mouseout({ relatedTarget: null, clientY: 0 });
  assert.deepEqual(tracked, [["exit_intent", {}]]);
});
