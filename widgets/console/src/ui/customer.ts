/** The customer side panel: who the visitor is, segments, orders, past conversations, offers. */
import { formatDate, formatMoney, humanize } from "../format";
import type { Customer, Summary } from "../protocol";
import { clear, el } from "./dom";

function section(title: string, ...content: (Node | null)[]): HTMLElement {
  const s = el("section", { className: "cust-section" }, el("h3", { text: title }));
  for (const c of content) if (c) s.appendChild(c);
  return s;
}

function definition(pairs: [string, string | null | undefined][]): HTMLDListElement {
  const dl = el("dl", { className: "pairs" });
  for (const [k, v] of pairs) if (v) dl.append(el("dt", { text: k }), el("dd", { text: v }));
  return dl;
}

/** Offers have no fixed shape yet: show their usual fields, else a compact text form. */
function offerText(offer: unknown): string {
  if (typeof offer === "string") return offer;
  if (offer && typeof offer === "object") {
    const o = offer as Record<string, unknown>;
    const parts = ["title", "name", "code", "description", "discount"].map((k) => o[k]).filter((v) => typeof v === "string" || typeof v === "number");
    if (parts.length) return parts.map(String).join(" · ");
    try {
      return JSON.stringify(offer);
    } catch {
      return "Offer";
    }
  }
  return String(offer);
}

export class CustomerPanel {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;

  constructor() {
    this.body = el("div", { className: "cust-body" });
    this.element = el("aside", { className: "customer", attrs: { "aria-label": "Customer" } }, el("h2", { className: "pane-title", text: "Customer" }), this.body);
    this.showEmpty();
  }

  showEmpty(): void {
    clear(this.body);
    this.body.appendChild(el("p", { className: "muted", text: "Open a conversation to see who you are talking to." }));
  }

  showLoading(): void {
    clear(this.body);
    this.body.appendChild(el("p", { className: "muted", text: "Loading customer…" }));
  }

  render(customer: Customer, summary: Summary | null): void {
    clear(this.body);
    const id = customer.identity;
    const hasIdentity = !!(id && (id.email || id.name || id.phone));
    const identity = hasIdentity
      ? definition([
          ["Name", id?.name],
          ["Email", id?.email],
          ["Phone", id?.phone],
        ])
      : el("p", { className: "anonymous", text: "Anonymous visitor" });
    const contact = !hasIdentity && summary?.contact_email ? definition([["Contact email", summary.contact_email]]) : null;
    // A claimed identity is what anyone can type into the shop page: the agent checks before sharing order details.
    const trust = hasIdentity
      ? id?.verified
        ? el("p", { className: "identity-trust verified", text: "Verified by the shop" })
        : el("p", { className: "identity-trust unverified", text: "Not verified: the visitor's own claim" })
      : null;
    this.body.appendChild(section("Identity", identity, trust, contact, definition([["Language", (customer.language ?? summary?.language ?? "").toUpperCase() || null], ["Customer id", customer.customer_id]])));

    const segments = el("ul", { className: "chips", attrs: { "aria-label": "Segments" } });
    for (const s of customer.segments ?? []) segments.appendChild(el("li", { className: "chip", text: humanize(s) }));
    this.body.appendChild(section("Segments", customer.segments?.length ? segments : el("p", { className: "muted", text: "No segments" })));

    const orders = customer.orders ?? [];
    let ordersNode: HTMLElement = el("p", { className: "muted", text: "No orders" });
    if (orders.length) {
      const table = el("table", { className: "orders" }, el("caption", { className: "sr-only", text: "Orders" }));
      const head = el("tr", {}, ...["Order", "Status", "Total", "Placed"].map((h) => el("th", { text: h, attrs: { scope: "col" } })));
      table.appendChild(el("thead", {}, head));
      const body = el("tbody");
      for (const o of orders) {
        body.appendChild(el("tr", { data: { order: String(o.number) } }, el("td", { text: `#${o.number}` }), el("td", { text: humanize(o.status) }), el("td", { className: "num", text: formatMoney(o.total_cents, o.currency) }), el("td", { text: formatDate(o.placed_at) })));
      }
      table.appendChild(body);
      ordersNode = table;
    }
    this.body.appendChild(section("Orders", ordersNode));

    const past = (customer.past_conversations ?? []).filter((p) => p.id !== summary?.id);
    const pastList = el("ul", { className: "past" });
    for (const p of past) {
      pastList.appendChild(el("li", { data: { conversationId: p.id } }, el("span", { text: formatDate(p.created_at) }), " · ", el("span", { text: humanize(p.state) }), p.resolution ? el("span", { className: "chip small", text: humanize(p.resolution) }) : null));
    }
    this.body.appendChild(section("Past conversations", past.length ? pastList : el("p", { className: "muted", text: "No past conversations" })));

    const offers = customer.offers ?? [];
    const offerList = el("ul", { className: "offers" });
    for (const o of offers) offerList.appendChild(el("li", { text: offerText(o) }));
    this.body.appendChild(section("Offers", offers.length ? offerList : el("p", { className: "muted", text: "No offers yet" })));
  }

  showError(text: string): void {
    clear(this.body);
    this.body.appendChild(el("p", { className: "muted", text }));
  }
}
