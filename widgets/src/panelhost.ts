/**
 * The seam between widget.js and widget-panel.js, which are separate bundles: widget.js hands
 * the panel a PanelHost, the panel gives back a Panel. Anything stateful crosses here as an
 * object, never as a module both bundles import (each would get its own copy).
 */
import type { ChatView } from "./client";
import type { WidgetConfig } from "./config";
import type { Consent } from "./consent";
import type { Sound } from "./sound";
import type { KeyValueStore } from "./storage";
import type { Props } from "./tracking";

/** Bumped when the seam changes, so a cached widget.js never drives a panel it does not know. */
export const PANEL_API = 1;
/** Where widget-panel.js finds the function to register with; a symbol, so no second global name. */
export const PANEL_REGISTRY = Symbol.for("shopchat.panel");

export interface Palette {
  brand: string;
  /** Text on the brand colour, at least 4.5:1. */
  onBrand: string;
  /** The brand colour if it reads on white at 4.5:1, else a dark grey: links, outlines, borders. */
  accent: string;
}

export interface PanelHost {
  readonly config: WidgetConfig;
  readonly palette: Palette;
  /** The container in the widget's shadow root; the panel goes before the launcher. */
  readonly root: HTMLElement;
  readonly shadow: ShadowRoot;
  addStyles(css: string): void;
  /** localStorage, per site key. */
  readonly store: KeyValueStore;
  readonly sound: Pick<Sound, "enabled" | "set">;
  readonly consent: Pick<Consent, "needsNotice" | "set" | "onChange">;
  close(): void;
  send(text: string, quickReply?: string): void;
  typed(): void;
  leaveMessage(email: string, text: string): void;
  /** An event on the visitor's socket (csat); rejects when offline or without an ack in time. */
  request<T>(event: string, payload: object): Promise<T>;
  /** ShopChat.track, with its consent rules. */
  track(event: string, props: Props): void;
}

export interface Panel extends ChatView {
  /** The panel element's id, for the launcher's aria-controls. */
  readonly id: string;
  show(moveFocus: boolean): void;
  hide(): void;
  /** The visitor can see the panel (open, page visible). */
  setWatching(watching: boolean): void;
}

export interface PanelModule {
  api: number;
  create(host: PanelHost): Panel;
}

export type PanelRegistry = (module: PanelModule) => void;
