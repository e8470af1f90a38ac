/** Settings read from the embedding <script> tag's data- attributes. */
import { baseLanguage } from "./language";

export interface WidgetConfig {
  /** Origin (and optional path) of the chat server, without a trailing slash. */
  server: string;
  siteKey: string;
  language: string;
  /** Brand colour as #rrggbb. */
  color: string;
  position: "left" | "right";
  /** `data-require-consent="true"`: nothing is tracked before the visitor allows it. */
  requireConsent: boolean;
  /** `data-privacy-url`, an http(s) address, linked from the privacy notice; null without one. */
  privacyUrl: string | null;
  /** `data-notice-version`: which privacy notice the visitor's decisions refer to. */
  noticeVersion: string;
  /** widget-panel.js, next to widget.js (with the same query string, so both come from one release). */
  panelUrl: string;
  /** The embedding tag's CSP nonce, given to the panel's <script> too. */
  nonce: string;
}

const DEFAULT_COLOR = "#0b5cad";
const DEFAULT_NOTICE_VERSION = "1";
/** What the server accepts as `notice_version`. */
const NOTICE_VERSION_PATTERN = /^[A-Za-z0-9._-]{1,32}$/;
const PANEL_FILE = "widget-panel.js";

function findScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  // currentScript is null when the bundle runs from a module or an injected loader.
  return document.querySelector<HTMLScriptElement>('script[src*="widget.js"][data-site-key]');
}

/** "#abc" or "#aabbcc" → "#aabbcc"; anything else (it ends up in CSS) → null. */
export function normalizeColor(value: string | undefined): string | null {
  const v = (value ?? "").trim();
  if (/^#[0-9a-f]{6}$/i.test(v)) return v.toLowerCase();
  if (/^#[0-9a-f]{3}$/i.test(v)) return ("#" + [...v.slice(1)].map((c) => c + c).join("")).toLowerCase();
  return null;
}

/** An absolute http(s) address (relative ones resolved against `base`), or null: links must not run script. */
export function httpUrl(value: unknown, base?: string): string | null {
  if (typeof value !== "string" || value.trim() === "") return null;
  try {
    const url = new URL(value.trim(), base);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

export function noticeVersion(value: string | undefined): string {
  const v = (value ?? "").trim();
  if (v === "") return DEFAULT_NOTICE_VERSION;
  if (NOTICE_VERSION_PATTERN.test(v)) return v;
  console.warn(`ShopChat: data-notice-version must be 1-32 letters, digits, ".", "_" or "-"; using "${DEFAULT_NOTICE_VERSION}"`);
  return DEFAULT_NOTICE_VERSION;
}

export function readConfig(): WidgetConfig {
  const script = findScript();
  const data = script?.dataset ?? {};
  const scriptUrl = script?.src ? new URL(script.src, location.href) : null;
  const server = (data.server ?? "").trim().replace(/\/+$/, "") || (scriptUrl?.origin ?? location.origin);
  const panelUrl = scriptUrl ? new URL(PANEL_FILE + scriptUrl.search, scriptUrl).href : `${server}/widget/${PANEL_FILE}`;
  return {
    server,
    siteKey: (data.siteKey ?? "").trim() || "default",
    language: baseLanguage(data.lang || document.documentElement.lang || navigator.language),
    color: normalizeColor(data.color) ?? DEFAULT_COLOR,
    position: data.position === "left" ? "left" : "right",
    requireConsent: (data.requireConsent ?? "").trim().toLowerCase() === "true",
    privacyUrl: httpUrl(data.privacyUrl, location.href),
    noticeVersion: noticeVersion(data.noticeVersion),
    panelUrl,
    nonce: script?.nonce ?? "",
  };
}
