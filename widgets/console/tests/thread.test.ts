import assert from "node:assert/strict";
import { test } from "node:test";
import { mergeMessages, Thread } from "../src/thread";
import { msg } from "./fakes";

test("merge keeps one message per seq, in seq order", () => {
  const merged = mergeMessages([msg(1, "bot"), msg(3, "visitor")], [msg(2, "visitor"), msg(3, "visitor", "dup"), msg(1, "bot")]);
  assert.deepEqual(merged.map((m) => m.seq), [1, 2, 3]);
  assert.equal(merged[2].text, "m3", "the first copy wins");
});

test("a thread reports only messages it did not hold, ignores other conversations", () => {
  const t = new Thread("c-1");
  assert.deepEqual(t.add([msg(2, "bot"), msg(1, "visitor")]).map((m) => m.seq), [1, 2]);
  assert.deepEqual(t.add([msg(2, "bot"), msg(3, "agent")]).map((m) => m.seq), [3]);
  assert.deepEqual(t.add([msg(4, "visitor", "x", "c-2")]), []);
  assert.equal(t.lastSeq, 3);
  assert.deepEqual(t.all.map((m) => m.seq), [1, 2, 3]);
});
