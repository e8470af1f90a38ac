/**
 * Entry point of widget.js: reads the tag, wires the client, tracking and the launcher, and
 * defines the one global, window.ShopChat. The panel's code (widget-panel.js) is loaded only
 * when the visitor opens the chat or points at the launcher.
 */
import { Alerts } from "./alerts";
import { createApi, type ShopChatApi } from "./api";
import { ChatClient } from "./client";
import { readConfig, type WidgetConfig } from "./config";
import { Consent } from "./consent";
import { DeferredView } from "./deferredview";
import { PublicEvents } from "./events";
import { Identifier } from "./identify";
import { Launcher } from "./launcher";
import { Outbox } from "./outbox";
import { loadPanel } from "./panelloader";
import { SendQueue } from "./sendqueue";
import { hasStoredSession, openSession } from "./session";
import { Sound } from "./sound";
import { namespacedStore } from "./storage";
import { paletteFor } from "./styles";
import { watchExitIntent } from "./exitintent";
import { Tracker } from "./tracking";
import { Transport } from "./transport";

declare global {
  interface Window {
    ShopChat?: ShopChatApi;
  }
}

const OPEN_KEY = "open";

function boot(config: WidgetConfig): void {
  if (window.ShopChat) return; // embedded twice
  const local = namespacedStore(() => window.localStorage, config.siteKey);
  // Per tab: a visitor who opened the chat keeps it open while browsing the shop.
  const tab = namespacedStore(() => window.sessionStorage, config.siteKey);
  const palette = paletteFor(config.color);
  const consent = new Consent(local, config.requireConsent, config.noticeVersion);
  const sound = new Sound(local);

  let launcher: Launcher | null = null;
  const alerts = new Alerts({
    isOpen: () => launcher?.isOpen === true,
    pageVisible: () => document.visibilityState === "visible",
    render: (unread) => launcher?.setUnread(unread),
    beep: () => sound.beep(),
  });
  const view = new DeferredView(alerts);
  const client = new ChatClient(view, {
    outbox: new Outbox(local),
    openSession: () => openSession(config.server, config.language, local),
    createLink: (getToken, listener) => new Transport(config.server, getToken, listener),
  });
  const queue = new SendQueue(client, consent);
  client.onConnected(() => void queue.flush());
  const tracker = new Tracker(consent, queue);
  // Only reported where tracking is allowed (the tracker checks); the server decides on any offer.
  watchExitIntent(document, (event, props) => void tracker.track(event, props));
  const identifier = new Identifier(consent, queue);
  const events = new PublicEvents();
  client.onMessage((message) => events.message(message));

  const chat = (launcher = new Launcher(config, palette, {
    createPanel: async (mount) => {
      const module = await loadPanel(config.panelUrl, config.nonce);
      const panel = module.create({
        ...mount,
        config,
        palette,
        store: local,
        sound,
        consent,
        close: () => chat.close(),
        send: (text, quickReply) => client.send(text, quickReply),
        typed: () => client.visitorTyped(),
        leaveMessage: (email, text) => void client.leaveMessage(email, text),
        request: (event, payload) => client.request(event, payload),
        track: (event, props) => void tracker.track(event, props),
      });
      view.attach(panel);
      return panel;
    },
    opened: () => {
      tab.set(OPEN_KEY, "1");
      alerts.seen();
      client.start();
    },
    closed: () => tab.remove(OPEN_KEY),
    watching: (watching) => client.setWatching(watching),
  }));

  window.ShopChat = createApi({ open: () => chat.open(), close: () => chat.close(), events, tracker, identifier, consent });

  // Visitors who never chatted get no session (and no server load) until they open the panel or are tracked.
  client.boot(hasStoredSession(local));
  if (tab.get(OPEN_KEY)) chat.open(false);
}

// document.currentScript is only set while this file first runs, so read the tag now.
const config = readConfig();
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => boot(config), { once: true });
} else {
  boot(config);
}
