/** What the signed-in agent may do with a conversation (mirrors the server's role rules). */
import { isSupervisor, type Agent, type Summary } from "./protocol";

export interface Actions {
  claim: boolean;
  transfer: boolean;
  handback: boolean;
  close: boolean;
}

type Me = Pick<Agent, "id" | "role" | "teams">;

function isMine(s: Pick<Summary, "assignee">, me: Me): boolean {
  return s.assignee?.id === me.id;
}

/** Replying is for the assignee, or a supervisor on any assigned conversation. */
export function canReply(s: Pick<Summary, "state" | "assignee">, me: Me): boolean {
  return s.state === "assigned" && (isMine(s, me) || isSupervisor(me));
}

export function availableActions(s: Pick<Summary, "state" | "assignee">, me: Me): Actions {
  const supervisor = isSupervisor(me);
  const owns = s.state === "assigned" && (isMine(s, me) || supervisor);
  return {
    claim: s.state === "bot" || s.state === "queued",
    // Plain agents transfer to one of their teams; supervisors to anyone.
    transfer: owns && (supervisor || me.teams.length > 0),
    handback: owns,
    // Supervisors may also close what the bot or the queue holds (spam, say).
    close: owns || (supervisor && (s.state === "bot" || s.state === "queued")),
  };
}
