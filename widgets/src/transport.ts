/** The socket.io connection to the `/visitor` namespace, with typed events and acks. */
import { io, type Socket } from "socket.io-client";
import type { Conversation, Message, QueueEvent, ReadEvent, TypingEvent } from "./protocol";

export interface TransportListener {
  connected(): void;
  disconnected(): void;
  /** The server refused the connection (e.g. expired token); it will not retry by itself. */
  refused(code: string): void;
  message(message: Message): void;
  typing(event: TypingEvent): void;
  conversation(conversation: Conversation): void;
  queue(event: QueueEvent): void;
  read(event: ReadEvent): void;
}

export class NotConnectedError extends Error {
  constructor() {
    super("not connected");
    this.name = "NotConnectedError";
  }
}

/** Every server event carries an object; anything else (a bug, a newer server) is dropped, not thrown on. */
function objectsOnly<T>(handle: (event: T) => void): (event: unknown) => void {
  return (event) => {
    if (typeof event === "object" && event !== null) handle(event as T);
  };
}

const RECONNECT_DELAY_MS = 1_000;
const RECONNECT_DELAY_MAX_MS = 10_000;

export class Transport {
  private readonly socket: Socket;

  constructor(server: string, getToken: () => string | null, listener: TransportListener) {
    this.socket = io(`${server}/visitor`, {
      autoConnect: false,
      // A function, so every reconnection attempt uses the newest token.
      auth: (cb) => cb({ token: getToken() }),
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelay: RECONNECT_DELAY_MS,
      reconnectionDelayMax: RECONNECT_DELAY_MAX_MS,
    });
    const s = this.socket;
    s.on("connect", () => listener.connected());
    s.on("disconnect", (reason) => {
      // Packets emitted in the last moment would be replayed before our `sync`;
      // the outbox resends them in order after sync instead.
      s.sendBuffer = [];
      listener.disconnected();
      // The server closed the socket on purpose (e.g. session ended): socket.io will
      // not reconnect by itself, and the token may be why.
      if (reason === "io server disconnect") listener.refused("server_disconnect");
    });
    s.on("connect_error", (err: Error & { data?: { code?: unknown } }) => {
      // While `active`, the manager keeps retrying (server unreachable); otherwise the
      // namespace middleware refused us and only a new token can help.
      if (!s.active) listener.refused(typeof err.data?.code === "string" ? err.data.code : "refused");
    });
    s.on("message", objectsOnly<Message>((m) => listener.message(m)));
    s.on("typing", objectsOnly<TypingEvent>((t) => listener.typing(t)));
    s.on("conversation", objectsOnly<Conversation>((c) => listener.conversation(c)));
    s.on("queue", objectsOnly<QueueEvent>((q) => listener.queue(q)));
    s.on("read", objectsOnly<ReadEvent>((r) => listener.read(r)));
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  connect(): void {
    if (!this.socket.connected && !this.socket.active) this.socket.connect();
  }

  /**
   * Emit an event and wait for its acknowledgement.
   * Rejects with NotConnectedError when offline, or with an Error on timeout or disconnection.
   */
  request<T>(event: string, payload: object, timeoutMs: number): Promise<T> {
    if (!this.socket.connected) return Promise.reject(new NotConnectedError());
    return this.socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
  }

  /** Fire-and-forget, dropped when offline (typing notifications); the ack is ignored. */
  notify(event: string, payload: object): void {
    if (this.socket.connected) this.socket.volatile.emit(event, payload, () => undefined);
  }
}
