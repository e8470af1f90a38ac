/**
 * The agent's status sent to the server one request at a time: socket.io handles each event
 * in its own task, so two quick changes sent together (the "online" every connect sends and
 * the agent's "away" a moment later) could be applied in either order and leave the agent
 * online, taking chats, while the console shows away. A change made while a request is in
 * flight waits for its ack; only the latest waiting status is sent.
 */
import type { AgentStatus } from "./protocol";

export class PresenceSender {
  private wanted: AgentStatus | null = null;
  private sending = false;

  /** `send` resolves when the server has answered (either way); it must not reject. */
  constructor(private readonly send: (status: AgentStatus) => Promise<unknown>) {}

  set(status: AgentStatus): void {
    this.wanted = status;
    if (!this.sending) void this.flush();
  }

  private async flush(): Promise<void> {
    this.sending = true;
    try {
      while (this.wanted !== null) {
        const status = this.wanted;
        this.wanted = null;
        await this.send(status);
      }
    } finally {
      this.sending = false;
    }
  }
}
