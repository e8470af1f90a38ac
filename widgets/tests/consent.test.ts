import assert from "node:assert/strict";
import { test } from "node:test";
import { Consent } from "../src/consent";
import { FakeChannel, memoryStore } from "./fakes";

test("decisions are remembered per site key, across reloads", () => {
  const storage = new Map<string, string>();
  const shopA = new Consent(memoryStore(storage, "shop-a"), true, "1");
  assert.equal(shopA.needsNotice, true);
  shopA.set("tracking", true);
  assert.ok([...storage.keys()].includes("shopchat:shop-a:consent"));

  const reloaded = new Consent(memoryStore(storage, "shop-a"), true, "1");
  assert.equal(reloaded.decision("tracking"), true);
  assert.equal(reloaded.allows("tracking"), true);
  assert.equal(reloaded.needsNotice, false);
  assert.deepEqual(reloaded.state(), { tracking: true, identification: null });

  const shopB = new Consent(memoryStore(storage, "shop-b"), true, "1");
  assert.equal(shopB.decision("tracking"), null, "another site key has its own decisions");
  assert.equal(shopB.needsNotice, true);
});

test("a new notice version asks again where consent is required; an earlier no still counts elsewhere", () => {
  const storage = new Map<string, string>();
  new Consent(memoryStore(storage), true, "1").set("tracking", true);
  const v2 = new Consent(memoryStore(storage), true, "2");
  assert.equal(v2.decision("tracking"), null);
  assert.equal(v2.allows("tracking"), false);
  assert.equal(v2.needsNotice, true);

  new Consent(memoryStore(storage), false, "1").set("tracking", false);
  assert.equal(new Consent(memoryStore(storage), false, "2").allows("tracking"), false);
});

test("identification always needs a yes; tracking needs one only where the site requires consent", () => {
  const open = new Consent(memoryStore(), false, "1");
  assert.equal(open.allows("tracking"), true);
  assert.equal(open.allows("identification"), false);
  assert.equal(open.needsNotice, false, "no notice where consent is not required");
  open.set("identification", true);
  assert.equal(open.allows("identification"), true);
  const strict = new Consent(memoryStore(), true, "1");
  assert.equal(strict.allows("tracking"), false);
});

test("decisions are sent once with their notice version, and a change of mind is sent too", async () => {
  const storage = new Map<string, string>();
  const consent = new Consent(memoryStore(storage), true, "2024-05");
  const channel = new FakeChannel({ consent: () => ({ ok: true, consent: {} }) });
  channel.isConnected = true;
  let changes = 0;
  consent.onChange(() => changes++);
  consent.set("tracking", false);
  consent.set("tracking", false);
  assert.equal(changes, 1, "the same decision again is no change");
  consent.set("identification", true);
  assert.equal(await consent.sendUnsent(channel), true);
  assert.deepEqual(channel.events("consent"), [
    { purpose: "tracking", granted: false, notice_version: "2024-05" },
    { purpose: "identification", granted: true, notice_version: "2024-05" },
  ]);
  assert.equal(await new Consent(memoryStore(storage), true, "2024-05").sendUnsent(channel), true);
  assert.equal(channel.events("consent").length, 2, "acknowledged decisions are not sent again, also after a reload");
  consent.set("tracking", true);
  await consent.sendUnsent(channel);
  assert.deepEqual(channel.events("consent").at(-1), { purpose: "tracking", granted: true, notice_version: "2024-05" });
});

test("offline, decisions wait", async () => {
  const consent = new Consent(memoryStore(), true, "1");
  const channel = new FakeChannel({ consent: () => ({ ok: true }) });
  consent.set("tracking", true);
  assert.equal(await consent.sendUnsent(channel), false);
  channel.isConnected = true;
  assert.equal(await consent.sendUnsent(channel), true);
  assert.equal(channel.events("consent").length, 2);
});
