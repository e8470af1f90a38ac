/**
 * Which conversations go in which list, kept live from `conversation` events.
 *
 * Membership is derived from each Summary, never stored, so a single event moves a
 * conversation between lists (or out of all of them) without any bookkeeping per list.
 */
import { isSupervisor, type Agent, type ReducedSummary, type Summary } from "./protocol";

export type ViewName = "bot" | "waiting" | "mine" | "offline" | "all";

export const VIEWS: readonly ViewName[] = ["bot", "waiting", "mine", "offline", "all"];

export const VIEW_LABELS: Record<ViewName, string> = {
  bot: "With the bot",
  waiting: "Waiting",
  mine: "Mine",
  offline: "Offline",
  all: "All",
};

/** The server caps each list at this many conversations. */
export const LIST_CAP = 200;

export type Viewer = Pick<Agent, "id" | "role" | "teams">;

export function viewsFor(viewer: Viewer): ViewName[] {
  return VIEWS.filter((v) => v !== "all" || isSupervisor(viewer));
}

/** True for the `{id, state, assignee}` form agents get about others' conversations. */
export function isReduced(event: ReducedSummary): boolean {
  return typeof event.state_version !== "number" || !("last_message" in event);
}

/**
 * The lists a conversation belongs to for this viewer.
 * Plain agents only see bot and waiting conversations of their teams (or without a team).
 */
export function viewsOf(s: ReducedSummary, viewer: Viewer): Set<ViewName> {
  const views = new Set<ViewName>();
  const supervisor = isSupervisor(viewer);
  if (supervisor) views.add("all");
  const teamVisible = supervisor || !s.team || viewer.teams.includes(s.team);
  if (s.state === "bot" && teamVisible) views.add("bot");
  if (s.state === "queued" && teamVisible) views.add(s.offline ? "offline" : "waiting");
  if (s.state === "assigned" && s.assignee?.id === viewer.id) views.add("mine");
  return views;
}

/**
 * Fold an event into what we hold. Returns null if the event is older than what we have.
 * Summaries also change with new messages without a new state_version, so an event never
 * rolls the last message back; state changes come without a last message, so the one we
 * have is kept.
 */
export function mergeSummary(existing: Summary | undefined, incoming: ReducedSummary): Summary | null {
  if (!existing) return isReduced(incoming) ? null : (incoming as Summary);
  if (typeof incoming.state_version === "number" && incoming.state_version < existing.state_version) return null;
  const merged: Summary = { ...existing, ...incoming } as Summary;
  if ((incoming.last_seq ?? 0) < (existing.last_seq ?? 0)) {
    merged.last_seq = existing.last_seq;
    merged.last_message = existing.last_message;
  } else if (!incoming.last_message && existing.last_message) {
    merged.last_message = existing.last_message;
  }
  merged.visitor_read_seq = Math.max(existing.visitor_read_seq ?? 0, incoming.visitor_read_seq ?? 0);
  merged.agent_read_seq = Math.max(existing.agent_read_seq ?? 0, incoming.agent_read_seq ?? 0);
  return merged;
}

function time(iso: string | null | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/** Waiting lists are served oldest first (fairness); the others newest first. */
export function compareFor(view: ViewName): (a: Summary, b: Summary) => number {
  if (view === "waiting" || view === "offline") {
    return (a, b) => time(a.queued_at ?? a.created_at) - time(b.queued_at ?? b.created_at) || a.id.localeCompare(b.id);
  }
  return (a, b) => time(b.updated_at ?? b.created_at) - time(a.updated_at ?? a.created_at) || a.id.localeCompare(b.id);
}

export interface Change {
  summary: Summary;
  before: Set<ViewName>;
  after: Set<ViewName>;
}

export class ConversationStore {
  private readonly byId = new Map<string, Summary>();
  /** Highest seq each conversation was read up to by agents, including what this console just read. */
  private readonly readUpTo = new Map<string, number>();
  /** When each conversation last changed by an event, counted in `generation`s. */
  private readonly touched = new Map<string, number>();
  private generation = 0;

  constructor(private readonly viewer: Viewer) {}

  get(id: string): Summary | undefined {
    return this.byId.get(id);
  }

  /** Apply a `conversation` event (or a summary from an ack). Null if nothing changed. */
  upsert(event: ReducedSummary): Change | null {
    const change = this.merge(event);
    if (change) this.touched.set(change.summary.id, ++this.generation);
    return change;
  }

  /** A mark to take before fetching a list, for `load`: what changed after it is newer than the list. */
  mark(): number {
    return this.generation;
  }

  /**
   * Adopt a freshly loaded list: its conversations are merged, and those we held in that list but
   * the server no longer returns are dropped (missed while disconnected); except those an event
   * changed after `fetchedFrom`, which the list, read before that event, cannot know about.
   */
  load(view: ViewName, summaries: Summary[], fetchedFrom: number = this.generation): void {
    const ids = new Set(summaries.map((s) => s.id));
    const complete = summaries.length < LIST_CAP;
    if (complete || view !== "all") {
      for (const s of Array.from(this.byId.values())) {
        if (ids.has(s.id) || !viewsOf(s, this.viewer).has(view)) continue;
        if ((this.touched.get(s.id) ?? 0) > fetchedFrom) continue;
        this.byId.delete(s.id);
      }
    }
    for (const s of summaries) this.merge(s);
  }

  private merge(event: ReducedSummary): Change | null {
    const existing = this.byId.get(event.id);
    const merged = mergeSummary(existing, event);
    if (!merged) {
      // An unknown conversation in reduced form belongs to someone else: nothing to show.
      return null;
    }
    const before = existing ? viewsOf(existing, this.viewer) : new Set<ViewName>();
    this.byId.set(merged.id, merged);
    return { summary: merged, before, after: viewsOf(merged, this.viewer) };
  }

  list(view: ViewName): Summary[] {
    return Array.from(this.byId.values())
      .filter((s) => viewsOf(s, this.viewer).has(view))
      .sort(compareFor(view));
  }

  counts(): Record<ViewName, number> {
    const counts: Record<ViewName, number> = { bot: 0, waiting: 0, mine: 0, offline: 0, all: 0 };
    for (const s of this.byId.values()) for (const v of viewsOf(s, this.viewer)) counts[v] += 1;
    return counts;
  }

  /** Remember that this console showed the conversation up to `seq`. */
  markRead(id: string, seq: number): void {
    this.readUpTo.set(id, Math.max(seq, this.readUpTo.get(id) ?? 0));
  }

  /**
   * News no agent has read yet (the visitor wrote, or the queue or a transfer said something) on a
   * conversation waiting for or with a person. Agents' own messages are never news to them.
   */
  isUnread(s: Summary): boolean {
    const last = s.last_message;
    if (!last || last.sender === "agent") return false;
    if (s.state === "bot" || s.state === "closed") return false;
    const read = Math.max(s.agent_read_seq ?? 0, this.readUpTo.get(s.id) ?? 0);
    return Math.max(last.seq, s.last_seq ?? 0) > read;
  }

  clear(): void {
    this.byId.clear();
    this.readUpTo.clear();
    this.touched.clear();
  }
}
