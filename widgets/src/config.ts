/** Settings read from the embedding <script> tag's data- attributes. */
import { baseLanguage } from "./i18n";

export interface WidgetConfig {
  /** Origin (and optional path) of the chat server, without a trailing slash. */
  server: string;
  siteKey: string;
  language: string;
  /** Brand colour as #rrggbb. */
  color: string;
  position: "left" | "right";
}

const DEFAULT_COLOR = "#0b5cad";

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

export function readConfig(): WidgetConfig {
  const script = findScript();
  const data = script?.dataset ?? {};
  const scriptOrigin = script?.src ? new URL(script.src, location.href).origin : location.origin;
  const server = (data.server ?? "").trim().replace(/\/+$/, "") || scriptOrigin;
  return {
    server,
    siteKey: (data.siteKey ?? "").trim() || "default",
    language: baseLanguage(data.lang || document.documentElement.lang || navigator.language),
    color: normalizeColor(data.color) ?? DEFAULT_COLOR,
    position: data.position === "left" ? "left" : "right",
  };
}
