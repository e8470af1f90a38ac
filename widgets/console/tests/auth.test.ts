import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "../src/api";
import { AuthSession, refreshDelayMs } from "../src/auth";
import type { Tokens } from "../src/protocol";
import { agent, ManualClock, settle } from "./fakes";

const tokens = (n: number, expiresIn = 900): Tokens => ({ access_token: `t${n}`, expires_in: expiresIn, agent: agent() });

test("refresh is planned a minute before expiry, or halfway for short tokens", () => {
  assert.equal(refreshDelayMs(900), 840_000);
  assert.equal(refreshDelayMs(100), 50_000);
  assert.equal(refreshDelayMs(0), 5_000);
});

test("the token is refreshed on time and the new one announced", async () => {
  const clock = new ManualClock();
  let calls = 0;
  const renewed: string[] = [];
  const auth = new AuthSession({
    refresh: async () => tokens(++calls),
    renewed: (t) => renewed.push(t.access_token),
    ended: () => assert.fail("not ended"),
    scheduler: clock,
  });
  auth.start(tokens(0));
  assert.equal(auth.token, "t0");
  clock.advance(839_999);
  assert.equal(calls, 0);
  clock.advance(1);
  await settle();
  assert.equal(calls, 1);
  assert.equal(auth.token, "t1");
  assert.deepEqual(renewed, ["t1"]);
  assert.deepEqual(clock.pendingDelays(), [840_000], "the next refresh is planned");
});

test("concurrent refreshes share one request", async () => {
  const clock = new ManualClock();
  let calls = 0;
  const auth = new AuthSession({ refresh: async () => tokens(++calls), renewed: () => undefined, ended: () => undefined, scheduler: clock });
  auth.start(tokens(0));
  const [a, b] = await Promise.all([auth.refreshNow(), auth.refreshNow()]);
  assert.equal(a, "refreshed");
  assert.equal(b, "refreshed");
  assert.equal(calls, 1);
});

test("a refused refresh ends the session; a network failure retries", async () => {
  const clock = new ManualClock();
  let ended = 0;
  let fail: Error = new ApiError("network_error", null, "offline");
  const auth = new AuthSession({
    refresh: async () => {
      throw fail;
    },
    renewed: () => undefined,
    ended: () => ended++,
    scheduler: clock,
  });
  auth.start(tokens(0));
  assert.equal(await auth.refreshNow(), "failed");
  assert.equal(auth.token, "t0", "keeps the token it has");
  const [retry] = clock.pendingDelays();
  assert.ok(retry >= 1_500 && retry <= 2_500, `retry soon (${retry} ms)`);
  fail = new ApiError("unauthorized", 401, "gone");
  assert.equal(await auth.refreshNow(), "ended");
  assert.equal(ended, 1);
  assert.equal(auth.token, null);
  assert.deepEqual(clock.pendingDelays(), []);
});
