/**
 * Product and offer cards in the message log. What a card shows is worked out first, without
 * DOM (only http(s) addresses become links or images), then built from text nodes only.
 */
import { httpUrl } from "./config";
import { fill, filledText } from "./handoff";
import type { Strings } from "./i18n";
import { el } from "./dom";

export interface ProductView {
  name: string;
  price: string | null;
  /** null when the server did not say. */
  inStock: boolean | null;
  link: string | null;
  image: string | null;
}

export interface OfferView {
  offerId: string;
  title: string;
  text: string;
  code: string | null;
  cta: { label: string; url: string } | null;
  /** "Valid until 24 Nov 2026", or null. */
  validUntil: string | null;
}

export interface OfferActions {
  /** The visitor followed the call to action or copied the code. */
  used(): void;
  /** Copy to the clipboard; resolves false if the browser would not. */
  copy(text: string, near: HTMLElement): Promise<boolean>;
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

function pageUrl(): string | undefined {
  return typeof location === "undefined" ? undefined : location.href;
}

/** "€89.00" in the visitor's language; null without a usable amount. An unknown currency is shown by its code. */
export function formatPrice(priceCents: unknown, currency: unknown, language: string): string | null {
  if (typeof priceCents !== "number" || !Number.isFinite(priceCents)) return null;
  const amount = priceCents / 100;
  const code = text(currency).toUpperCase();
  try {
    return new Intl.NumberFormat(language, { style: "currency", currency: code }).format(amount);
  } catch {
    const number = new Intl.NumberFormat(language, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(amount);
    return /^[A-Z]{3}$/.test(code) ? `${number} ${code}` : number;
  }
}

export function productView(payload: Record<string, unknown>, language: string): ProductView | null {
  const name = text(payload.name);
  if (name === "") return null;
  return {
    name,
    price: formatPrice(payload.price_cents, payload.currency, language),
    inStock: typeof payload.in_stock === "boolean" ? payload.in_stock : null,
    link: httpUrl(payload.url, pageUrl()),
    image: httpUrl(payload.image_url, pageUrl()),
  };
}

export function offerView(payload: Record<string, unknown>, t: Strings, language: string): OfferView | null {
  const title = text(payload.title);
  const body = text(payload.text);
  const offerId = text(payload.offer_id);
  if (offerId === "" || (title === "" && body === "")) return null;
  const cta = typeof payload.cta === "object" && payload.cta !== null ? (payload.cta as Record<string, unknown>) : {};
  const ctaUrl = httpUrl(cta.url, pageUrl());
  const ctaLabel = text(cta.label);
  let validUntil: string | null = null;
  const expires = typeof payload.expires_at === "string" ? new Date(payload.expires_at) : null;
  if (expires && !Number.isNaN(expires.getTime())) {
    const date = new Intl.DateTimeFormat(language, { dateStyle: "medium" }).format(expires);
    validUntil = filledText(fill(t.validUntil, "{date}", date));
  }
  return {
    offerId,
    title,
    text: body,
    code: text(payload.code) || null,
    cta: ctaUrl && ctaLabel ? { label: ctaLabel, url: ctaUrl } : null,
    validUntil,
  };
}

function link(label: string, url: string, className: string): HTMLAnchorElement {
  const a = el("a", className, label);
  a.href = url;
  // The shop's own pages, as a rule: same tab, but no referrer leaks to another site.
  a.rel = "noopener";
  a.referrerPolicy = "strict-origin-when-cross-origin";
  return a;
}

function card(kind: string, name: string): { card: HTMLElement; body: HTMLElement } {
  const node = el("article", `card ${kind}`);
  node.setAttribute("aria-label", name);
  const body = el("div", "card-body");
  node.appendChild(body);
  return { card: node, body };
}

export function buildProductCard(view: ProductView, t: Strings): HTMLElement {
  const { card: node, body } = card("product", view.name);
  if (view.image) {
    const img = el("img");
    img.src = view.image;
    // The name is right below: the picture adds nothing to read out.
    img.alt = "";
    img.loading = "lazy";
    img.referrerPolicy = "no-referrer";
    node.insertBefore(img, body);
  }
  body.appendChild(el("p", "card-title", view.name));
  if (view.price) body.appendChild(el("p", "price", view.price));
  if (view.inStock !== null) body.appendChild(el("p", `stock ${view.inStock ? "in" : "out"}`, view.inStock ? t.inStock : t.outOfStock));
  if (view.link) body.appendChild(link(t.viewProduct, view.link, "view"));
  return node;
}

export function buildOfferCard(view: OfferView, t: Strings, actions: OfferActions): HTMLElement {
  const { card: node, body } = card("offer", view.title || view.text);
  if (view.title) body.appendChild(el("p", "card-title", view.title));
  if (view.text) body.appendChild(el("p", "card-text", view.text));
  if (view.code) {
    const code = view.code;
    const row = el("div", "code");
    const codeNode = el("code", undefined, code);
    const copy = el("button", "copy", t.copyCode);
    copy.type = "button";
    const note = el("p", "note");
    note.setAttribute("aria-live", "polite");
    copy.addEventListener("click", () => {
      void actions.copy(code, row).then((copied) => {
        note.textContent = copied ? t.copied : t.copyFailed;
        if (copied) actions.used();
        // Selected, the code is one keystroke from the clipboard.
        else getSelection()?.selectAllChildren(codeNode);
      });
    });
    row.append(codeNode, copy);
    body.append(row, note);
  }
  if (view.validUntil) body.appendChild(el("p", "note", view.validUntil));
  if (view.cta) {
    const cta = link(view.cta.label, view.cta.url, "cta");
    cta.addEventListener("click", () => actions.used());
    body.appendChild(cta);
  }
  return node;
}

/** Copy with the Clipboard API; where it is missing or refused (plain http, old browsers), with a selected textarea. */
export async function copyText(value: string, near: HTMLElement): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(value);
      return true;
    }
  } catch {
    // Refused (no permission, not a secure context): try the old way.
  }
  const focused = (near.getRootNode() as Document | ShadowRoot).activeElement as HTMLElement | null;
  const area = el("textarea");
  area.value = value;
  area.readOnly = true;
  area.tabIndex = -1;
  area.setAttribute("aria-hidden", "true");
  area.style.position = "fixed";
  area.style.opacity = "0";
  near.appendChild(area);
  try {
    area.select();
    return document.execCommand("copy");
  } catch {
    return false;
  } finally {
    area.remove();
    focused?.focus();
  }
}
