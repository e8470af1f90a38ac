/** Types for the visitor wire protocol (docs/protocol.md). */

export type Sender = "visitor" | "bot" | "agent" | "system";

export type ConversationState = "bot" | "queued" | "assigned" | "closed";

export interface QuickReplyButton {
  title: string;
  payload: string;
}

export type Payload =
  | { type: "buttons"; buttons: QuickReplyButton[] }
  | { type: "image"; url: string }
  | { type: "custom"; data: unknown };

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
}

export interface TypingEvent {
  conversation_id: string;
  sender: "bot" | "agent";
  typing: boolean;
}

export interface ErrorBody {
  code: string;
  message: string;
}

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export type SyncAck = Ack<{ conversation: Conversation | null; messages: Message[] }>;
export type MessageAck = Ack<{ message: Message }>;

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
