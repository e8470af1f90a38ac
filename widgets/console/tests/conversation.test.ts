import assert from "node:assert/strict";
import { test } from "node:test";
import type { Api } from "../src/api";
import { ConversationController } from "../src/conversation";
import { ConversationStore } from "../src/lists";
import type { Ack, Summary } from "../src/protocol";
import type { Link, Rpc } from "../src/rpc";
import type { ConversationPane } from "../src/ui/conversation";
import type { CustomerPanel } from "../src/ui/customer";
import { ManualClock, agent, summary } from "./fakes";

/** A promise the test resolves when it wants to. */
function later<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test("a detail answered after a claim does not show the conversation as waiting again", async () => {
  const me = agent({ id: "s-1", name: "Sue", role: "supervisor", teams: [] });
  const store = new ConversationStore(me);
  const waiting = summary({ id: "c-1", state: "queued", state_version: 2 });
  store.upsert(waiting);
  const shown: Summary[] = [];
  const pane = {
    open: (s: Summary) => shown.push(s),
    update: (s: Summary) => shown.push(s),
    setTyping: () => {},
    showEmpty: () => {},
    alert: { show: () => {} },
    log: { add: () => {}, addPending: () => {}, setSeen: () => {}, failPending: () => {} },
  } as unknown as ConversationPane;
  const customer = { showLoading: () => {}, showEmpty: () => {}, render: () => {}, showError: () => {} } as unknown as CustomerPanel;
  const detail = later<{ conversation: Summary; messages: []; customer: null }>();
  const api = { conversation: () => detail.promise } as unknown as Api;
  const claimed = summary({ id: "c-1", state: "assigned", state_version: 3, assignee: { id: "s-1", name: "Sue" } });
  const rpc = {
    call: async (event: string): Promise<object> =>
      event === "claim" ? { ok: true, conversation: claimed } : event === "watch" ? { ok: true, conversation: waiting, messages: [] } : { ok: true },
  } as unknown as Rpc;
  const link: Link = { connected: true, request: async () => ({ ok: true }) as Ack<object>, notify: () => {} };
  const controller = new ConversationController({
    me,
    api,
    link,
    rpc,
    renew: async () => "refreshed",
    store,
    pane,
    customer,
    scheduler: new ManualClock(),
    changed: () => {},
    attentive: () => false,
  });

  const opened = controller.open("c-1");
  assert.equal(await controller.claim(), null);
  detail.resolve({ conversation: waiting, messages: [], customer: null });
  await opened;

  assert.equal(store.get("c-1")?.state, "assigned");
  assert.equal(shown.at(-1)?.state, "assigned", "the pane went back to the stale 'queued' summary");
});

test("a message for a watched conversation moves it up its list and shows its preview, with no summary", () => {
  const me = agent({ id: "a-1", name: "Ann", role: "agent", teams: [] });
  const store = new ConversationStore(me);
  const mine = { state: "assigned" as const, assignee: { id: "a-1", name: "Ann" }, state_version: 2 };
  store.upsert(summary({ id: "c-old", ...mine, updated_at: "2026-11-24T10:00:00+00:00", last_seq: 3 }));
  store.upsert(summary({ id: "c-new", ...mine, updated_at: "2026-11-24T10:05:00+00:00", last_seq: 1 }));
  assert.deepEqual(store.list("mine").map((s) => s.id), ["c-new", "c-old"]);
  let changes = 0;
  const controller = new ConversationController({
    me,
    api: {} as Api,
    link: { connected: true, request: async () => ({ ok: true }) as Ack<object>, notify: () => {} },
    rpc: {} as Rpc,
    renew: async () => "refreshed",
    store,
    pane: {} as ConversationPane,
    customer: {} as CustomerPanel,
    scheduler: new ManualClock(),
    changed: () => changes++,
    attentive: () => false,
  });

  controller.onMessage({
    conversation_id: "c-old", seq: 4, sender: "visitor", text: "Still waiting for my parcel", payload: null, client_id: "m-4",
    created_at: "2026-11-24T10:07:00+00:00",
  });

  assert.deepEqual(store.list("mine").map((s) => s.id), ["c-old", "c-new"]);
  const entry = store.get("c-old");
  assert.equal(entry?.last_seq, 4);
  assert.deepEqual(entry?.last_message, { seq: 4, sender: "visitor", text: "Still waiting for my parcel" });
  assert.equal(changes, 1);
  // The same message again (a resync) changes nothing.
  controller.onMessage({
    conversation_id: "c-old", seq: 4, sender: "visitor", text: "Still waiting for my parcel", payload: null, client_id: "m-4",
    created_at: "2026-11-24T10:07:00+00:00",
  });
  assert.equal(changes, 1);
});
