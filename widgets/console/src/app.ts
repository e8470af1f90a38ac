/** The console's top level: resume or log in, run the workspace, log out. */
import { Api } from "./api";
import { AuthSession } from "./auth";
import { loginErrorText } from "./login-errors";
import type { Tokens } from "./protocol";
import { realScheduler } from "./scheduler";
import { clear, el } from "./ui/dom";
import { LoginView } from "./ui/login";
import { Workspace } from "./workspace";

const REFRESH_LOCK = "livechat-console-refresh";

/**
 * Tabs share the refresh cookie, and the server revokes a session whose rotated refresh token is
 * used twice: so tabs refresh one after the other, each with the cookie the previous one got.
 */
function oneTabAtATime<T>(task: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? (locks.request(REFRESH_LOCK, task) as Promise<T>) : task();
}

export class App {
  private readonly api: Api;
  private readonly auth: AuthSession;
  private workspace: Workspace | null = null;

  constructor(private readonly root: HTMLElement) {
    this.api = new Api({
      fetch: (input, init) => fetch(input, init),
      token: () => this.auth.token,
      renewToken: async () => (await this.auth.refreshNow()) === "refreshed",
    });
    this.auth = new AuthSession({
      refresh: () => oneTabAtATime(() => this.api.refresh()),
      renewed: (tokens) => this.workspace?.tokenRenewed(tokens.access_token),
      ended: () => this.end("Your session has ended. Please log in again."),
      scheduler: realScheduler,
    });
  }

  /** A reloaded console logs back in with the refresh cookie; otherwise the login form. */
  async boot(): Promise<void> {
    this.mount(el("main", { className: "loading-page" }, el("p", { className: "muted", text: "Loading…" })));
    let tokens: Tokens | null = null;
    try {
      tokens = await oneTabAtATime(() => this.api.refresh());
    } catch {
      // No (valid) cookie: the agent logs in.
    }
    if (tokens) this.begin(tokens);
    else this.showLogin(null);
  }

  private showLogin(notice: string | null): void {
    const login = new LoginView(async (email, password) => {
      try {
        this.begin(await this.api.login(email, password));
        return null;
      } catch (err) {
        return loginErrorText(err);
      }
    }, notice);
    this.mount(login.element);
    login.focus();
  }

  private begin(tokens: Tokens): void {
    this.auth.start(tokens);
    const workspace = new Workspace({
      api: this.api,
      auth: this.auth,
      me: tokens.agent,
      logout: () => void this.logout(),
      ended: (notice) => this.end(notice),
    });
    this.workspace = workspace;
    this.mount(workspace.element);
    workspace.unlockAudio();
    workspace.start();
  }

  private async logout(): Promise<void> {
    // Close the socket first, so the server's `logged_out` for this very session is not taken for another's.
    this.workspace?.dispose();
    this.workspace = null;
    try {
      await this.api.logout();
    } catch {
      // Logged out locally either way; the refresh cookie expires on its own.
    }
    this.auth.stop();
    this.showLogin(null);
  }

  /** Tear the session down and show the login form (idempotent: logout and `logged_out` both land here). */
  private end(notice: string | null): void {
    if (!this.workspace && !this.auth.token) {
      if (notice) this.showLogin(notice);
      return;
    }
    this.workspace?.dispose();
    this.workspace = null;
    this.auth.stop();
    this.showLogin(notice);
  }

  private mount(node: HTMLElement): void {
    clear(this.root);
    this.root.appendChild(node);
  }
}
