import assert from "node:assert/strict";
import { test } from "node:test";
import { Api, ApiError, type FetchFn } from "../src/api";
import { loginErrorText } from "../src/login-errors";
import { errorText, Rpc, type Link } from "../src/rpc";

function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

test("Bearer requests renew the token once on 401 and retry", async () => {
  let token = "old";
  const seen: (string | null)[] = [];
  const fetch: FetchFn = async (_url, init) => {
    const auth = (init.headers as Record<string, string>).Authorization ?? null;
    seen.push(auth);
    return auth === "Bearer new" ? json(200, { canned: [] }) : json(401, { error: { code: "unauthorized" } });
  };
  const api = new Api({ fetch, token: () => token, renewToken: async () => ((token = "new"), true) });
  assert.deepEqual(await api.canned(), []);
  assert.deepEqual(seen, ["Bearer old", "Bearer new"]);
});

test("login sends no Bearer, uses the cookie jar, and maps errors", async () => {
  let init: RequestInit | undefined;
  const fetch: FetchFn = async (_url, i) => {
    init = i;
    return json(429, { error: { code: "rate_limited", message: "slow down", retry_after_s: 41.2 } });
  };
  const api = new Api({ fetch, token: () => "t", renewToken: async () => assert.fail("no renew") });
  const err = await api.login("a@b.c", "pw").then(() => assert.fail("should fail"), (e: unknown) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.retryAfterS, 41.2);
  assert.equal((init?.headers as Record<string, string>).Authorization, undefined);
  assert.equal(init?.credentials, "same-origin");
  assert.equal(loginErrorText(err), "Too many attempts, try again in 42 s");
  assert.equal(loginErrorText(new ApiError("invalid_credentials", 401, "no")), "Wrong email or password");
});

test("socket requests renew an expired token and retry once; errors have words", async () => {
  const answers = [{ ok: false, error: { code: "token_expired" } }, { ok: true }];
  const link: Link = { connected: true, request: async () => answers.shift() as never, notify: () => undefined };
  let renewed = 0;
  const rpc = new Rpc(link, async () => (renewed++, "refreshed"));
  assert.deepEqual(await rpc.call("claim", { conversation_id: "c" }), { ok: true });
  assert.equal(renewed, 1);
  const offline = new Rpc({ ...link, request: () => Promise.reject(new Error("not connected")) }, async () => "refreshed");
  const ack = await offline.call("claim", {});
  assert.equal(ack.ok, false);
  assert.equal(!ack.ok && errorText(ack.error), "Not connected to the server. Try again in a moment.");
  assert.equal(errorText({ code: "something_new", message: "Server words" }), "Server words");
});
