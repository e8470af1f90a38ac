import assert from "node:assert/strict";
import { test } from "node:test";
import { Alerts } from "../src/alerts";
import { DeferredView } from "../src/deferredview";
import { launcherLabel } from "../src/language";
import { msg, RecordingView, systemMsg } from "./fakes";

function setup() {
  const state = { open: false, visible: true, rendered: [] as number[], beeps: 0 };
  const alerts = new Alerts({
    isOpen: () => state.open,
    pageVisible: () => state.visible,
    render: (n) => state.rendered.push(n),
    beep: () => state.beeps++,
  });
  return { state, alerts };
}

test("unread counts bot and agent replies received while the panel is closed, until it opens", () => {
  const { state, alerts } = setup();
  alerts.message(msg(1, "bot", "hi"), true);
  alerts.message(msg(2, "visitor", "hello"), true);
  alerts.message(systemMsg(3, { type: "queued" }), true);
  alerts.message(msg(4, "agent", "Anna here"), true);
  assert.equal(alerts.unread, 2);
  assert.deepEqual(state.rendered, [1, 2]);
  alerts.seen();
  assert.equal(alerts.unread, 0);
  state.open = true;
  alerts.message(msg(5, "agent", "how can I help?"), true);
  assert.equal(alerts.unread, 0, "not while the visitor has the panel open");
});

test("history counts only past what the visitor had read", () => {
  const { alerts } = setup();
  alerts.message(msg(1, "bot", "old"), false);
  assert.equal(alerts.unread, 0, "without a read position, history is not news");
  alerts.conversation({ id: "conv-1", state: "assigned", language: "en", visitor_read_seq: 2 });
  for (const m of [msg(1, "bot", "a"), msg(2, "agent", "b"), msg(3, "agent", "c"), msg(4, "visitor", "d"), msg(5, "agent", "e")]) alerts.message(m, false);
  assert.equal(alerts.unread, 2);
});

test("the sound plays for live replies while the panel is closed or the page hidden", () => {
  const { state, alerts } = setup();
  alerts.message(msg(1, "bot", "history"), false);
  assert.equal(state.beeps, 0);
  alerts.message(msg(2, "agent", "closed panel"), true);
  state.open = true;
  alerts.message(msg(3, "agent", "open and visible"), true);
  state.visible = false;
  alerts.message(msg(4, "agent", "open, page hidden"), true);
  alerts.message(msg(5, "visitor", "own message"), true);
  assert.equal(state.beeps, 2);
});

test("the launcher's name tells the unread count in the visitor's language", () => {
  assert.equal(launcherLabel("en", false, 0), "Open chat");
  assert.equal(launcherLabel("en", false, 1), "Open chat, 1 unread message");
  assert.equal(launcherLabel("en", false, 2), "Open chat, 2 unread messages");
  assert.equal(launcherLabel("en", true, 2), "Close chat");
  assert.equal(launcherLabel("pl", false, 3), "Otwórz czat, 3 nieprzeczytane wiadomości");
  assert.equal(launcherLabel("pl", false, 5), "Otwórz czat, 5 nieprzeczytanych wiadomości");
  assert.equal(launcherLabel("ru", false, 21), "Открыть чат, 21 непрочитанное сообщение");
  assert.equal(launcherLabel("ar", false, 2), "فتح الدردشة، رسالتان غير مقروءتين");
  assert.equal(launcherLabel("de", false, 2), "Open chat, 2 unread messages");
});

test("the deferred view counts at once and replays everything to the panel when it comes", () => {
  const { alerts } = setup();
  const view = new DeferredView(alerts);
  view.setStatus("connecting");
  view.setConversation({ id: "conv-1", state: "bot", language: "en" });
  view.showMessage(msg(1, "bot", "hi"), true);
  assert.equal(alerts.unread, 1, "the badge does not wait for the panel");
  const panel = new RecordingView();
  view.attach(panel);
  assert.deepEqual(panel.statuses, ["connecting"]);
  assert.equal(panel.conversation?.id, "conv-1");
  assert.deepEqual(panel.shown.map((m) => m.text), ["hi"]);
  view.showMessage(msg(2, "bot", "again"), true);
  assert.deepEqual(panel.shown.map((m) => m.text), ["hi", "again"], "forwarded once attached");
  assert.equal(view.waiting, 0);
});
