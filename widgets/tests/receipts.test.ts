import assert from "node:assert/strict";
import { test } from "node:test";
import { ReadTracker } from "../src/receipts";
import { msg } from "./fakes";

test("only bot and agent messages count, and each seq is reported once", () => {
  const r = new ReadTracker();
  assert.equal(r.next(), null);
  r.received(msg(1, "bot", "hi"));
  r.received(msg(2, "visitor", "me"));
  r.received(msg(3, "system", "queued"));
  assert.deepEqual(r.next(), { conversationId: "conv-1", seq: 1 });
  assert.equal(r.next(), null);
  r.received(msg(5, "agent", "hello"));
  r.received(msg(4, "agent", "late"));
  assert.deepEqual(r.next(), { conversationId: "conv-1", seq: 5 });
  assert.equal(r.next(), null);
});

test("a lost report is sent again, unless a newer one went out since", () => {
  const r = new ReadTracker();
  r.received(msg(1, "agent", "a"));
  r.next();
  r.received(msg(2, "agent", "b"));
  const second = r.next()!;
  r.failed(second);
  assert.deepEqual(r.next(), { conversationId: "conv-1", seq: 2 });
  // A failure of an older report does not undo a newer one.
  r.received(msg(3, "agent", "c"));
  const third = r.next()!;
  r.failed(second);
  assert.equal(r.next(), null);
  r.failed(third);
  assert.deepEqual(r.next(), { conversationId: "conv-1", seq: 3 });
});

test("a new conversation counts from its own seq 1", () => {
  const r = new ReadTracker();
  r.received(msg(7, "agent", "old"));
  r.next();
  r.received(msg(1, "bot", "new", null, "conv-2"));
  assert.deepEqual(r.next(), { conversationId: "conv-2", seq: 1 });
});

test("an agent's read is passed on only when it goes further", () => {
  const r = new ReadTracker();
  const read = (seq: number, conversation_id = "conv-1", reader: "agent" | "visitor" = "agent") => r.agentReadFurther({ conversation_id, reader, seq });
  assert.equal(read(2), true);
  assert.equal(read(2), false);
  assert.equal(read(1), false);
  assert.equal(read(3, "conv-1", "visitor"), false);
  assert.equal(read(3), true);
  assert.equal(read(1, "conv-2"), true);
});
