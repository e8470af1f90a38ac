/** Types for the agent wire protocol (docs/agent-protocol.md). */

export type Role = "agent" | "supervisor" | "admin";
export type AgentStatus = "online" | "away" | "offline";
export type ConversationState = "bot" | "queued" | "assigned" | "closed";
export type Sender = "visitor" | "bot" | "agent" | "system";

export interface Agent {
  id: string;
  email: string;
  name: string;
  role: Role;
  teams: string[];
  languages: string[];
  max_chats: number;
  status: AgentStatus;
  active_chats: number;
}

export interface Tokens {
  access_token: string;
  expires_in: number;
  agent: Agent;
}

export interface AgentRef {
  id: string;
  name: string;
}

export interface LastMessage {
  seq: number;
  sender: Sender;
  text: string;
}

export interface Summary {
  id: string;
  state: ConversationState;
  state_version: number;
  visitor_id: string;
  language: string;
  team: string | null;
  handoff_reason: string | null;
  assignee: AgentRef | null;
  queued_at: string | null;
  assigned_at: string | null;
  closed_at: string | null;
  resolution: string | null;
  offline: boolean;
  contact_email: string | null;
  /** The identified customer's name; absent from summaries sent for a new message (keep the one held). */
  visitor_name?: string | null;
  last_seq: number;
  visitor_read_seq: number;
  agent_read_seq: number;
  last_message: LastMessage | null;
  created_at: string;
  updated_at: string;
}

/** What agents get about other agents' conversations: just enough to drop them from their lists. */
export type ReducedSummary = Pick<Summary, "id" | "state" | "assignee"> & Partial<Summary>;

export interface QuickReplyButton {
  title: string;
  payload: string;
}

export type Payload =
  | { type: "buttons"; buttons: QuickReplyButton[] }
  | { type: "image"; url: string }
  | { type: "custom"; data: unknown }
  | { type: "agent_joined"; agent_name?: string }
  | { type: "agent_left" | "queued" | "no_agents" | "bot_back" }
  | { type: "closed"; resolution?: string | null };

export interface Message {
  conversation_id: string;
  seq: number;
  sender: Sender;
  text: string;
  payload: Payload | null;
  client_id: string | null;
  created_at: string;
}

export interface Identity {
  email: string | null;
  name: string | null;
  phone: string | null;
  /** Signed by the shop (verified identification); false: the visitor's own claim. */
  verified?: boolean;
}

export interface Order {
  number: string;
  status: string;
  total_cents: number;
  currency: string;
  placed_at: string | null;
}

export interface PastConversation {
  id: string;
  state: ConversationState;
  created_at: string;
  resolution: string | null;
}

export interface Customer {
  visitor_id: string;
  customer_id: string | null;
  identity: Identity | null;
  language: string | null;
  segments: string[];
  orders: Order[];
  past_conversations: PastConversation[];
  offers: unknown[];
}

export interface ConversationDetail {
  conversation: Summary;
  messages: Message[];
  customer: Customer;
}

export interface Canned {
  id: string | number;
  shortcut: string;
  title: string;
  text: string;
}

export interface Dashboard {
  by_state: Record<ConversationState, number>;
  queue_length: number;
  longest_wait_s: number | null;
  first_response_s: { p50: number | null; avg: number | null };
  containment_rate: number | null;
  agents: { online: number; away: number };
  window_h: number;
  closed_by_resolution: Record<string, number>;
}

export interface TypingEvent {
  conversation_id: string;
  sender: "visitor" | "agent" | "bot";
  typing: boolean;
  name?: string;
}

export interface ReadEvent {
  conversation_id: string;
  reader: "visitor" | "agent";
  seq: number;
}

export type NotificationKind = "handoff" | "assigned" | "offline_message" | "transferred";

export interface NotificationEvent {
  kind: NotificationKind;
  conversation_id: string;
  reason?: string;
}

export interface ErrorBody {
  code: string;
  message?: string;
  retry_after_s?: number;
}

export type Ack<T = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export const RESOLUTIONS = ["resolved", "order_issue", "refund", "product_question", "complaint", "spam", "other"] as const;

/** Supervisors and admins see every conversation, the dashboard, and manage canned responses. */
export function isSupervisor(agent: Pick<Agent, "role">): boolean {
  return agent.role === "supervisor" || agent.role === "admin";
}

/** One arm of an offer's experiment in GET /api/agent/offers (a variant, all variants pooled, or the holdout). */
export interface OfferArm {
  arm: string;
  assigned: number;
  converted: number;
  conversion_rate: number | null;
  revenue_cents: number;
  delivered: number;
  shown: number;
  clicked: number;
  accepted: number;
  redeemed: number;
  redeemed_revenue_cents: number;
  uplift: number | null;
  ci_low: number | null;
  ci_high: number | null;
  significant: boolean | null;
  cost_cents: number;
  cost_per_retained_cents: number | null;
}

export interface OfferDefinition {
  key: string;
  name: string;
  kind: string;
  title: string;
  text: string;
  code_mode: "none" | "shared" | "pool";
  trigger: string;
  holdout_pct: number;
  budget_total: number | null;
  issued_count: number;
  max_per_customer: number;
  active: boolean;
  variants: Array<{ name: string }>;
}

export interface OfferReport {
  offer: OfferDefinition;
  arms: OfferArm[];
}
