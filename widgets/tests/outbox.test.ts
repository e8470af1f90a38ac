import assert from "node:assert/strict";
import { test } from "node:test";
import { Outbox } from "../src/outbox";
import { memoryStore } from "./fakes";

const item = (id: string) => ({ client_id: id, text: `text ${id}`, queued_at_ms: 1 });

test("keeps items in order until removed", () => {
  const box = new Outbox(memoryStore());
  box.add(item("a"));
  box.add(item("b"));
  assert.deepEqual(box.items().map((i) => i.client_id), ["a", "b"]);
  box.remove("a");
  assert.equal(box.first()?.client_id, "b");
  box.remove("b");
  assert.equal(box.first(), null);
});

test("two tabs sharing storage do not overwrite each other's items", () => {
  const shared = new Map<string, string>();
  const tabA = new Outbox(memoryStore(shared));
  const tabB = new Outbox(memoryStore(shared));
  tabA.add(item("a"));
  tabB.add(item("b"));
  assert.deepEqual(tabA.items().map((i) => i.client_id), ["a", "b"]);
});

test("ignores corrupt storage", () => {
  const shared = new Map<string, string>([["shopchat:test:outbox", "{not json"]]);
  assert.deepEqual(new Outbox(memoryStore(shared)).items(), []);
  shared.set("shopchat:test:outbox", JSON.stringify([{ client_id: 1 }, item("ok")]));
  assert.deepEqual(new Outbox(memoryStore(shared)).items().map((i) => i.client_id), ["ok"]);
});
