import assert from "node:assert/strict";
import { test } from "node:test";
import { availableActions, canReply } from "../src/permissions";
import { agent, summary } from "./fakes";

const me = agent({ id: "a-1", teams: ["sales"] });
const loner = agent({ id: "a-3", teams: [] });
const boss = agent({ id: "s-1", role: "supervisor", teams: [] });
const mine = summary({ state: "assigned", assignee: { id: "a-1", name: "Ann" } });
const bobs = summary({ state: "assigned", assignee: { id: "a-2", name: "Bob" } });

test("claim is offered while the bot or the queue has the conversation", () => {
  assert.equal(availableActions(summary({ state: "bot" }), me).claim, true);
  assert.equal(availableActions(summary({ state: "queued" }), me).claim, true);
  assert.equal(availableActions(mine, me).claim, false);
  assert.equal(availableActions(summary({ state: "closed" }), me).claim, false);
});

test("agents act on their own conversations, supervisors on any", () => {
  assert.deepEqual(availableActions(mine, me), { claim: false, transfer: true, handback: true, close: true });
  assert.deepEqual(availableActions(bobs, me), { claim: false, transfer: false, handback: false, close: false });
  assert.deepEqual(availableActions(bobs, boss), { claim: false, transfer: true, handback: true, close: true });
  assert.equal(availableActions(mine, { ...loner, id: "a-1" }).transfer, false, "no team to transfer to");
  assert.deepEqual(availableActions(summary({ state: "queued" }), boss), { claim: true, transfer: false, handback: false, close: true });
  assert.equal(availableActions(summary({ state: "queued" }), me).close, false);
});

test("replying needs an assigned conversation that is mine, or supervisor rights", () => {
  assert.equal(canReply(mine, me), true);
  assert.equal(canReply(bobs, me), false);
  assert.equal(canReply(bobs, boss), true);
  assert.equal(canReply(summary({ state: "queued" }), boss), false);
});
