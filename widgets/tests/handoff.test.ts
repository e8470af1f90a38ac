import assert from "node:assert/strict";
import { test } from "node:test";
import { agentName, fill, filledText, queueText, subtitleFor, waitMinutes } from "../src/handoff";
import { stringsFor } from "../src/i18n";
import type { Conversation, QueueEvent } from "../src/protocol";

const en = stringsFor("en");

function conv(state: Conversation["state"], agent?: Conversation["agent"]): Conversation {
  return { id: "conv-1", state, language: "en", agent };
}

function queue(position: number, expected_wait_s: number): QueueEvent {
  return { conversation_id: "conv-1", position, expected_wait_s, agents_online: 2 };
}

test("the queue line gives the position and the wait in whole minutes, at least one", () => {
  assert.equal(queueText(queue(2, 170), en, "en"), "You are number 2 in line · about 3 min");
  assert.equal(queueText(queue(1, 0), en, "en"), "You are number 1 in line · about 1 min");
  assert.equal(queueText(queue(12, 3600), en, "en"), "You are number 12 in line · about 60 min");
});

test("the queue line is translated, with the language's own digits and plural forms", () => {
  assert.equal(queueText(queue(2, 170), stringsFor("pl"), "pl"), "Twoje miejsce w kolejce: 2 · ok. 3 min");
  assert.equal(queueText(queue(2, 170), stringsFor("ru"), "ru"), "Ваш номер в очереди: 2 · около 3 мин");
  assert.equal(queueText(queue(2, 170), stringsFor("fa"), "fa"), "نوبت شما در صف: ۲ · حدود ۳ دقیقه");
  // Arabic spells minutes out: the abbreviation is a bare letter.
  assert.match(queueText(queue(2, 170), stringsFor("ar"), "ar"), /^ترتيبك في قائمة الانتظار: .+ · حوالي .+ دقائق$/);
});

test("an unusable estimate drops the wait, an unusable position drops the line", () => {
  assert.equal(queueText({ ...queue(3, 0), expected_wait_s: Number.NaN }, en, "en"), "You are number 3 in line");
  assert.equal(queueText(queue(3, -5), en, "en"), "You are number 3 in line");
  assert.equal(queueText(queue(0, 60), en, "en"), "");
  assert.equal(queueText({ ...queue(1, 60), position: "1" as unknown as number }, en, "en"), "");
  assert.equal(waitMinutes(89), 1);
  assert.equal(waitMinutes(91), 2);
  assert.equal(waitMinutes(undefined), null);
});

test("the header names the agent while one is assigned, and the bot otherwise", () => {
  assert.equal(filledText(subtitleFor(conv("assigned", { name: "Anna" }), en)), "Anna from the shop team");
  assert.deepEqual(subtitleFor(conv("assigned", { name: " Anna " }), en), { before: "", value: "Anna", after: " from the shop team" });
  assert.equal(filledText(subtitleFor(conv("assigned", { name: "Anna" }), stringsFor("pl"))), "Anna z zespołu sklepu");
  for (const c of [null, conv("bot"), conv("queued", null), conv("assigned", null), conv("assigned", { name: "  " }), conv("closed", { name: "Anna" })]) {
    assert.equal(filledText(subtitleFor(c, en)), "Assistant", JSON.stringify(c));
    assert.equal(agentName(c), null);
  }
  // Servers older than the hand-off send no agent at all.
  assert.equal(agentName({ id: "c", state: "assigned", language: "en" }), null);
});

test("filled values are kept apart from the translation, whatever characters they hold", () => {
  assert.deepEqual(fill("Thanks! We'll reply to {email}.", "{email}", "$&@x.io"), { before: "Thanks! We'll reply to ", value: "$&@x.io", after: "." });
  assert.deepEqual(fill("no placeholder", "{name}", "Anna"), { before: "no placeholder", value: "", after: "" });
});

test("every language has every string, with its placeholders", () => {
  const keys = Object.keys(en);
  for (const lang of ["pl", "es", "ru", "ar", "fa"]) {
    const t = stringsFor(lang);
    assert.notEqual(t, en, lang);
    for (const key of keys) {
      if (key === "minuteDisplay") continue;
      const value = (t as unknown as Record<string, string | string[]>)[key];
      if (Array.isArray(value)) {
        assert.equal(value.length, (en as unknown as Record<string, string[]>)[key].length, `${lang}.${key}`);
        assert.ok(value.every((v) => typeof v === "string" && v !== ""), `${lang}.${key}`);
        continue;
      }
      assert.equal(typeof value, "string", `${lang}.${key}`);
      for (const placeholder of (en as unknown as Record<string, string>)[key].match(/\{\w+\}/g) ?? []) {
        assert.ok(value.includes(placeholder), `${lang}.${key} lacks ${placeholder}`);
      }
    }
  }
});
