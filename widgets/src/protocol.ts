/** Types for the visitor wire protocol (docs/protocol.md). */

export type Sender = "visitor" | "bot" | "agent" | "system";

export type ConversationState = "bot" | "queued" | "assigned" | "closed";

export interface QuickReplyButton {
  title: string;
  payload: string;
}

/**
 * What a message may carry besides its text. System messages say what happened to the
 * conversation; their text is already in the visitor's language. Types not listed here
 * may arrive from a newer server: they are shown as their text only.
 */
export type Payload =
  | { type: "buttons"; buttons: QuickReplyButton[] }
  | { type: "image"; url: string }
  | { type: "custom"; data: unknown }
  | { type: "agent_joined"; agent_name: string }
  | { type: "agent_left" }
  | { type: "queued" }
  | { type: "no_agents" }
  | { type: "bot_back" }
  | { type: "closed"; resolution: string }
  | ProductCard
  | OfferCard;

/** A product the bot or an agent recommends. */
export interface ProductCard {
  type: "product";
  sku: string;
  name: string;
  price_cents: number;
  currency: string;
  url: string;
  image_url?: string;
  in_stock: boolean;
}

/** A discount or other offer, with its code and call to action. */
export interface OfferCard {
  type: "offer";
  offer_id: string;
  title: string;
  text: string;
  code?: string;
  cta?: { label: string; url: string };
  expires_at?: string;
}

export interface Message {
  conversation_id: string;
  seq: number;
  sender: Sender;
  text: string;
  payload: Payload | null;
  client_id: string | null;
  created_at: string;
}

export interface Conversation {
  id: string;
  state: ConversationState;
  language: string;
  /** The person on the conversation; absent from servers older than the hand-off. */
  agent?: { name: string } | null;
  /** The visitor left a message for later (nobody was online). */
  offline?: boolean;
  /** How far the visitor and the agent have read, so receipts survive reloads and missed events. */
  visitor_read_seq?: number;
  agent_read_seq?: number;
  /** The visitor's rating (1..5) once given, null while not rated; absent from older servers. */
  csat?: number | null;
}

export interface TypingEvent {
  conversation_id: string;
  sender: "bot" | "agent";
  typing: boolean;
  /** The agent's name, with sender "agent". */
  name?: string;
}

/** Where the visitor's conversation stands in the queue for a person; sent while it is `queued`. */
export interface QueueEvent {
  conversation_id: string;
  position: number;
  expected_wait_s: number;
  agents_online: number;
}

/** Someone read the conversation up to `seq`. */
export interface ReadEvent {
  conversation_id: string;
  reader: "agent" | "visitor";
  seq: number;
}

export interface ErrorBody {
  code: string;
  message: string;
  /** With `invalid_payload`: the names of the fields that were wrong. */
  fields?: string[];
  /** With `rate_limited` and `busy`: when to try again. */
  retry_after_s?: number;
}

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export type SyncAck = Ack<{ conversation: Conversation | null; messages: Message[] }>;
export type MessageAck = Ack<{ message: Message }>;
export type LeaveMessageAck = Ack<{ message: Message }>;
export type ConsentDecisions = { tracking: boolean | null; identification: boolean | null };
export type ConsentAck = Ack<{ consent: ConsentDecisions }>;
export type TrackAck = Ack<{ stored: boolean }>;
export type IdentifyAck = Ack<{ customer_id: string }>;
export type CsatAck = Ack<object>;

export interface SessionResponse {
  visitor_token: string;
  visitor_id: string;
  expires_at: string;
}

/** Failure codes after which resending the same message cannot succeed. */
export const PERMANENT_SEND_ERRORS: ReadonlySet<string> = new Set([
  "invalid_payload",
  "text_too_long",
  "empty_text",
  "forbidden",
  "conversation_closed",
]);
