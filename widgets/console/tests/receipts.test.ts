import assert from "node:assert/strict";
import { test } from "node:test";
import { readSeqToSend, seenAgentSeq } from "../src/receipts";
import { msg } from "./fakes";

test("Seen goes under the agent's last message once the visitor read up to it", () => {
  const messages = [msg(1, "visitor"), msg(2, "agent"), msg(3, "visitor"), msg(4, "agent"), msg(5, "system")];
  assert.equal(seenAgentSeq(messages, 3), null, "read the first agent message only");
  assert.equal(seenAgentSeq(messages, 4), 4);
  assert.equal(seenAgentSeq(messages, 9), 4);
  assert.equal(seenAgentSeq([msg(1, "visitor"), msg(2, "bot")], 5), null, "no agent message");
});

test("read is sent for the newest visitor message, once", () => {
  const messages = [msg(1, "visitor"), msg(2, "bot"), msg(3, "visitor"), msg(4, "agent")];
  assert.equal(readSeqToSend(messages, 0), 3);
  assert.equal(readSeqToSend(messages, 3), null);
  assert.equal(readSeqToSend([msg(1, "bot")], 0), null);
});
