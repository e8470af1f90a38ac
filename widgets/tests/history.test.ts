import assert from "node:assert/strict";
import { test } from "node:test";
import { History } from "../src/history";
import { msg } from "./fakes";

test("each message is added once", () => {
  const h = new History();
  assert.equal(h.add(msg(1, "bot", "hi")), "added");
  assert.equal(h.add(msg(1, "bot", "hi")), "duplicate");
  assert.equal(h.lastSeq, 1);
});

test("lastSeq only advances over a contiguous run and reports gaps", () => {
  const h = new History();
  h.add(msg(1, "bot", "a"));
  h.add(msg(3, "bot", "c"));
  assert.equal(h.lastSeq, 1);
  assert.equal(h.hasGap, true);
  h.add(msg(2, "bot", "b"));
  assert.equal(h.lastSeq, 3);
  assert.equal(h.hasGap, false);
});

test("a new conversation starts counting from zero", () => {
  const h = new History();
  h.add(msg(1, "bot", "a"));
  h.add(msg(2, "bot", "b"));
  assert.equal(h.adoptConversation("conv-2"), true);
  assert.equal(h.lastSeq, 0);
  assert.equal(h.add(msg(1, "bot", "new", null, "conv-2")), "added");
  assert.equal(h.lastSeq, 1);
  assert.equal(h.adoptConversation("conv-2"), false);
});
