/**
 * Colours derived for WCAG AA contrast, and the launcher's stylesheet (scoped by the shadow root).
 * The panel's stylesheet comes with the panel (panelstyles.ts).
 */
import type { WidgetConfig } from "./config";
import type { Palette } from "./panelhost";

export const WHITE = "#ffffff";
export const INK = "#1a1a1a";
const BLACK = "#000000";
/** Used instead of the brand colour for text on white when the brand colour is too light. */
const DARK_ACCENT = "#1f2937";
/** The unread badge: white on it is 5.6:1. */
const BADGE_RED = "#c62828";

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

export function paletteFor(brand: string): Palette {
  return {
    brand,
    onBrand: textColorOn(brand),
    accent: contrastRatio(brand, WHITE) >= 4.5 ? brand : DARK_ACCENT,
  };
}

export function launcherStyles(config: WidgetConfig, palette: Palette): string {
  const { brand, onBrand, accent } = palette;
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
.launcher[aria-busy="true"] { cursor: progress; }
.launcher svg { width: 28px; height: 28px; fill: currentColor; }
.badge { position: absolute; top: -3px; ${side === "right" ? "left" : "right"}: -3px; min-width: 22px; height: 22px;
  padding: 0 6px; border-radius: 11px; background: ${BADGE_RED}; color: ${WHITE}; font-size: 12px; font-weight: 700;
  line-height: 22px; text-align: center; border: 2px solid ${WHITE}; }
@media (max-width: 480px) {
  /* The full-screen panel has its own close button; the launcher would cover Send. */
  .launcher[aria-expanded="true"] { display: none; }
}
`;
}
