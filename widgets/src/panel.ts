/**
 * Entry point of widget-panel.js, which widget.js loads when the visitor opens the chat (or
 * points at the launcher): it only registers the panel with the widget that asked for it.
 */
import { PANEL_API, PANEL_REGISTRY, type PanelRegistry } from "./panelhost";
import { ChatUi } from "./ui";

const register = (window as unknown as Record<symbol, PanelRegistry | undefined>)[PANEL_REGISTRY];
if (typeof register === "function") register({ api: PANEL_API, create: (host) => new ChatUi(host) });
