/** The socket.io connection to the `/agent` namespace: typed events in, acked requests out. */
import { io, type Socket } from "socket.io-client";
import type { Ack, NotificationEvent, ReadEvent, ReducedSummary, TypingEvent, Message } from "./protocol";

export const ACK_TIMEOUT_MS = 10_000;

export interface SocketListener {
  connected(): void;
  disconnected(): void;
  /** The server refused the connection (bad or expired token); socket.io will not retry by itself. */
  refused(code: string): void;
  conversation(summary: ReducedSummary): void;
  message(message: Message): void;
  typing(event: TypingEvent): void;
  read(event: ReadEvent): void;
  notification(event: NotificationEvent): void;
  loggedOut(): void;
}

export class AgentSocket {
  private readonly socket: Socket;

  constructor(getToken: () => string | null, listener: SocketListener) {
    this.socket = io(`${location.origin}/agent`, {
      autoConnect: false,
      // A function, so every reconnection uses the newest access token.
      auth: (cb) => cb({ token: getToken() }),
      transports: ["websocket"],
      reconnectionDelay: 1_000,
      reconnectionDelayMax: 10_000,
    });
    const s = this.socket;
    s.on("connect", () => listener.connected());
    s.on("disconnect", (reason) => {
      // Queued packets would be replayed on reconnect; the send queue resends them instead.
      s.sendBuffer = [];
      listener.disconnected();
      if (reason === "io server disconnect") listener.refused("server_disconnect");
    });
    s.on("connect_error", (err: Error & { data?: { code?: unknown } }) => {
      // While `active` the manager keeps retrying (server unreachable); otherwise we were refused.
      if (!s.active) listener.refused(typeof err.data?.code === "string" ? err.data.code : "refused");
    });
    s.on("conversation", (e: ReducedSummary) => listener.conversation(e));
    s.on("message", (m: Message) => listener.message(m));
    s.on("typing", (e: TypingEvent) => listener.typing(e));
    s.on("read", (e: ReadEvent) => listener.read(e));
    s.on("notification", (e: NotificationEvent) => listener.notification(e));
    s.on("logged_out", () => listener.loggedOut());
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  connect(): void {
    if (!this.socket.connected && !this.socket.active) this.socket.connect();
  }

  close(): void {
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }

  /** Emit and wait for the ack; rejects when offline, on timeout or on disconnection. */
  request<T extends object = object>(event: string, payload: object, timeoutMs = ACK_TIMEOUT_MS): Promise<Ack<T>> {
    if (!this.socket.connected) return Promise.reject(new Error("not connected"));
    return this.socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<Ack<T>>;
  }

  /** Fire and forget (typing): dropped while offline. */
  notify(event: string, payload: object): void {
    if (this.socket.connected) this.socket.volatile.emit(event, payload, () => undefined);
  }
}
