import assert from "node:assert/strict";
import { test } from "node:test";
import { TypingIndicator, TypingSender } from "../src/typing";
import { ManualClock } from "./fakes";

test("typing true at most every 2 s, false after 3 s idle", () => {
  const clock = new ManualClock();
  const sent: boolean[] = [];
  const typing = new TypingSender((t) => sent.push(t), clock);
  typing.input();
  clock.advance(500);
  typing.input();
  clock.advance(1_000);
  typing.input();
  assert.deepEqual(sent, [true]);
  clock.advance(600);
  typing.input();
  assert.deepEqual(sent, [true, true], "2.1 s after the first");
  clock.advance(2_999);
  assert.deepEqual(sent, [true, true]);
  clock.advance(1);
  assert.deepEqual(sent, [true, true, false]);
});

test("stop sends false once, only if true was sent", () => {
  const clock = new ManualClock();
  const sent: boolean[] = [];
  const typing = new TypingSender((t) => sent.push(t), clock);
  typing.stop();
  assert.deepEqual(sent, []);
  typing.input();
  typing.stop();
  typing.stop();
  clock.advance(10_000);
  assert.deepEqual(sent, [true, false]);
});

test("the visitor's indicator goes away after 6 s without news", () => {
  const clock = new ManualClock();
  const shown: boolean[] = [];
  const indicator = new TypingIndicator((t) => shown.push(t), clock);
  indicator.set(true);
  clock.advance(5_000);
  indicator.set(true);
  clock.advance(5_999);
  assert.equal(indicator.typing, true);
  clock.advance(1);
  assert.equal(indicator.typing, false);
  assert.deepEqual(shown, [true, false]);
});
