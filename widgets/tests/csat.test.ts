import assert from "node:assert/strict";
import { test } from "node:test";
import { CsatPrompt, type CsatState } from "../src/csat";
import type { Conversation } from "../src/protocol";
import { msg } from "./fakes";

const conv = (state: Conversation["state"], csat?: number | null, id = "conv-1"): Conversation => ({ id, state, language: "en", csat });

function setup(answer: (payload: Record<string, unknown>) => unknown = () => ({ ok: true })) {
  const shown: (CsatState | string)[] = [];
  const sent: Record<string, unknown>[] = [];
  const prompt = new CsatPrompt(
    (state, problem) => shown.push(problem ? `${state}:${typeof problem === "string" ? problem : problem.code}` : state),
    async <T>(event: string, payload: object) => {
      assert.equal(event, "csat");
      sent.push(payload as Record<string, unknown>);
      const ack = answer(payload as Record<string, unknown>);
      if (ack instanceof Error) throw ack;
      return ack as T;
    },
  );
  return { prompt, shown, sent };
}

test("asked only once the conversation is closed and not rated", () => {
  const s = setup();
  s.prompt.conversation(conv("bot", null));
  s.prompt.conversation(conv("assigned", null));
  assert.deepEqual(s.shown, []);
  s.prompt.conversation(conv("closed", 4));
  assert.deepEqual(s.shown, [], "rated already");
  s.prompt.conversation(conv("closed", undefined));
  assert.deepEqual(s.shown, [], "a server that does not say is not asked for");
  s.prompt.conversation(conv("closed", null));
  assert.deepEqual(s.shown, ["asking"]);
  s.prompt.conversation(conv("closed", null));
  assert.deepEqual(s.shown, ["asking"], "once");
});

test("a rating is sent with its comment, thanked for, and not asked again", async () => {
  const s = setup();
  s.prompt.conversation(conv("closed", null));
  await s.prompt.submit(null, "");
  assert.deepEqual(s.shown, ["asking", "asking:choose"]);
  assert.deepEqual(s.sent, []);
  await s.prompt.submit(4, "  Quick and friendly  ");
  assert.deepEqual(s.sent, [{ conversation_id: "conv-1", rating: 4, comment: "Quick and friendly" }]);
  assert.deepEqual(s.shown.slice(2), ["sending", "thanks"]);
  s.prompt.conversation(conv("closed", null)); // a stale conversation event
  s.prompt.conversation(conv("closed", 4));
  assert.equal(s.prompt.current, "thanks", "the thank-you line stays for this conversation");
  await s.prompt.submit(5, "");
  assert.equal(s.sent.length, 1);
});

test("an empty comment is left out; a failure keeps the form with an error", async () => {
  const s = setup(() => new Error("operation has timed out"));
  s.prompt.conversation(conv("closed", null));
  await s.prompt.submit(2, "   ");
  assert.deepEqual(s.sent, [{ conversation_id: "conv-1", rating: 2 }]);
  assert.deepEqual(s.shown, ["asking", "sending", "asking:unavailable"]);
  assert.equal(s.prompt.current, "asking");
});

test("a new conversation takes the form away", () => {
  const s = setup();
  s.prompt.conversation(conv("closed", null));
  s.prompt.message(msg(1, "visitor", "one more question", "c1", "conv-2"));
  assert.deepEqual(s.shown, ["asking", "hidden"]);
  s.prompt.conversation(conv("bot", null, "conv-2"));
  assert.deepEqual(s.shown, ["asking", "hidden"]);
  s.prompt.conversation(conv("closed", null, "conv-2"));
  assert.deepEqual(s.shown, ["asking", "hidden", "asking"], "the new one is asked about when it closes");
});
