import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { ChatClient } from "../src/client";
import { Outbox } from "../src/outbox";
import type { Conversation, Message } from "../src/protocol";
import { VISITOR_TYPING_IDLE_MS, VISITOR_TYPING_REPEAT_MS } from "../src/typing";
import { FakeLink, memoryStore, msg, NO_ACK, RecordingView, systemMsg, waitFor } from "./fakes";

/** A server that commits messages idempotently by client_id, as docs/protocol.md requires. */
class FakeServer {
  readonly messages: Message[] = [];
  conversation: Conversation = { id: "conv-1", state: "bot", language: "en" };
  dropNextAck = false;
  failWith: string | null = null;
  /** Refuse this many messages with `busy` before storing them (a server behind on its database). */
  busyTimes = 0;
  /** Read reports that fail (as if lost) before they are taken. */
  loseReads = 0;
  readSeq = 0;

  handlers(link: () => FakeLink, onEcho?: (m: Message) => void) {
    return {
      sync: (p: Record<string, unknown>) => ({
        ok: true,
        conversation: this.conversation,
        messages: this.messages.filter((m) => m.conversation_id === this.conversation.id && m.seq > Number(p.after_seq)),
      }),
      message: (p: Record<string, unknown>) => {
        if (this.failWith) return { ok: false, error: { code: this.failWith, message: "no" } };
        if (this.busyTimes > 0) {
          this.busyTimes--;
          return { ok: false, error: { code: "busy", message: "later", retry_after_s: 0.01 } };
        }
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
      read: (p: Record<string, unknown>) => {
        if (this.loseReads > 0) {
          this.loseReads -= 1;
          throw new Error("operation has timed out");
        }
        this.readSeq = Math.max(this.readSeq, Number(p.seq));
        return { ok: true };
      },
      leave_message: (p: Record<string, unknown>) => {
        let m = this.messages.find((x) => x.client_id === p.client_id);
        if (!m) {
          m = msg(this.messages.length + 1, "visitor", String(p.text), String(p.client_id), this.conversation.id);
          this.messages.push(m);
          this.conversation = { ...this.conversation, offline: true };
        }
        return { ok: true, message: m };
      },
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

test("a message refused as busy stays in the outbox and goes once the server catches up, however many refusals", async () => {
  const s = setup();
  s.client.boot(false);
  s.client.start();
  await s.connect();
  s.server.busyTimes = 12; // more than the attempts any other refusal gets
  s.client.send("still there?");
  await waitFor(() => s.server.messages.length === 1, "stored after the backlog");
  assert.equal(s.view.failed.length, 0);
  assert.equal(s.outbox.items().length, 0);
  assert.equal(s.server.busyTimes, 0);
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

/** Connected, synced and idle: what a visitor with the panel open has. */
async function online(s: ReturnType<typeof setup>): Promise<void> {
  s.client.boot(true);
  await s.connect();
  await waitFor(() => s.view.statuses.includes("online"), "online");
}

const readsSent = (s: ReturnType<typeof setup>) => s.link().requests.filter((r) => r.event === "read").map((r) => r.payload.seq);

test("the visitor's typing goes out at most every 2 s, and stops after 3 s idle or on send", async (t: TestContext) => {
  const s = setup();
  await online(s);
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 10_000 });
  const typingSent = () => s.link().notified.filter((n) => n.event === "typing").map((n) => (n.payload as { typing: boolean }).typing);

  s.client.visitorTyped();
  for (let ms = 0; ms < VISITOR_TYPING_REPEAT_MS - 500; ms += 500) {
    t.mock.timers.tick(500);
    s.client.visitorTyped();
  }
  assert.deepEqual(typingSent(), [true], "one notification within the first 2 s of keystrokes");
  t.mock.timers.tick(500);
  s.client.visitorTyped();
  assert.deepEqual(typingSent(), [true, true], "repeated after 2 s while still typing");

  t.mock.timers.tick(VISITOR_TYPING_IDLE_MS - 1);
  assert.deepEqual(typingSent(), [true, true]);
  t.mock.timers.tick(1);
  assert.deepEqual(typingSent(), [true, true, false], "idle for 3 s");

  s.client.visitorTyped();
  s.client.send("done");
  assert.deepEqual(typingSent(), [true, true, false, true, false], "sending stops it at once");
  t.mock.timers.tick(VISITOR_TYPING_IDLE_MS);
  assert.deepEqual(typingSent(), [true, true, false, true, false], "and the idle timer does not say it twice");
});

test("an agent's typing indicator carries their name; the bot's does not", () => {
  const s = setup();
  s.client.typing({ conversation_id: "conv-1", sender: "agent", typing: true, name: "Anna" });
  assert.equal(s.view.typing, true);
  assert.equal(s.view.typingName, "Anna");
  s.client.typing({ conversation_id: "conv-1", sender: "bot", typing: true, name: "Bot" } as never);
  assert.equal(s.view.typingName, undefined);
  s.client.typing({ conversation_id: "conv-1", sender: "agent", typing: true });
  assert.equal(s.view.typingName, undefined);
});

test("read receipts: the newest bot or agent message, while the visitor watches, only when it increases", async () => {
  const s = setup();
  s.server.messages.push(msg(1, "bot", "welcome"), msg(2, "visitor", "hi", "c1"));
  await online(s);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(readsSent(s), [], "nothing while the panel is closed");

  s.client.setWatching(true);
  await waitFor(() => s.server.readSeq === 1, "read 1");
  s.client.setWatching(false);
  s.client.setWatching(true);
  s.client.message(msg(3, "visitor", "me again", "c2"));
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(readsSent(s), [1], "not again for the same seq, nor for the visitor's own message");

  s.client.message(msg(4, "agent", "hello"));
  s.client.message(msg(5, "agent", "how can I help?"));
  await waitFor(() => s.server.readSeq === 5, "read 5");
  assert.deepEqual(readsSent(s), [1, 5], "messages arriving together are reported once");

  s.client.setWatching(false);
  s.client.message(msg(6, "agent", "are you there?"));
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(readsSent(s), [1, 5], "not while the panel is closed or the page hidden");
  s.client.setWatching(true);
  await waitFor(() => s.server.readSeq === 6, "read 6 when the visitor looks again");
  assert.deepEqual(readsSent(s), [1, 5, 6]);
});

test("a read report that got lost is sent again after reconnecting", async () => {
  const s = setup();
  s.server.messages.push(msg(1, "agent", "hello"));
  s.server.loseReads = 1;
  await online(s);
  s.client.setWatching(true);
  await waitFor(() => readsSent(s).length === 1, "first report");
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(s.server.readSeq, 0);
  s.disconnect();
  await s.connect();
  await waitFor(() => s.server.readSeq === 1, "report resent");
  assert.deepEqual(readsSent(s), [1, 1]);
});

test("an agent's read receipt reaches the view only when it goes further, for this conversation", async () => {
  const s = setup();
  s.server.messages.push(msg(1, "visitor", "hi", "c1"), msg(2, "visitor", "anyone?", "c2"));
  await online(s);
  const read = (seq: number, conversation_id = "conv-1", reader: "agent" | "visitor" = "agent") => s.client.read({ conversation_id, reader, seq });
  read(1);
  read(1);
  read(2, "conv-1", "visitor");
  read(5, "conv-old");
  read(2);
  assert.deepEqual(s.view.seen, [
    { conversationId: "conv-1", seq: 1 },
    { conversationId: "conv-1", seq: 2 },
  ]);
});

test("the queue position is shown while queued and cleared when a person takes over", async () => {
  const s = setup();
  s.server.conversation = { id: "conv-1", state: "queued", language: "en" };
  s.server.messages.push(msg(1, "visitor", "a person please", "c1"));
  await online(s);
  const position = { conversation_id: "conv-1", position: 2, expected_wait_s: 180, agents_online: 1 };
  s.client.queue(position);
  s.client.queue({ ...position, conversation_id: "conv-old", position: 9 });
  assert.deepEqual(s.view.queues.filter(Boolean), [position], "events of another conversation are ignored");
  s.client.conversation({ id: "conv-1", state: "assigned", language: "en", agent: { name: "Anna" }, offline: false });
  assert.equal(s.view.queues.at(-1), null);
  assert.deepEqual(s.view.conversation?.agent, { name: "Anna" });
});

test("leave a message: offered after no_agents (also from history), sent once, shown, then withdrawn", async () => {
  const s = setup();
  s.server.conversation = { id: "conv-1", state: "queued", language: "en", agent: null, offline: false };
  s.server.messages.push(msg(1, "visitor", "a person please", "c1"), systemMsg(2, { type: "queued" }), systemMsg(3, { type: "no_agents" }));
  await online(s);
  await waitFor(() => s.view.leave.length === 1, "offer");
  assert.deepEqual(s.view.leave, ["offer"]);

  await s.client.leaveMessage("anna@", "Please call me");
  assert.deepEqual(s.view.leave, ["offer", "refused invalid_payload email"]);
  assert.equal(s.link().requests.filter((r) => r.event === "leave_message").length, 0);

  await s.client.leaveMessage("anna@example.com", "Please call me");
  assert.deepEqual(s.view.leave, ["offer", "refused invalid_payload email", "left anna@example.com", "withdraw"]);
  const [request] = s.link().requests.filter((r) => r.event === "leave_message");
  assert.equal(request.payload.email, "anna@example.com");
  assert.equal(request.payload.text, "Please call me");
  assert.equal(typeof request.payload.client_id, "string");
  assert.deepEqual(s.view.shown.map((m) => m.text).slice(-1), ["Please call me"], "the left message appears in the log");

  // The server now says the conversation is offline: the form stays away, also after a reconnect.
  s.disconnect();
  await s.connect();
  await waitFor(() => s.view.statuses.filter((x) => x === "online").length === 2, "online again");
  assert.deepEqual(s.view.leave.slice(-1), ["withdraw"]);
});

test("a live no_agents only offers the form once the conversation is queued, and agent_joined withdraws it", async () => {
  const s = setup();
  await online(s);
  s.client.message(systemMsg(1, { type: "no_agents" }));
  assert.deepEqual(s.view.leave, []);
  s.client.conversation({ id: "conv-1", state: "queued", language: "en", agent: null, offline: false });
  assert.deepEqual(s.view.leave, ["offer"]);
  s.client.message(systemMsg(2, { type: "agent_joined", agent_name: "Anna" }));
  assert.deepEqual(s.view.leave, ["offer", "withdraw"]);
});

test("receipts the server already holds are taken from the conversation, not sent or awaited again", async () => {
  const s = setup();
  s.server.conversation = { id: "conv-1", state: "assigned", language: "en", agent: { name: "Anna" }, agent_read_seq: 2, visitor_read_seq: 3 };
  s.server.messages.push(msg(1, "visitor", "hi", "c1"), msg(2, "visitor", "anyone?", "c2"), msg(3, "agent", "hello"));
  await online(s);
  assert.deepEqual(s.view.seen, [{ conversationId: "conv-1", seq: 2 }], "seen up to 2, from before the reload");
  s.client.setWatching(true);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(readsSent(s), [], "the visitor's read of 3 is on the server already");
  s.client.message(msg(4, "agent", "still there?"));
  await waitFor(() => s.server.readSeq === 4, "read 4");
  s.client.read({ conversation_id: "conv-1", reader: "agent", seq: 2 });
  assert.equal(s.view.seen.length, 1, "an older receipt changes nothing");
});
