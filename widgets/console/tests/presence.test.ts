import assert from "node:assert/strict";
import { test } from "node:test";
import { PresenceSender } from "../src/presence";
import type { AgentStatus } from "../src/protocol";

function setup() {
  const sent: AgentStatus[] = [];
  const answers: (() => void)[] = [];
  const presence = new PresenceSender((status) => {
    sent.push(status);
    return new Promise<void>((resolve) => answers.push(resolve));
  });
  const answerNext = async () => {
    answers.shift()!();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { presence, sent, answerNext };
}

test("a change made while a status is in flight is sent only after its answer", async () => {
  const { presence, sent, answerNext } = setup();
  presence.set("online");
  presence.set("away");
  assert.deepEqual(sent, ["online"]);
  await answerNext();
  assert.deepEqual(sent, ["online", "away"]);
});

test("of several changes waiting, only the latest is sent", async () => {
  const { presence, sent, answerNext } = setup();
  presence.set("online");
  presence.set("away");
  presence.set("online");
  presence.set("away");
  await answerNext();
  assert.deepEqual(sent, ["online", "away"]);
  await answerNext();
  presence.set("online");
  assert.deepEqual(sent, ["online", "away", "online"]);
});
