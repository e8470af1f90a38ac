import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { ChatClient } from "../src/client";
import { Outbox } from "../src/outbox";
import type { Message } from "../src/protocol";
import { FakeLink, memoryStore, msg, NO_ACK, RecordingView, waitFor } from "./fakes";

/** A server that commits messages idempotently by client_id, as docs/protocol.md requires. */
class FakeServer {
  readonly messages: Message[] = [];
  conversation = { id: "conv-1", state: "bot" as const, language: "en" };
  dropNextAck = false;
  failWith: string | null = null;

  handlers(link: () => FakeLink, onEcho?: (m: Message) => void) {
    return {
      sync: (p: Record<string, unknown>) => ({
        ok: true,
        conversation: this.conversation,
        messages: this.messages.filter((m) => m.conversation_id === this.conversation.id && m.seq > Number(p.after_seq)),
      }),
      message: (p: Record<string, unknown>) => {
        if (this.failWith) return { ok: false, error: { code: this.failWith, message: "no" } };
        let m = this.messages.find((x) => x.client_id === p.client_id);
        if (!m) {
          m = msg(this.messages.length + 1, "visitor", String(p.text), String(p.client_id), this.conversation.id);
          this.messages.push(m);
          onEcho?.(m);
        }
        if (this.dropNextAck) {
          this.dropNextAck = false;
          setTimeout(() => link().drop(), 10);
          return NO_ACK;
        }
        return { ok: true, message: m };
      },
      typing: () => ({ ok: true }),
    };
  }
}

function setup(options: { storage?: Map<string, string>; echo?: boolean } = {}) {
  const server = new FakeServer();
  const view = new RecordingView();
  const outbox = new Outbox(memoryStore(options.storage));
  let link!: FakeLink;
  let client!: ChatClient;
  client = new ChatClient(view, {
    outbox,
    openSession: async () => ({ token: "t", visitorId: "v", isNewVisitor: false }),
    createLink: () => {
      link = new FakeLink(server.handlers(() => link, options.echo ? (m) => client.message(m) : undefined));
      return link;
    },
  });
  const connect = async () => {
    await waitFor(() => link !== undefined && link.connectCalls > 0, "connect call");
    link.connected = true;
    client.connected();
  };
  const disconnect = () => {
    link.drop();
    client.disconnected();
  };
  return { server, view, outbox, client, connect, disconnect, link: () => link };
}

test("messages written offline are persisted and shown as pending, then sent after sync", async () => {
  const s = setup();
  s.client.boot(false);
  s.client.send("hello");
  s.client.send("  second  ");
  assert.deepEqual(s.outbox.items().map((i) => i.text), ["hello", "second"]);
  assert.equal(s.view.pending.length, 2);
  await s.connect();
  await waitFor(() => s.outbox.items().length === 0, "outbox flushed");
  const events = s.link().requests.map((r) => r.event);
  assert.equal(events[0], "sync", "sync goes before any message");
  assert.deepEqual(s.server.messages.map((m) => m.text), ["hello", "second"]);
  assert.deepEqual(s.view.sent.map((x) => x.message.seq), [1, 2]);
  assert.equal(s.view.shown.length, 0, "acked own messages are not shown twice");
});

test("an echo arriving before the ack marks the message sent once", async () => {
  const s = setup({ echo: true });
  s.client.boot(false);
  s.client.start(); // what opening the panel does
  await s.connect();
  s.client.send("hi");
  await waitFor(() => s.outbox.items().length === 0, "ack");
  assert.equal(s.view.sent.length, 1);
  assert.equal(s.view.shown.length, 0);
});

test("a lost ack is retried with the same client_id after reconnecting, without duplicates", async () => {
  const s = setup();
  s.client.boot(false);
  s.client.start(); // what opening the panel does
  await s.connect();
  await waitFor(() => s.view.statuses.includes("online"), "online");
  s.server.dropNextAck = true;
  s.client.send("important");
  await waitFor(() => !s.link().connected, "drop");
  s.client.disconnected();
  assert.equal(s.outbox.items().length, 1, "still in the outbox");
  await s.connect();
  await waitFor(() => s.outbox.items().length === 0, "resent");
  const sends = s.link().requests.filter((r) => r.event === "message");
  assert.equal(sends.length, 2);
  assert.equal(sends[0].payload.client_id, sends[1].payload.client_id);
  assert.equal(s.server.messages.length, 1);
  assert.deepEqual(s.view.visibleSeqs(), [1]);
});

test("reconnecting syncs from the last seq and shows only what was missed", async () => {
  const s = setup();
  s.server.messages.push(msg(1, "bot", "welcome"));
  s.client.boot(true);
  await s.connect();
  await waitFor(() => s.view.shown.length === 1, "history");
  s.disconnect();
  s.server.messages.push(msg(2, "agent", "missed"));
  await s.connect();
  await waitFor(() => s.view.shown.length === 2, "missed message");
  const syncs = s.link().requests.filter((r) => r.event === "sync").map((r) => r.payload.after_seq);
  assert.deepEqual(syncs, [0, 1]);
  // The same message arriving live as well is ignored.
  s.client.message(msg(2, "agent", "missed"));
  assert.equal(s.view.shown.length, 2);
});

test("a live message after a hole triggers a sync for the missing one", async () => {
  const s = setup();
  s.client.boot(true);
  await s.connect();
  await waitFor(() => s.view.statuses.includes("online"), "online");
  s.server.messages.push(msg(1, "bot", "one"), msg(2, "bot", "two"));
  s.client.message(msg(2, "bot", "two"));
  await waitFor(() => s.view.shown.length === 2, "gap filled");
  assert.deepEqual(s.view.visibleSeqs(), [1, 2]);
});

test("a new conversation is synced from seq 0", async () => {
  const s = setup();
  s.server.messages.push(msg(1, "bot", "old"));
  s.client.boot(true);
  await s.connect();
  await waitFor(() => s.view.shown.length === 1, "history");
  s.disconnect();
  s.server.conversation = { id: "conv-2", state: "bot", language: "en" };
  s.server.messages.push(msg(1, "bot", "new 1", null, "conv-2"), msg(2, "bot", "new 2", null, "conv-2"));
  await s.connect();
  await waitFor(() => s.view.shown.length === 3, "new conversation");
  const syncs = s.link().requests.filter((r) => r.event === "sync").map((r) => r.payload.after_seq);
  assert.deepEqual(syncs, [0, 1, 0]);
});

test("a permanently refused message leaves the outbox and is marked failed", async () => {
  const s = setup();
  s.client.boot(false);
  s.client.start(); // what opening the panel does
  await s.connect();
  s.server.failWith = "text_too_long";
  s.client.send("x".repeat(10));
  await waitFor(() => s.view.failed.length === 1, "failure");
  assert.equal(s.view.failed[0].error.code, "text_too_long");
  assert.equal(s.outbox.items().length, 0);
});

test("the outbox survives a reload: a new client shows and sends what the old one left", async () => {
  const storage = new Map<string, string>();
  const first = setup({ storage });
  first.client.boot(false);
  first.client.send("written before reload");
  const second = setup({ storage });
  second.client.boot(false);
  assert.deepEqual(second.view.pending.map((p) => p.text), ["written before reload"]);
  await second.connect();
  await waitFor(() => second.server.messages.length === 1, "sent after reload");
});

test("typing indicator switches off by itself", async (t: TestContext) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const s = setup();
  s.client.typing({ conversation_id: "conv-1", sender: "bot", typing: true });
  assert.equal(s.view.typing, true);
  t.mock.timers.tick(8_000);
  assert.equal(s.view.typing, false);
});
