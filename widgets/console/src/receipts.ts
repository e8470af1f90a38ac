/** Read receipts both ways: what the visitor has seen, and what the agent tells the server they read. */
import type { Message } from "./protocol";

/** The seq of the agent's last message if the visitor has read up to it, else null. */
export function seenAgentSeq(messages: readonly Message[], visitorReadSeq: number): number | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].sender === "agent") return visitorReadSeq >= messages[i].seq ? messages[i].seq : null;
  }
  return null;
}

/**
 * The seq to send in `read` once the agent sees these messages, or null if there is nothing new:
 * the newest visitor message past what was already reported.
 */
export function readSeqToSend(messages: readonly Message[], alreadyReadSeq: number): number | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.sender === "visitor") return m.seq > alreadyReadSeq ? m.seq : null;
  }
  return null;
}
