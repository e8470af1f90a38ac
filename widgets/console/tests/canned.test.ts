import assert from "node:assert/strict";
import { test } from "node:test";
import { matchCanned, shortcutQuery, Suggestions } from "../src/canned";
import type { Canned } from "../src/protocol";

const canned: Canned[] = [
  { id: "1", shortcut: "thanks", title: "Thank you", text: "Thanks for reaching out!" },
  { id: "2", shortcut: "/refund", title: "Refund policy", text: "Refunds take 5 days." },
  { id: "3", shortcut: "track", title: "Tracking", text: "Here is your tracking link." },
  { id: "4", shortcut: "hello", title: "Greeting (thanks)", text: "Hello!" },
];

test("only a leading slash followed by a word is a shortcut query", () => {
  assert.equal(shortcutQuery("/th"), "th");
  assert.equal(shortcutQuery("/"), "");
  assert.equal(shortcutQuery("/TH"), "th");
  assert.equal(shortcutQuery("hi /th"), null);
  assert.equal(shortcutQuery("/th and more"), null);
  assert.equal(shortcutQuery("/th\n"), null);
});

test("prefix matches come first, then shortcut or title containing the query", () => {
  assert.deepEqual(matchCanned("/th", canned).map((c) => c.id), ["1", "4"]);
  assert.deepEqual(matchCanned("/tr", canned).map((c) => c.id), ["3"]);
  assert.deepEqual(matchCanned("/REF", canned).map((c) => c.id), ["2"], "stored leading slash and case are ignored");
  assert.deepEqual(matchCanned("/", canned).map((c) => c.id), ["4", "2", "1", "3"], "everything, by shortcut");
  assert.deepEqual(matchCanned("thanks", canned), []);
  assert.equal(matchCanned("/", canned, 2).length, 2);
});

test("the highlight wraps around and survives a narrower match", () => {
  const s = new Suggestions();
  assert.equal(s.open, false);
  s.update(matchCanned("/", canned));
  assert.equal(s.current?.id, "4");
  s.move(-1);
  assert.equal(s.current?.id, "3");
  s.move(1);
  s.move(1);
  assert.equal(s.current?.id, "2");
  s.update(matchCanned("/r", canned));
  assert.equal(s.current?.id, "2", "still offered, still highlighted");
  s.update(matchCanned("/t", canned));
  assert.equal(s.highlighted, 0);
  s.close();
  assert.equal(s.current, null);
  assert.equal(s.highlighted, -1);
});
