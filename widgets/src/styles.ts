/** The widget's stylesheet, scoped by its shadow root, with colours derived for WCAG AA contrast. */
import type { WidgetConfig } from "./config";

const WHITE = "#ffffff";
const INK = "#1a1a1a";
const BLACK = "#000000";
/** Used instead of the brand colour for text on white when the brand colour is too light. */
const DARK_ACCENT = "#1f2937";

function luminance(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** White, else near-black or black, whichever reads at 4.5:1 (white or black always does). */
export function textColorOn(background: string): string {
  if (contrastRatio(background, WHITE) >= 4.5) return WHITE;
  return contrastRatio(background, INK) >= 4.5 ? INK : BLACK;
}

export function stylesFor(config: WidgetConfig): string {
  const brand = config.color;
  const onBrand = textColorOn(brand);
  const accent = contrastRatio(brand, WHITE) >= 4.5 ? brand : DARK_ACCENT;
  const side = config.position;
  return `
:host { all: initial; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
/* Inherited properties would flow in from the host, which the shop's CSS can still reach. */
.root { all: initial; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: ${INK}; }
button, textarea, input { font: inherit; color: inherit; margin: 0; }
:focus-visible { outline: 3px solid ${accent}; outline-offset: 2px; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }

.launcher { position: fixed; bottom: 20px; ${side}: 20px; z-index: 2147483000; width: 58px; height: 58px;
  border: 0; border-radius: 50%; background: ${brand}; color: ${onBrand}; cursor: pointer;
  display: flex; align-items: center; justify-content: center; box-shadow: 0 6px 20px rgba(0,0,0,.25); }
.launcher svg { width: 28px; height: 28px; fill: currentColor; }
.badge { position: absolute; top: -3px; ${side === "right" ? "left" : "right"}: -3px; min-width: 22px; height: 22px;
  padding: 0 6px; border-radius: 11px; background: #c62828; color: ${WHITE}; font-size: 12px; font-weight: 700;
  line-height: 22px; text-align: center; border: 2px solid ${WHITE}; }

.panel { position: fixed; bottom: 92px; ${side}: 20px; z-index: 2147483000; width: 370px; height: 580px;
  max-width: calc(100vw - 40px); max-height: calc(100vh - 112px); background: ${WHITE}; border-radius: 14px;
  box-shadow: 0 14px 44px rgba(0,0,0,.25); display: flex; flex-direction: column; overflow: hidden; }
@media (prefers-reduced-motion: no-preference) {
  .panel { animation: shopchat-in .16s ease-out; }
  @keyframes shopchat-in { from { opacity: 0; transform: translateY(12px); } }
}
@media (max-width: 480px) {
  .panel { inset: 0; width: 100%; height: 100%; max-width: none; max-height: none; border-radius: 0; }
  /* The full-screen panel has its own close button; the launcher would cover Send. */
  .launcher[aria-expanded="true"] { display: none; }
}

.header { display: flex; align-items: center; gap: 8px; padding-block: 12px; padding-inline: 16px 10px; background: ${brand}; color: ${onBrand}; }
.header :focus-visible { outline-color: ${onBrand}; }
.heading { flex: 1; min-width: 0; }
.title { margin: 0; font-size: 16px; font-weight: 650; }
.subtitle { margin: 0; font-size: 13px; overflow-wrap: anywhere; }
.icon-button { width: 36px; height: 36px; border: 0; border-radius: 8px; background: transparent; color: inherit;
  cursor: pointer; display: flex; align-items: center; justify-content: center; }
.icon-button:hover { background: rgba(127,127,127,.25); }
.icon-button svg { width: 20px; height: 20px; fill: currentColor; }

.status { padding: 6px 16px; font-size: 13px; background: #fff4d6; color: #5c4300; border-bottom: 1px solid #f0dfa8; }

.log { position: relative; flex: 1; min-height: 0; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 10px; background: #f6f7f9; }
.greeting { align-self: flex-start; max-width: 85%; padding: 8px 12px; border-radius: 14px; background: ${WHITE};
  border: 1px solid #dfe3e8; }
.msg { position: relative; display: flex; flex-direction: column; max-width: 82%; align-self: flex-start; }
.msg.visitor { align-self: flex-end; align-items: flex-end; }
.bubble { padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere;
  background: ${WHITE}; border: 1px solid #dfe3e8; }
.msg.visitor .bubble { background: ${brand}; color: ${onBrand}; border-color: ${brand}; border-end-end-radius: 4px; }
.msg.bot .bubble, .msg.agent .bubble { border-end-start-radius: 4px; }
.msg.agent .bubble { border-color: ${accent}; }
.msg.system { align-self: center; max-width: 92%; text-align: center; }
.msg.system .bubble { background: transparent; border: 0; padding: 2px 8px; font-size: 13px; color: #4a5058; }
.sender { font-size: 12px; color: #4a5058; margin: 0 4px 2px; }
.meta { font-size: 12px; color: #4a5058; margin: 2px 4px 0; }
.msg.failed .meta { color: #b00020; font-weight: 600; }
/* "Seen" stands in for "Sent" on the same message. */
.seen ~ .meta { display: none; }
.msg img { display: block; max-width: 100%; max-height: 260px; border-radius: 10px; margin-top: 4px; }
.replies { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.replies button { padding: 6px 12px; border: 1px solid ${accent}; border-radius: 16px; background: ${WHITE};
  color: ${accent}; cursor: pointer; font-size: 14px; }
.replies button:hover:not(:disabled) { background: #eef2f7; }
.replies button:disabled { cursor: default; color: #5f6670; border-color: #c9ced6; }
.replies button.chosen { border-color: #5f6670; font-weight: 600; }

.typing { padding: 4px 16px 8px; font-size: 13px; color: #4a5058; background: #f6f7f9; font-style: italic; }

.leave { flex: none; max-height: 50%; overflow-y: auto; padding: 10px 14px; border-top: 1px solid #dfe3e8; background: ${WHITE}; }
.leave-title { margin: 0 0 6px; font-size: 15px; font-weight: 650; }
.leave-form { display: flex; flex-direction: column; gap: 4px; }
.leave-form label { font-size: 13px; font-weight: 600; }
.leave-form input, .leave-form textarea { margin-bottom: 6px; padding: 7px 10px; border: 1px solid #7b828c; border-radius: 8px;
  background: ${WHITE}; color: ${INK}; }
.leave-form textarea { min-height: 64px; resize: vertical; }
.leave-form [aria-invalid="true"] { border: 2px solid #b00020; }
.leave-form .send { align-self: flex-end; }
.leave-error { margin: 0 0 6px; color: #b00020; font-size: 13px; font-weight: 600; }
.leave-thanks { margin: 0; }
.leave-thanks:focus { outline: none; }

.footer { padding: 8px 10px 10px; border-top: 1px solid #dfe3e8; background: ${WHITE}; }
.handoff { display: block; margin: 0 0 6px; padding: 2px 4px; border: 0; background: none; color: ${accent};
  font-size: 13px; text-decoration: underline; cursor: pointer; }
.form { display: flex; gap: 8px; align-items: flex-end; }
.input { flex: 1; min-height: 42px; max-height: 120px; padding: 9px 11px; border: 1px solid #7b828c; border-radius: 10px;
  resize: none; background: ${WHITE}; color: ${INK}; line-height: 1.4; }
.input::placeholder { color: #5f6670; }
.send { height: 42px; padding: 0 16px; border: 0; border-radius: 10px; background: ${brand}; color: ${onBrand};
  font-weight: 600; cursor: pointer; }
`;
}
