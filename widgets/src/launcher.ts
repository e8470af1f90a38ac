/**
 * The widget's shadow root and its launcher button with the unread badge. It opens and closes
 * the panel, which it asks for (widget-panel.js is loaded then, or already when the visitor
 * points at or focuses the launcher).
 */
import type { WidgetConfig } from "./config";
import { launcherLabel } from "./language";
import type { Palette, Panel } from "./panelhost";
import { launcherStyles } from "./styles";
import { CLOSE_ICON, icon } from "./icons";

export interface Mount {
  /** The container in the shadow root: panel first, launcher last. */
  readonly root: HTMLElement;
  readonly shadow: ShadowRoot;
  addStyles(css: string): void;
}

export interface LauncherHooks {
  /** Load the panel's code and build the panel in `mount`. */
  createPanel(mount: Mount): Promise<Panel>;
  /** The visitor opened the panel (first time: time to start the session). */
  opened(): void;
  closed(): void;
  /** The visitor starts or stops seeing the log (panel open and page visible). */
  watching(watching: boolean): void;
}

const CHAT_ICON = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8.5L4 21.5V18a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z";
/** The badge shows at most this, then "9+". */
const BADGE_MAX = 9;


/** Constructable stylesheets are not blocked by a CSP without 'unsafe-inline'; <style> is the fallback. */
function addStyles(shadow: ShadowRoot, css: string): void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet];
  } catch {
    const style = document.createElement("style");
    style.textContent = css;
    shadow.prepend(style);
  }
}

export class Launcher {
  readonly mount: Mount;
  private readonly button: HTMLButtonElement;
  private readonly icon: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly language: string;
  private opened = false;
  private unread = 0;
  private panel: Panel | null = null;
  private loading: Promise<Panel> | null = null;
  private watching = false;

  constructor(config: WidgetConfig, palette: Palette, private readonly hooks: LauncherHooks) {
    this.language = config.language;
    const host = document.createElement("shopchat-widget");
    // Set through the CSSOM (allowed by a strict style-src CSP) and inline, so the
    // shop's stylesheet cannot restyle the host element itself.
    host.style.setProperty("all", "initial");
    host.style.setProperty("display", "contents");
    const shadow = host.attachShadow({ mode: "open" });
    addStyles(shadow, launcherStyles(config, palette));
    const root = document.createElement("div");
    root.className = "root";
    root.lang = config.language;
    shadow.append(root);
    this.mount = { root, shadow, addStyles: (css) => addStyles(shadow, css) };

    this.button = document.createElement("button");
    this.button.className = "launcher";
    this.button.type = "button";
    this.icon = document.createElement("span");
    this.icon.style.display = "contents";
    this.badge = document.createElement("span");
    this.badge.className = "badge";
    this.badge.hidden = true;
    // The button's name says it ("Open chat, 2 unread messages").
    this.badge.setAttribute("aria-hidden", "true");
    this.button.append(this.icon, this.badge);
    this.button.addEventListener("click", () => (this.opened ? this.close() : this.open()));
    // Pointing at or focusing the launcher fetches the panel, so opening it feels instant.
    for (const event of ["pointerenter", "pointerdown", "focus"]) this.button.addEventListener(event, () => this.prefetch());

    root.append(this.button);
    this.render();
    document.addEventListener("visibilitychange", () => this.renderWatching());
    document.body.appendChild(host);
  }

  get isOpen(): boolean {
    return this.opened;
  }

  setUnread(unread: number): void {
    this.unread = unread;
    this.render();
  }

  open(moveFocus = true): void {
    if (this.opened) return;
    this.opened = true;
    this.render();
    this.hooks.opened();
    this.button.setAttribute("aria-busy", "true");
    this.ensurePanel().then(
      (panel) => {
        this.button.removeAttribute("aria-busy");
        if (!this.opened) return;
        panel.show(moveFocus);
        this.renderWatching();
      },
      (err: unknown) => {
        this.button.removeAttribute("aria-busy");
        console.error(err);
        this.close();
      },
    );
  }

  close(): void {
    if (!this.opened) return;
    const focusInside = this.mount.shadow.activeElement !== null && this.mount.shadow.activeElement !== this.button;
    this.opened = false;
    this.panel?.hide();
    this.render();
    // Back to the launcher from inside the panel (Escape, the close button); a page calling
    // ShopChat.close() keeps its own focus.
    if (focusInside) this.button.focus();
    this.hooks.closed();
    this.renderWatching();
  }

  private prefetch(): void {
    this.ensurePanel().catch(() => undefined);
  }

  private ensurePanel(): Promise<Panel> {
    this.loading ??= this.hooks.createPanel(this.mount).then(
      (panel) => {
        this.panel = panel;
        this.button.setAttribute("aria-controls", panel.id);
        return panel;
      },
      (err: unknown) => {
        this.loading = null;
        throw err;
      },
    );
    return this.loading;
  }

  private render(): void {
    const open = this.opened;
    this.button.setAttribute("aria-expanded", String(open));
    this.button.setAttribute("aria-label", launcherLabel(this.language, open, this.unread));
    this.icon.replaceChildren(icon(open ? CLOSE_ICON : CHAT_ICON));
    this.badge.textContent = `${Math.min(this.unread, BADGE_MAX).toLocaleString(this.language)}${this.unread > BADGE_MAX ? "+" : ""}`;
    this.badge.hidden = open || this.unread === 0;
  }

  private renderWatching(): void {
    const watching = this.opened && this.panel !== null && document.visibilityState === "visible";
    if (watching === this.watching) return;
    this.watching = watching;
    this.panel?.setWatching(watching);
    this.hooks.watching(watching);
  }
}
