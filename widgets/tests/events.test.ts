import assert from "node:assert/strict";
import { test } from "node:test";
import { ChatClient } from "../src/client";
import { PublicEvents } from "../src/events";
import { Outbox } from "../src/outbox";
import type { Message, OfferCard } from "../src/protocol";
import { FakeLink, memoryStore, msg, RecordingView, waitFor } from "./fakes";

const offer: OfferCard = { type: "offer", offer_id: "welcome10", title: "10% off", text: "Today only", code: "WELCOME10" };

function offerMsg(seq: number, payload: unknown = offer): Message {
  return { ...msg(seq, "bot", "A gift for you"), payload: payload as Message["payload"] };
}

test("offer listeners fire once per offer message, however often the client sees it", async () => {
  const history = [msg(1, "bot", "hello"), offerMsg(2)];
  let link!: FakeLink;
  const client = new ChatClient(new RecordingView(), {
    outbox: new Outbox(memoryStore()),
    openSession: async () => ({ token: "t", visitorId: "v", isNewVisitor: false }),
    createLink: () => {
      link = new FakeLink({
        sync: () => ({ ok: true, conversation: { id: "conv-1", state: "bot", language: "en" }, messages: history }),
      });
      return link;
    },
  });
  const events = new PublicEvents();
  client.onMessage((m) => events.message(m));
  const offers: OfferCard[] = [];
  const messages: number[] = [];
  events.on("offer", (o) => offers.push(o));
  events.on("message", (m) => messages.push(m.seq));

  client.boot(true);
  await waitFor(() => link?.connectCalls > 0, "connect");
  link.connected = true;
  client.connected();
  await waitFor(() => offers.length === 1, "offer from the history");
  client.message(offerMsg(2)); // the same message live as well
  client.message(offerMsg(3, { ...offer, offer_id: "ship-free" }));
  client.message(offerMsg(3, { ...offer, offer_id: "ship-free" }));
  client.message({ ...msg(4, "bot", "not an offer"), payload: { type: "offer" } as never });
  assert.deepEqual(offers.map((o) => o.offer_id), ["welcome10", "ship-free"]);
  assert.deepEqual(offers[0], offer, "the card's payload");
  assert.deepEqual(messages, [1, 2, 3, 4]);
});

test("on() returns an unsubscribe function, refuses unknown events, and survives a failing listener", (t) => {
  const events = new PublicEvents();
  const seen: string[] = [];
  t.mock.method(console, "error", () => undefined);
  events.on("offer", () => {
    throw new Error("shop bug");
  });
  const off = events.on("offer", (o) => seen.push(o.offer_id));
  events.message(offerMsg(1));
  off();
  events.message(offerMsg(2, { ...offer, offer_id: "other" }));
  assert.deepEqual(seen, ["welcome10"]);
  const on = events.on.bind(events) as (event: string, listener: unknown) => () => void;
  assert.throws(() => on("offers", () => undefined), /unknown event "offers".*message, offer/);
  assert.throws(() => on("message", "nope"), /must be a function/);
});
