import assert from "node:assert/strict";
import { test } from "node:test";
import { ConversationStore, mergeSummary, viewsFor, viewsOf } from "../src/lists";
import { visitorLabel } from "../src/ui/lists";
import { agent, summary } from "./fakes";

const me = agent({ id: "a-1", teams: ["sales"] });
const boss = agent({ id: "s-1", role: "supervisor", teams: [] });
const names = (set: Set<string>) => Array.from(set).sort();

test("list membership follows state, offline flag and assignee", () => {
  assert.deepEqual(names(viewsOf(summary({ state: "bot" }), me)), ["bot"]);
  assert.deepEqual(names(viewsOf(summary({ state: "queued" }), me)), ["waiting"]);
  assert.deepEqual(names(viewsOf(summary({ state: "queued", offline: true }), me)), ["offline"]);
  assert.deepEqual(names(viewsOf(summary({ state: "assigned", assignee: { id: "a-1", name: "Ann" } }), me)), ["mine"]);
  assert.deepEqual(names(viewsOf(summary({ state: "assigned", assignee: { id: "a-2", name: "Bob" } }), me)), []);
  assert.deepEqual(names(viewsOf(summary({ state: "closed", assignee: { id: "a-1", name: "Ann" } }), me)), []);
});

test("supervisors also see every conversation under All", () => {
  assert.deepEqual(names(viewsOf(summary({ state: "assigned", assignee: { id: "a-2", name: "Bob" } }), boss)), ["all"]);
  assert.deepEqual(names(viewsOf(summary({ state: "queued" }), boss)), ["all", "waiting"]);
  assert.deepEqual(viewsFor(me), ["bot", "waiting", "mine", "offline"]);
  assert.deepEqual(viewsFor(boss), ["bot", "waiting", "mine", "offline", "all"]);
});

test("plain agents only list bot and waiting conversations of their teams or without a team", () => {
  assert.deepEqual(names(viewsOf(summary({ state: "queued", team: "sales" }), me)), ["waiting"]);
  assert.deepEqual(names(viewsOf(summary({ state: "queued", team: "returns" }), me)), []);
  assert.deepEqual(names(viewsOf(summary({ state: "queued", team: "returns" }), boss)), ["all", "waiting"]);
});

test("a conversation event moves the conversation between lists", () => {
  const store = new ConversationStore(me);
  store.upsert(summary({ id: "c-1", state: "queued", state_version: 1 }));
  assert.deepEqual(store.counts(), { bot: 0, waiting: 1, mine: 0, offline: 0, all: 0 });
  const change = store.upsert(summary({ id: "c-1", state: "assigned", state_version: 2, assignee: { id: "a-1", name: "Ann" } }));
  assert.ok(change);
  assert.deepEqual(names(change.before), ["waiting"]);
  assert.deepEqual(names(change.after), ["mine"]);
  assert.deepEqual(store.list("mine").map((s) => s.id), ["c-1"]);
  assert.equal(store.list("waiting").length, 0);
});

test("a reduced event about someone else's conversation drops it from my lists", () => {
  const store = new ConversationStore(me);
  store.upsert(summary({ id: "c-1", state: "queued", state_version: 3 }));
  const change = store.upsert({ id: "c-1", state: "assigned", assignee: { id: "a-2", name: "Bob" } });
  assert.ok(change);
  assert.deepEqual(names(change.after), []);
  assert.equal(store.list("waiting").length, 0);
  // Never seen before, reduced: nothing to show and nothing stored.
  assert.equal(store.upsert({ id: "c-9", state: "assigned", assignee: { id: "a-2", name: "Bob" } }), null);
  assert.equal(store.get("c-9"), undefined);
});

test("older state versions are ignored and same-version events never roll the last message back", () => {
  const current = summary({ state: "assigned", state_version: 5, last_seq: 9, last_message: { seq: 9, sender: "visitor", text: "new" } });
  assert.equal(mergeSummary(current, summary({ state: "queued", state_version: 4 })), null);
  const merged = mergeSummary(current, summary({ state: "assigned", state_version: 5, last_seq: 7, last_message: { seq: 7, sender: "bot", text: "old" }, visitor_read_seq: 6 }));
  assert.ok(merged);
  assert.equal(merged.last_message?.text, "new");
  assert.equal(merged.visitor_read_seq, 6);
});

test("a state change without a last message keeps the preview we have", () => {
  const current = summary({ state: "queued", state_version: 2, last_seq: 5, last_message: { seq: 5, sender: "visitor", text: "help" } });
  const merged = mergeSummary(current, summary({ state: "assigned", state_version: 3, last_seq: 5, last_message: null }));
  assert.equal(merged?.state, "assigned");
  assert.equal(merged?.last_message?.text, "help");
  const reduced = mergeSummary(current, { id: "c-1", state: "assigned", state_version: 3, assignee: { id: "a-2", name: "Bob" } });
  assert.equal(reduced?.assignee?.name, "Bob");
  assert.equal(reduced?.last_message?.text, "help");
});

test("waiting is oldest first, the other lists newest first", () => {
  const store = new ConversationStore(me);
  store.upsert(summary({ id: "old", state: "queued", queued_at: "2026-11-24T10:00:00Z", updated_at: "2026-11-24T10:05:00Z" }));
  store.upsert(summary({ id: "new", state: "queued", queued_at: "2026-11-24T10:03:00Z", updated_at: "2026-11-24T10:03:00Z" }));
  assert.deepEqual(store.list("waiting").map((s) => s.id), ["old", "new"]);
  store.upsert(summary({ id: "b1", state: "bot", updated_at: "2026-11-24T09:00:00Z" }));
  store.upsert(summary({ id: "b2", state: "bot", updated_at: "2026-11-24T11:00:00Z" }));
  assert.deepEqual(store.list("bot").map((s) => s.id), ["b2", "b1"]);
});

test("loading a list drops what the server no longer has in it, and keeps other lists", () => {
  const store = new ConversationStore(me);
  store.upsert(summary({ id: "gone", state: "queued" }));
  store.upsert(summary({ id: "bot-1", state: "bot" }));
  store.load("waiting", [summary({ id: "fresh", state: "queued" })]);
  assert.deepEqual(store.list("waiting").map((s) => s.id), ["fresh"]);
  assert.deepEqual(store.list("bot").map((s) => s.id), ["bot-1"]);
});

test("unread: news past what agents read, on a conversation with or waiting for a person", () => {
  const store = new ConversationStore(me);
  const s = summary({ id: "c-1", state: "assigned", assignee: { id: "a-1", name: "Ann" }, last_seq: 4, agent_read_seq: 2, last_message: { seq: 4, sender: "visitor", text: "hello?" } });
  store.upsert(s);
  assert.equal(store.isUnread(store.get("c-1")!), true);
  store.markRead("c-1", 4);
  assert.equal(store.isUnread(store.get("c-1")!), false);
  assert.equal(store.isUnread(summary({ state: "bot", last_seq: 4, last_message: { seq: 4, sender: "visitor", text: "x" } })), false);
  assert.equal(store.isUnread(summary({ state: "queued", last_seq: 4, last_message: { seq: 4, sender: "agent", text: "x" } })), false);
  assert.equal(store.isUnread(summary({ id: "c-2", state: "queued", last_seq: 3, last_message: { seq: 3, sender: "system", text: "Nobody online" } })), true, "a fresh handoff ends with a notice");
});

test("a conversation is named after the identified customer, and keeps the name when a message's summary leaves it out", () => {
  assert.equal(visitorLabel(summary({ visitor_name: "Kim", contact_email: "kim@example.com" })), "Kim");
  assert.equal(visitorLabel(summary({ contact_email: "kim@example.com" })), "kim@example.com");
  assert.equal(visitorLabel(summary()), "Visitor v-1234");
  const store = new ConversationStore(me);
  store.upsert(summary({ state: "queued", visitor_name: "Kim", last_seq: 1 }));
  store.upsert(summary({ state: "queued", last_seq: 2 })); // sent for a new message: no visitor_name key
  assert.equal(store.get("c-1")?.visitor_name, "Kim");
  assert.equal(store.get("c-1")?.last_seq, 2);
});

test("a list read before an event does not drop the conversation the event brought into it", () => {
  const store = new ConversationStore(me);
  const fetchedFrom = store.mark();
  // While the waiting list was being read, a chat was queued and its event arrived.
  store.upsert(summary({ id: "c-new", state: "queued", state_version: 2 }));
  store.load("waiting", [], fetchedFrom);
  assert.deepEqual(store.list("waiting").map((s) => s.id), ["c-new"]);
  // A list read after the event is the truth: the chat left the waiting list in the meantime.
  store.load("waiting", [], store.mark());
  assert.deepEqual(store.list("waiting"), []);
});

test("a list read before an event does not roll the conversation back to an older state", () => {
  const store = new ConversationStore(me);
  const fetchedFrom = store.mark();
  store.upsert(summary({ id: "c-1", state: "queued", state_version: 2 }));
  store.load("bot", [summary({ id: "c-1", state: "bot", state_version: 1 })], fetchedFrom);
  assert.equal(store.get("c-1")?.state, "queued");
  assert.deepEqual(store.counts(), { bot: 0, waiting: 1, mine: 0, offline: 0, all: 0 });
});
