/**
 * Entry point of widget.js: reads the <script> tag, builds the UI and the client,
 * and exposes the one global, window.ShopChat.
 */
import { ChatClient, type MessageListener } from "./client";
import { readConfig, type WidgetConfig } from "./config";
import { Outbox } from "./outbox";
import { hasStoredSession, openSession } from "./session";
import { namespacedStore } from "./storage";
import { Transport } from "./transport";
import { ChatUi } from "./ui";

export interface ShopChatApi {
  open(): void;
  close(): void;
  /** Subscribe to chat messages (each once, in order of arrival); returns an unsubscribe function. */
  on(event: "message", listener: MessageListener): () => void;
}

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

  let client: ChatClient | null = null;
  const ui = new ChatUi(config, {
    opened: () => {
      tab.set(OPEN_KEY, "1");
      client?.start();
    },
    closed: () => tab.remove(OPEN_KEY),
    send: (text, quickReply) => client?.send(text, quickReply),
    typed: () => client?.visitorTyped(),
    watching: (watching) => client?.setWatching(watching),
    leaveMessage: (email, text) => void client?.leaveMessage(email, text),
  });
  client = new ChatClient(ui, {
    outbox: new Outbox(local),
    openSession: () => openSession(config.server, config.language, local),
    createLink: (getToken, listener) => new Transport(config.server, getToken, listener),
  });
  const chat = client;

  window.ShopChat = {
    open: () => ui.open(),
    close: () => ui.close(),
    on: (event, listener) => {
      if (event !== "message") throw new Error(`ShopChat.on: unknown event ${String(event)}`);
      return chat.onMessage(listener);
    },
  };

  // Visitors who never chatted get no session (and no server load) until they open the panel.
  chat.boot(hasStoredSession(local));
  if (tab.get(OPEN_KEY)) ui.open(false);
}

// document.currentScript is only set while this file first runs, so read the tag now.
const config = readConfig();
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => boot(config), { once: true });
} else {
  boot(config);
}
