import assert from "node:assert/strict";
import { test } from "node:test";
import { stringsFor } from "../src/i18n";
import { checkLeaveMessage, describeLeaveError, LeaveMessage } from "../src/leave";
import type { Conversation, LeaveMessageAck } from "../src/protocol";
import { FakeLink, msg, RecordingView, systemMsg } from "./fakes";

const en = stringsFor("en");
const queued: Conversation = { id: "conv-1", state: "queued", language: "en" };

test("the form needs an email address and a message of at most 2000 characters", () => {
  assert.equal(checkLeaveMessage("anna@example.com", "Where is my order?"), null);
  assert.equal(checkLeaveMessage("  anna@example.com ", "x".repeat(2000)), null);
  assert.deepEqual(checkLeaveMessage("anna", "hi")?.fields, ["email"]);
  assert.deepEqual(checkLeaveMessage("anna@example", "hi")?.fields, ["email"]);
  assert.deepEqual(checkLeaveMessage("a b@example.com", "hi")?.fields, ["email"]);
  assert.deepEqual(checkLeaveMessage("<anna@example.com>", "hi")?.fields, ["email"], "the server refuses angle brackets");
  assert.deepEqual(checkLeaveMessage("anna@example.com", "   ")?.fields, ["text"]);
  assert.deepEqual(checkLeaveMessage("anna@example.com", "x".repeat(2001))?.fields, ["text"]);
  assert.deepEqual(checkLeaveMessage("", "")?.fields, ["email", "text"]);
  assert.equal(checkLeaveMessage("", "")?.code, "invalid_payload");
});

test("refusals are explained in the widget's language and point at the field to fix", () => {
  assert.deepEqual(describeLeaveError({ code: "invalid_payload", message: "Invalid or missing fields: email.", fields: ["email"] }, en), {
    text: "Please enter a valid email address.",
    field: "email",
  });
  assert.deepEqual(describeLeaveError({ code: "empty_text", message: "Empty." }, en), { text: "Please write a message.", field: "text" });
  assert.deepEqual(describeLeaveError({ code: "text_too_long", message: "At most 1000 characters.", max_chars: 1000 } as never, en), {
    text: "At most 1000 characters.",
    field: "text",
  });
  assert.deepEqual(describeLeaveError({ code: "rate_limited", message: "Slow down." }, en), { text: "Slow down.", field: null });
  assert.deepEqual(describeLeaveError({ code: "unavailable", message: "" }, en), { text: en.leaveFailed, field: null });
  assert.equal(describeLeaveError({ code: "invalid_payload", message: "x", fields: ["email"] }, stringsFor("es")).text, "Introduce un correo electrónico válido.");
});

test("the form is offered after no_agents while queued, and withdrawn when the wait ends", () => {
  const view = new RecordingView();
  const leave = new LeaveMessage(view);
  leave.message(systemMsg(2, { type: "no_agents" }));
  assert.deepEqual(view.leave, [], "not before the conversation is known to be queued");
  leave.conversation(queued);
  assert.deepEqual(view.leave, ["offer"]);
  leave.conversation(queued);
  leave.message(msg(3, "visitor", "hello?"));
  leave.message(systemMsg(4, { type: "custom", data: {} }));
  leave.message(systemMsg(5, { type: "some_future_type" } as never));
  assert.deepEqual(view.leave, ["offer"], "told once; other messages change nothing");
  leave.message(systemMsg(6, { type: "agent_joined", agent_name: "Anna" }));
  assert.deepEqual(view.leave, ["offer", "withdraw"]);
  // A replayed older no_agents does not bring it back.
  leave.message(systemMsg(2, { type: "no_agents" }));
  assert.equal(leave.open, false);
  leave.message(systemMsg(9, { type: "no_agents" }));
  assert.deepEqual(view.leave, ["offer", "withdraw", "offer"]);
  leave.conversation({ ...queued, state: "assigned" });
  assert.deepEqual(view.leave, ["offer", "withdraw", "offer", "withdraw"]);
});

test("no form for an offline conversation or in another conversation", () => {
  const view = new RecordingView();
  const leave = new LeaveMessage(view);
  leave.conversation({ ...queued, offline: true });
  leave.message(systemMsg(2, { type: "no_agents" }));
  assert.equal(leave.open, false);
  leave.conversation({ ...queued });
  assert.equal(leave.open, false, "a server that does not say keeps what we know");
  // Taken by an agent who then left: queued again, no longer offline, and still nobody online.
  leave.conversation({ ...queued, state: "assigned", offline: false });
  leave.message(systemMsg(3, { type: "agent_joined", agent_name: "Anna" }));
  leave.message(systemMsg(5, { type: "agent_left" }));
  leave.conversation({ ...queued, offline: false });
  assert.equal(leave.open, false);
  leave.message(systemMsg(7, { type: "no_agents" }));
  assert.equal(leave.open, true, "offered again");
  leave.conversation({ ...queued, id: "conv-2" });
  assert.equal(leave.open, false, "the no_agents belonged to conv-1");
  leave.message(systemMsg(1, { type: "no_agents" }, "conv-2"));
  assert.equal(leave.open, true);
});

test("sending: checked first, then one client_id until the server takes it, thanks before the withdrawal", async () => {
  const view = new RecordingView();
  const leave = new LeaveMessage(view);
  leave.conversation(queued);
  leave.message(systemMsg(2, { type: "no_agents" }));
  const acks: (LeaveMessageAck | Error)[] = [
    new Error("timeout"),
    { ok: false, error: { code: "invalid_payload", message: "Invalid or missing fields: email.", fields: ["email"] } },
    { ok: true, message: { ...msg(3, "visitor", "Call me"), client_id: "x" } },
  ];
  const link = new FakeLink({
    leave_message: () => {
      const ack = acks.shift()!;
      if (ack instanceof Error) throw ack;
      return ack;
    },
  });
  link.connected = true;

  assert.equal(await leave.send(link, "nope", "Call me"), null);
  assert.equal(link.requests.length, 0, "a bad address never leaves the browser");
  assert.equal(await leave.send(null, "anna@example.com", "Call me"), null);
  assert.equal(await leave.send(link, "anna@example.com", "Call me"), null);
  assert.equal(await leave.send(link, "anna@example.com", "Call me"), null);
  const stored = await leave.send(link, " anna@example.com ", " Call me ");
  assert.equal(stored?.seq, 3);
  assert.deepEqual(view.leave, [
    "offer",
    "refused invalid_payload email",
    "refused unavailable",
    "refused unavailable",
    "refused invalid_payload email",
    "left anna@example.com",
    "withdraw",
  ]);
  const sent = link.requests.map((r) => r.payload);
  assert.equal(sent.length, 3);
  assert.deepEqual(sent[2], { client_id: sent[0].client_id, email: "anna@example.com", text: "Call me" });
  assert.ok(sent.every((p) => p.client_id === sent[0].client_id), "retries reuse the client_id");
  assert.equal(leave.open, false);
});

test("a server that announces the offline conversation before its ack still gets the thanks shown first", async () => {
  const view = new RecordingView();
  const leave = new LeaveMessage(view);
  leave.conversation(queued);
  leave.message(systemMsg(2, { type: "no_agents" }));
  const link = new FakeLink({
    leave_message: () => {
      leave.conversation({ ...queued, offline: true });
      return { ok: true, message: msg(3, "visitor", "Call me") };
    },
  });
  link.connected = true;
  await leave.send(link, "anna@example.com", "Call me");
  assert.deepEqual(view.leave, ["offer", "left anna@example.com", "withdraw"]);
});

test("an offer withdrawn while the form was on its way goes once the refusal is shown", async () => {
  const view = new RecordingView();
  const leave = new LeaveMessage(view);
  leave.conversation(queued);
  leave.message(systemMsg(2, { type: "no_agents" }));
  const link = new FakeLink({
    leave_message: () => {
      leave.conversation({ ...queued, state: "assigned" });
      return { ok: false, error: { code: "not_waiting", message: "Someone is already here to chat; just write your message." } };
    },
  });
  link.connected = true;
  await leave.send(link, "anna@example.com", "Call me");
  assert.deepEqual(view.leave, ["offer", "refused not_waiting", "withdraw"]);
});
