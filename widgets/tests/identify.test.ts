import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { Consent } from "../src/consent";
import { checkIdentity, IDENTIFY_WAIT_MS, Identifier, ShopChatError } from "../src/identify";
import { SendQueue } from "../src/sendqueue";
import { FakeChannel, memoryStore } from "./fakes";

function setup(required: boolean) {
  const channel = new FakeChannel({
    consent: () => ({ ok: true, consent: {} }),
    identify: () => ({ ok: true, customer_id: "cust-1" }),
  });
  channel.isConnected = true;
  const consent = new Consent(memoryStore(), required, "1");
  const queue = new SendQueue(channel, consent);
  return { channel, consent, queue, identifier: new Identifier(consent, queue) };
}

async function rejection(promise: Promise<unknown>): Promise<ShopChatError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ShopChatError);
    return err;
  }
  assert.fail("expected a rejection");
}

test("without identification consent nothing is sent: a warning and a rejected promise", async (t: TestContext) => {
  const warn = t.mock.method(console, "warn", () => undefined);
  const s = setup(false);
  const err = await rejection(s.identifier.identify({ email: "anna@example.com" }));
  assert.equal(err.code, "consent_required");
  assert.equal(warn.mock.callCount(), 1);
  assert.deepEqual(s.channel.requests, []);
  assert.equal(s.channel.starts, 0);
});

test("with identification consent the fields are sent after the consent, and the customer id comes back", async () => {
  const s = setup(true);
  s.consent.set("identification", true);
  assert.deepEqual(await s.identifier.identify({ email: " anna@example.com ", name: "Anna", phone: "", shoe_size: "38" } as never), {
    customer_id: "cust-1",
  });
  assert.deepEqual(s.channel.requests.map((r) => r.event), ["consent", "identify"]);
  assert.deepEqual(s.channel.events("identify")[0], { email: "anna@example.com", name: "Anna" }, "trimmed, empty and unknown fields left out");
});

test("the shop's identity_hash goes along with the identifiers, and is no identifier itself", async (t: TestContext) => {
  t.mock.method(console, "warn", () => undefined);
  const s = setup(false);
  s.consent.set("identification", true);
  await s.identifier.identify({ external_id: "cust-42", email: "kim@example.com", identity_hash: " 9f2c " });
  assert.deepEqual(s.channel.events("identify"), [{ external_id: "cust-42", email: "kim@example.com", identity_hash: "9f2c" }]);
  assert.equal((await rejection(s.identifier.identify({ identity_hash: "9f2c" }))).code, "invalid_payload");
  assert.equal(checkIdentity({ identity_hash: "9f2c" }), null);
});

test("{consent: true} from the shop counts only where the site does not require the widget's own consent", async (t: TestContext) => {
  t.mock.method(console, "warn", () => undefined);
  const open = setup(false);
  assert.deepEqual(await open.identifier.identify({ external_id: "42", consent: true }), { customer_id: "cust-1" });
  assert.deepEqual(open.channel.events("consent"), [{ purpose: "identification", granted: true, notice_version: "1" }]);
  assert.equal(open.consent.decision("identification"), true, "remembered as the visitor's decision");
  assert.deepEqual(open.channel.events("identify"), [{ external_id: "42" }]);

  const refused = setup(false);
  refused.consent.set("identification", false);
  assert.equal((await rejection(refused.identifier.identify({ external_id: "42", consent: true }))).code, "consent_required", "nor over a no");

  const strict = setup(true);
  assert.equal((await rejection(strict.identifier.identify({ external_id: "42", consent: true }))).code, "consent_required");
  assert.deepEqual(strict.channel.requests, []);
});

test("identify needs at least one field, and reports the server's refusal", async (t: TestContext) => {
  t.mock.method(console, "warn", () => undefined);
  const s = setup(false);
  s.consent.set("identification", true);
  assert.equal((await rejection(s.identifier.identify({}))).code, "invalid_payload");
  assert.equal((await rejection(s.identifier.identify(null as never))).code, "invalid_payload");
  s.channel.handlers.identify = () => ({ ok: false, error: { code: "invalid_payload", message: "email", fields: ["email"] } });
  assert.equal((await rejection(s.identifier.identify({ email: "nope" }))).code, "invalid_payload");
  assert.equal(checkIdentity({ email: 5, name: " " }), null);
});

test("identify waits for the connection, opening the session, and gives up after 30 s", async (t: TestContext) => {
  const s = setup(false);
  s.consent.set("identification", true);
  s.channel.isConnected = false;
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const pending = s.identifier.identify({ email: "anna@example.com" });
  assert.equal(s.channel.starts, 1);
  t.mock.timers.tick(IDENTIFY_WAIT_MS);
  assert.equal((await rejection(pending)).code, "timeout");
  assert.equal(s.queue.size, 0);
});

test("withdrawing identification consent rejects what is still waiting", async () => {
  const s = setup(false);
  s.consent.set("identification", true);
  s.channel.isConnected = false;
  const pending = s.identifier.identify({ email: "anna@example.com" });
  s.consent.set("identification", false);
  assert.equal((await rejection(pending)).code, "consent_required");
  assert.equal(s.queue.size, 0);
});
