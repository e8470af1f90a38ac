import assert from "node:assert/strict";
import { test } from "node:test";
import { titleWithBadge, UnseenCounter } from "../src/badge";

test("the title shows the unseen count only when there is one", () => {
  assert.equal(titleWithBadge(0), "Agent console");
  assert.equal(titleWithBadge(3), "(3) Agent console");
});

test("events count once per key within the window, and reset clears the badge", () => {
  const c = new UnseenCounter(10_000);
  assert.equal(c.bump("waiting:c-1", 0), true);
  assert.equal(c.bump("waiting:c-1", 2_000), false, "handoff notification and waiting event for the same chat");
  assert.equal(c.bump("waiting:c-2", 3_000), true);
  assert.equal(c.title, "(2) Agent console");
  assert.equal(c.bump("waiting:c-1", 12_000), true, "back in the queue later: new news");
  assert.equal(c.count, 3);
  c.reset();
  assert.equal(c.count, 0);
  assert.equal(c.title, "Agent console");
});
