/**
 * Fetches widget-panel.js with a <script src> next to widget.js (the shop's CSP already allows
 * that origin; no inline script, no eval), and waits for it to register.
 */
import { PANEL_API, PANEL_REGISTRY, type PanelModule, type PanelRegistry } from "./panelhost";

let loading: Promise<PanelModule> | null = null;

/** Load the panel once; a failed load may be tried again. */
export function loadPanel(url: string, nonce: string): Promise<PanelModule> {
  loading ??= new Promise<PanelModule>((resolve, reject) => {
    const slots = window as unknown as Record<symbol, PanelRegistry | undefined>;
    const script = document.createElement("script");
    const fail = (why: string) => {
      delete slots[PANEL_REGISTRY];
      script.remove();
      loading = null;
      reject(new Error(`ShopChat: ${why} (${url})`));
    };
    slots[PANEL_REGISTRY] = (module) => {
      delete slots[PANEL_REGISTRY];
      if (module.api === PANEL_API) resolve(module);
      else fail(`widget-panel.js speaks version ${module.api}, widget.js ${PANEL_API}`);
    };
    script.src = url;
    script.async = true;
    if (nonce) script.nonce = nonce;
    script.addEventListener("error", () => fail("could not load the chat panel"));
    // A script that ran without registering is not ours (or a broken build).
    script.addEventListener("load", () => {
      if (slots[PANEL_REGISTRY]) fail("the chat panel did not register");
    });
    document.head.appendChild(script);
  });
  return loading;
}
