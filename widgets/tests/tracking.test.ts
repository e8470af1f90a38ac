import assert from "node:assert/strict";
import { test } from "node:test";
import { Consent } from "../src/consent";
import { MAX_QUEUED_EVENTS, SendQueue } from "../src/sendqueue";
import { checkTrack, Tracker } from "../src/tracking";
import { FakeChannel, memoryStore, waitFor } from "./fakes";

const ok = (extra: object = {}) => () => ({ ok: true, ...extra });

function setup(options: { required?: boolean; storage?: Map<string, string> } = {}) {
  const channel = new FakeChannel({ consent: ok({ consent: {} }), track: ok({ stored: true }) });
  const consent = new Consent(memoryStore(options.storage), options.required ?? false, "1");
  const queue = new SendQueue(channel, consent);
  const tracker = new Tracker(consent, queue);
  const connect = async () => {
    channel.isConnected = true;
    await queue.flush();
  };
  return { channel, consent, queue, tracker, connect };
}

const tracked = (s: ReturnType<typeof setup>) => s.channel.events("track").map((p) => p.event);

test("events are queued until connected, then sent in order; the first one opens the session", async () => {
  const s = setup();
  assert.equal(s.tracker.track("page_view", { url: "https://shop.example/", title: "Home" }), true);
  assert.equal(s.tracker.track("cart_add", { sku: "SW-001", quantity: 1, price_cents: 8900 }), true);
  assert.ok(s.channel.starts > 0, "a session is opened for a visitor who never opened the chat");
  assert.equal(s.queue.size, 2);
  await s.connect();
  assert.deepEqual(tracked(s), ["page_view", "cart_add"]);
  assert.deepEqual(s.channel.events("track")[1], { event: "cart_add", props: { sku: "SW-001", quantity: 1, price_cents: 8900 } });
  assert.equal(s.queue.size, 0);
});

test("the queue keeps the newest 100 events while offline", async () => {
  const s = setup();
  for (let i = 0; i < MAX_QUEUED_EVENTS + 5; i++) s.tracker.track("page_view", { n: i });
  assert.equal(s.queue.size, MAX_QUEUED_EVENTS);
  await s.connect();
  const sent = s.channel.events("track").map((p) => (p.props as { n: number }).n);
  assert.equal(sent.length, MAX_QUEUED_EVENTS);
  assert.equal(sent[0], 5, "the oldest gave way");
  assert.equal(sent.at(-1), MAX_QUEUED_EVENTS + 4);
});

test("where consent is required nothing is sent, queued or even connected before the visitor allows tracking", async () => {
  const s = setup({ required: true });
  assert.equal(s.tracker.track("page_view", { url: "/" }), false);
  assert.equal(s.queue.size, 0);
  assert.equal(s.channel.starts, 0, "no session either");
  await s.connect();
  assert.equal(s.channel.requests.length, 0);

  s.consent.set("tracking", true);
  assert.equal(s.tracker.track("page_view", { url: "/" }), true);
  await waitFor(() => tracked(s).length === 1, "tracked after consent");
  const events = s.channel.requests.map((r) => r.event);
  assert.deepEqual(events, ["consent", "track"], "the server hears of the consent first");
  assert.deepEqual(s.channel.requests[0].payload, { purpose: "tracking", granted: true, notice_version: "1" });
});

test("withdrawing consent drops what is queued and stops tracking at once", async () => {
  const s = setup({ required: true });
  s.consent.set("tracking", true);
  s.tracker.track("page_view");
  s.tracker.track("cart_add", { sku: "A" });
  assert.equal(s.queue.size, 2);
  s.consent.set("tracking", false);
  assert.equal(s.queue.size, 0);
  assert.equal(s.tracker.track("cart_remove", { sku: "A" }), false);
  await s.connect();
  assert.deepEqual(tracked(s), []);
  assert.deepEqual(s.channel.events("consent").map((p) => p.granted), [false], "only the withdrawal is sent");
});

test("without a consent requirement tracking runs until the visitor says no", async () => {
  const s = setup();
  await s.connect();
  assert.equal(s.tracker.track("exit_intent"), true);
  await waitFor(() => tracked(s).length === 1, "tracked");
  s.consent.set("tracking", false);
  assert.equal(s.tracker.track("exit_intent"), false);
  await waitFor(() => s.channel.events("consent").length === 1, "objection sent");
  assert.deepEqual(tracked(s), ["exit_intent"]);
});

test("an event without an ack stays queued and goes with the next connection", async () => {
  const s = setup();
  s.channel.handlers.track = () => {
    throw new Error("operation has timed out");
  };
  s.tracker.track("page_view");
  await s.connect();
  assert.equal(s.queue.size, 1);
  s.channel.handlers.track = ok({ stored: true });
  s.channel.isConnected = false;
  await s.connect();
  assert.equal(s.queue.size, 0);
  assert.deepEqual(tracked(s), ["page_view", "page_view"]);
});

test("consent that could not be sent holds tracking back until it is", async () => {
  const s = setup({ required: true });
  s.channel.handlers.consent = () => {
    throw new Error("operation has timed out");
  };
  s.consent.set("tracking", true);
  s.tracker.track("page_view");
  await s.connect();
  assert.deepEqual(tracked(s), []);
  s.channel.handlers.consent = ok({ consent: { tracking: true, identification: null } });
  s.channel.isConnected = false;
  await s.connect();
  assert.deepEqual(tracked(s), ["page_view"]);
  assert.equal(s.channel.events("consent").length, 2);
  // Acknowledged: not sent again on the next connection.
  s.channel.isConnected = false;
  await s.connect();
  assert.equal(s.channel.events("consent").length, 2);
});

test("events are checked as the server would, long strings cut to 200 characters", () => {
  assert.deepEqual(checkTrack("cart_add", { sku: "A", quantity: 2, gift: false, note: null }), {
    event: "cart_add",
    props: { sku: "A", quantity: 2, gift: false, note: null },
  });
  assert.deepEqual(checkTrack("page_view", undefined), { event: "page_view", props: {} });
  const long = checkTrack("page_view", { title: "x".repeat(500) });
  assert.ok(!("error" in long) && (long.props.title as string).length === 200);
  for (const bad of ["", "PageView", "page-view", "1st", "x".repeat(41), 42]) assert.ok("error" in checkTrack(bad, {}), String(bad));
  assert.ok("error" in checkTrack("a", { nested: { no: 1 } }));
  assert.ok("error" in checkTrack("a", { n: Number.NaN }));
  assert.ok("error" in checkTrack("a", [1, 2]));
  assert.ok("error" in checkTrack("a", Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i]))));
});

test("an invalid event is refused with a warning and not queued", (t) => {
  const warn = t.mock.method(console, "warn", () => undefined);
  const s = setup();
  assert.equal(s.tracker.track("Bad Name", {}), false);
  assert.equal(s.queue.size, 0);
  assert.equal(warn.mock.callCount(), 1);
});
