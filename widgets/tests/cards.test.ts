import assert from "node:assert/strict";
import { test } from "node:test";
import { formatPrice, offerView, productView } from "../src/cards";
import { stringsFor } from "../src/i18n";
import { OfferReports } from "../src/offers";
import type { Message } from "../src/protocol";
import { MessageList } from "../src/render";
import { FakeElement, installFakeDom } from "./fakedom";
import { memoryStore, msg } from "./fakes";

const en = stringsFor("en");
installFakeDom("https://shop.example/catalog/");

const product = {
  type: "product",
  sku: "SW-001",
  name: "Merino wool sweater",
  price_cents: 8900,
  currency: "EUR",
  url: "https://shop.example/p/sw-001",
  image_url: "https://cdn.example/sw-001.jpg",
  in_stock: true,
};
const offer = {
  type: "offer",
  offer_id: "welcome10",
  title: "10% off your first order",
  text: "Use the code at checkout.",
  code: "WELCOME10",
  cta: { label: "Shop now", url: "https://shop.example/sale" },
  expires_at: "2026-12-31T23:59:59+00:00",
};

function list() {
  const log = new FakeElement("div");
  const used: string[] = [];
  const messages = new MessageList(log as unknown as HTMLElement, en, "en", {
    quickReply: () => undefined,
    offer: (m) => ({ used: () => used.push(String(m.seq)), copy: async () => true }),
  });
  return { log, messages, used };
}

function withPayload(seq: number, payload: unknown, text = ""): Message {
  return { ...msg(seq, "bot", text), payload: payload as Message["payload"] };
}

test("a product card: name, price in the visitor's language, stock, link and image", () => {
  const { log, messages } = list();
  assert.ok(messages.addMessage(withPayload(1, product)));
  const card = log.querySelector("article.card");
  assert.ok(card);
  assert.equal(card.getAttribute("aria-label"), "Merino wool sweater");
  assert.equal(card.querySelector("p.card-title")?.textContent, "Merino wool sweater");
  assert.equal(card.querySelector("p.price")?.textContent, "€89.00");
  assert.equal(card.querySelector("p.stock")?.textContent, "In stock");
  const link = card.querySelector("a");
  assert.equal(link?.textContent, "View product");
  assert.equal(link?.href, "https://shop.example/p/sw-001");
  assert.equal(card.querySelector("img")?.src, "https://cdn.example/sw-001.jpg");
  assert.equal(card.querySelector("img")?.alt, "", "the name is next to it");
});

test("addresses that are not http(s) become neither links nor images", () => {
  for (const url of ["javascript:alert(1)", " JAVASCRIPT:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x", "file:///etc/passwd"]) {
    const { log, messages } = list();
    messages.addMessage(withPayload(1, { ...product, url, image_url: url }));
    messages.addMessage(withPayload(2, { ...offer, cta: { label: "Click", url } }));
    assert.equal(log.querySelectorAll("a").length, 0, url);
    assert.equal(log.querySelectorAll("img").length, 0, url);
    assert.equal(log.querySelectorAll("article").length, 2, "the cards are still shown");
  }
  assert.equal(productView({ ...product, url: "/p/sw-001" }, "en")?.link, "https://shop.example/p/sw-001", "relative to the page");
});

test("card texts are text, never markup", () => {
  const { log, messages } = list();
  const evil = '<img src=x onerror="alert(1)">';
  messages.addMessage(withPayload(1, { ...product, name: evil, image_url: undefined }));
  messages.addMessage(withPayload(2, { ...offer, title: evil, text: evil, code: evil, cta: { label: evil, url: "https://shop.example/" } }));
  assert.equal(log.querySelectorAll("img").length, 0);
  assert.equal(log.querySelector("p.card-title")?.textContent, evil);
  assert.equal(log.querySelector("code")?.textContent, evil);
  assert.equal(log.querySelector("a.cta")?.textContent, evil);
});

test("an offer card: title, text, code with a copy button, expiry and call to action", async () => {
  const { log, messages, used } = list();
  messages.addMessage(withPayload(3, offer, "A gift for you"));
  const card = log.querySelector("article.offer");
  assert.ok(card);
  assert.equal(log.querySelector("div.bubble")?.textContent, "A gift for you");
  assert.equal(card.querySelector("p.card-title")?.textContent, "10% off your first order");
  assert.equal(card.querySelector("code")?.textContent, "WELCOME10");
  const copy = card.querySelector("button.copy");
  assert.equal(copy?.textContent, "Copy code");
  assert.match(card.querySelectorAll("p.note").map((n) => n.textContent).join("|"), /Valid until Dec 31, 2026/);
  copy?.click();
  await new Promise((r) => setTimeout(r, 0));
  assert.ok(card.querySelectorAll("p.note").some((n) => n.textContent === "Code copied"));
  card.querySelector("a.cta")?.click();
  assert.deepEqual(used, ["3", "3"], "copying and the call to action both count as using it");
});

test("cards without what they need fall back to the message text", () => {
  const { log, messages } = list();
  assert.equal(messages.addMessage(withPayload(1, { type: "product", price_cents: 100 })), false, "nothing to show");
  messages.addMessage(withPayload(2, { type: "offer", title: "No id" }, "Plain text"));
  assert.equal(log.querySelectorAll("article").length, 0);
  assert.equal(log.querySelector("div.bubble")?.textContent, "Plain text");
  assert.equal(offerView({ ...offer, cta: { label: "", url: "https://x.example" } }, en, "en")?.cta, null, "a link needs a label");
});

test("prices use Intl.NumberFormat with the currency; unknown currencies fall back to the code", () => {
  assert.equal(formatPrice(8900, "EUR", "en"), "€89.00");
  assert.equal(formatPrice(8900, "usd", "en"), "$89.00");
  assert.equal(formatPrice(8900, "PLN", "pl")?.replace(/\s/g, " "), "89,00 zł");
  assert.equal(formatPrice(8900, "ZZZ1", "en"), "89.00");
  assert.equal(formatPrice("89", "EUR", "en"), null);
});

test("offer_shown once per offer message once the visitor could see it, also after a reload; offer_clicked once", () => {
  const storage = new Map<string, string>();
  const tracked: string[] = [];
  const reports = new OfferReports(memoryStore(storage), (event, props) => tracked.push(`${event} ${props.offer_id}`));
  const m1 = withPayload(1, offer);
  reports.rendered(m1, "welcome10");
  assert.equal(tracked.length, 0, "not while the panel is closed");
  reports.setWatching(true);
  reports.rendered(withPayload(2, { ...offer, offer_id: "ship" }), "ship");
  reports.setWatching(false);
  reports.setWatching(true);
  assert.deepEqual(tracked, ["offer_shown welcome10", "offer_shown ship"]);
  reports.usedOffer(m1, "welcome10");
  reports.usedOffer(m1, "welcome10");
  assert.deepEqual(tracked.slice(2), ["offer_clicked welcome10"]);

  const reloaded = new OfferReports(memoryStore(storage), (event, props) => tracked.push(`${event} ${props.offer_id}`));
  reloaded.setWatching(true);
  reloaded.rendered(m1, "welcome10");
  assert.equal(tracked.length, 3, "seen before the reload");
});
