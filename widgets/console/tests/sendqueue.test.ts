import assert from "node:assert/strict";
import { test } from "node:test";
import type { ErrorBody, Message } from "../src/protocol";
import { realScheduler } from "../src/scheduler";
import { SendQueue, type SendAck } from "../src/sendqueue";
import { msg } from "./fakes";

type Payload = { conversation_id: string; client_id: string; text: string };

function setup(answer: (p: Payload, attempt: number) => Promise<SendAck>) {
  const requests: Payload[] = [];
  const sent: { clientId: string; message: Message }[] = [];
  const failed: { clientId: string; error: ErrorBody }[] = [];
  let renewals = 0;
  const state = { connected: true };
  const queue = new SendQueue({
    request: (p) => {
      requests.push(p);
      return answer(p, requests.filter((r) => r.client_id === p.client_id).length);
    },
    connected: () => state.connected,
    renew: async () => void renewals++,
    sent: (item, message) => sent.push({ clientId: item.clientId, message }),
    failed: (item, error) => failed.push({ clientId: item.clientId, error }),
    scheduler: realScheduler,
    retryBaseMs: 1,
    retryMaxMs: 2,
  });
  return { queue, requests, sent, failed, state, renewals: () => renewals };
}

const ok = (p: Payload, seq: number): SendAck => ({ ok: true, message: msg(seq, "agent", p.text, p.conversation_id, p.client_id) });

async function drained(queue: SendQueue): Promise<void> {
  for (let i = 0; i < 200 && queue.pending.length > 0; i++) await new Promise((r) => setTimeout(r, 2));
}

test("a lost ack is retried with the same client_id until acknowledged", async () => {
  const t = setup(async (p, attempt) => {
    if (attempt < 3) throw new Error("operation has timed out");
    return ok(p, 7);
  });
  const item = t.queue.enqueue("c-1", "hello");
  await drained(t.queue);
  assert.equal(t.requests.length, 3);
  assert.ok(t.requests.every((r) => r.client_id === item.clientId));
  assert.deepEqual(t.sent.map((s) => s.message.seq), [7]);
});

test("messages go out in order, one at a time, each with a fresh client_id", async () => {
  let seq = 0;
  const t = setup(async (p) => ok(p, ++seq));
  const a = t.queue.enqueue("c-1", "one");
  const b = t.queue.enqueue("c-1", "two");
  assert.notEqual(a.clientId, b.clientId);
  await drained(t.queue);
  assert.deepEqual(t.requests.map((r) => r.text), ["one", "two"]);
  assert.deepEqual(t.sent.map((s) => s.message.text), ["one", "two"]);
});

test("a final error drops the message and reports it; a token_expired renews and retries", async () => {
  const t = setup(async (p, attempt) => {
    if (p.text === "bad") return { ok: false, error: { code: "forbidden" } };
    if (attempt === 1) return { ok: false, error: { code: "token_expired" } };
    return ok(p, 1);
  });
  t.queue.enqueue("c-1", "bad");
  t.queue.enqueue("c-1", "good");
  await drained(t.queue);
  assert.deepEqual(t.failed.map((f) => f.error.code), ["forbidden"]);
  assert.equal(t.renewals(), 1);
  assert.deepEqual(t.sent.map((s) => s.message.text), ["good"]);
});

test("while disconnected nothing is sent; flush after reconnecting resends", async () => {
  const t = setup(async (p) => ok(p, 1));
  t.state.connected = false;
  t.queue.enqueue("c-1", "later");
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(t.requests.length, 0);
  t.state.connected = true;
  await t.queue.flush();
  assert.equal(t.sent.length, 1);
});

test("busy is waited out however long it lasts: the message is sent once the server catches up, never failed", async () => {
  const t = setup(async (p, attempt) =>
    attempt <= 12 ? { ok: false, error: { code: "busy", message: "later", retry_after_s: 0 } } : ok(p, 3));
  t.queue.enqueue("c-1", "hold on");
  await drained(t.queue);
  assert.equal(t.failed.length, 0);
  assert.deepEqual(t.sent.map((s) => s.message.seq), [3]);
  assert.equal(t.requests.length, 13);
});
