/** The panel's stylesheet (in widget-panel.js), added to the launcher's in the same shadow root. */
import type { WidgetConfig } from "./config";
import type { Palette } from "./panelhost";
import { INK, WHITE } from "./styles";

export function panelStyles(config: WidgetConfig, palette: Palette): string {
  const { brand, onBrand, accent } = palette;
  const side = config.position;
  return `
.panel { position: fixed; bottom: 92px; ${side}: 20px; z-index: 2147483000; width: 370px; height: 580px;
  max-width: calc(100vw - 40px); max-height: calc(100vh - 112px); background: ${WHITE}; border-radius: 14px;
  box-shadow: 0 14px 44px rgba(0,0,0,.25); display: flex; flex-direction: column; overflow: hidden; }
@media (max-width: 480px) {
  .panel { inset: 0; width: 100%; height: 100%; max-width: none; max-height: none; border-radius: 0; }
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

.leave, .notice, .csat { flex: none; max-height: 50%; overflow-y: auto; padding: 10px 14px; border-top: 1px solid #dfe3e8; background: ${WHITE}; }
.leave-title { margin: 0 0 6px; font-size: 15px; font-weight: 650; }
.leave-form { display: flex; flex-direction: column; gap: 4px; }
.leave-form label { font-size: 13px; font-weight: 600; }
.leave-form input, .leave-form textarea { margin-bottom: 6px; padding: 7px 10px; border: 1px solid #7b828c; border-radius: 8px;
  background: ${WHITE}; color: ${INK}; }
.leave-form textarea { min-height: 64px; resize: vertical; }
.leave-form [aria-invalid="true"] { border: 2px solid #b00020; }
.leave-form .send { align-self: flex-end; }
.leave-error, .error { margin: 0 0 6px; color: #b00020; font-size: 13px; font-weight: 600; }
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

.icon-button[aria-pressed="true"] { background: rgba(127,127,127,.2); }

.notice p { margin: 0 0 8px; font-size: 13px; }
.notice a, .card a { color: ${accent}; text-decoration: underline; font-weight: 600; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; }
.primary, .secondary { min-height: 36px; padding: 0 14px; border-radius: 10px; font-weight: 600; cursor: pointer; }
.primary { border: 0; background: ${brand}; color: ${onBrand}; }
.secondary { border: 1px solid ${accent}; background: ${WHITE}; color: ${accent}; }

.card { margin-top: 6px; border: 1px solid #dfe3e8; border-radius: 12px; background: ${WHITE}; overflow: hidden; }
.msg .card img { width: 100%; max-height: 160px; object-fit: cover; margin: 0; border-radius: 0; }
.card-body { display: flex; flex-direction: column; align-items: flex-start; gap: 4px; padding: 10px 12px; }
.card-title { margin: 0; font-size: 15px; font-weight: 650; overflow-wrap: anywhere; }
.card-text { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.card p { margin: 0; }
.price { font-weight: 600; }
.stock.in { color: #1b5e20; }
.stock.out { color: #b00020; }
.note { font-size: 12px; color: #4a5058; }
.code { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
code { padding: 3px 8px; border: 1px dashed #7b828c; border-radius: 6px; background: #f1f3f5; color: ${INK};
  font: 600 14px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; user-select: all; }
.copy { padding: 4px 10px; border: 1px solid ${accent}; border-radius: 8px; background: ${WHITE}; color: ${accent};
  font-size: 13px; font-weight: 600; cursor: pointer; }

.csat-form { display: flex; flex-direction: column; gap: 4px; }
.stars { display: flex; gap: 2px; margin: 0 0 6px; padding: 0; border: 0; }
.stars legend { padding: 0; margin-block-end: 4px; font-size: 15px; font-weight: 650; }
.star { padding: 0 3px; border-radius: 6px; color: #5f6670; font-size: 26px; line-height: 1.1; cursor: pointer; }
.star.on { color: ${accent}; }
.stars input:focus-visible + .star { outline: 3px solid ${accent}; outline-offset: 1px; }
.csat-form label:not(.star) { font-size: 13px; font-weight: 600; }
.csat-form textarea { min-height: 56px; margin-bottom: 6px; padding: 7px 10px; border: 1px solid #7b828c; border-radius: 8px;
  background: ${WHITE}; color: ${INK}; resize: vertical; }
.csat-form .send { align-self: flex-end; }
.csat-thanks { margin: 0; }
.csat-thanks:focus { outline: none; }
`;
}
