/** The agent REST API (docs/agent-protocol.md), with the access token as Bearer. */
import type { Agent, Canned, ConversationDetail, Dashboard, OfferReport, Summary, Tokens } from "./protocol";
import type { ViewName } from "./lists";

const REQUEST_TIMEOUT_MS = 15_000;

export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number | null,
    message: string,
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiDeps {
  fetch: FetchFn;
  /** The current access token, or null before login. */
  token(): string | null;
  /** Called once on a 401 to a Bearer request; resolves true if a new token was obtained. */
  renewToken(): Promise<boolean>;
}

interface RequestOptions {
  method?: "GET" | "POST" | "DELETE";
  body?: unknown;
  bearer?: boolean;
  /** Read the answer as text (CSV), not JSON. */
  text?: boolean;
}

export class Api {
  constructor(private readonly deps: ApiDeps) {}

  login(email: string, password: string): Promise<Tokens> {
    return this.request<Tokens>("/api/agent/login", { method: "POST", body: { email, password }, bearer: false });
  }

  /** Log back in with the HttpOnly refresh cookie. */
  refresh(): Promise<Tokens> {
    return this.request<Tokens>("/api/agent/refresh", { method: "POST", body: {}, bearer: false });
  }

  async logout(): Promise<void> {
    await this.request<null>("/api/agent/logout", { method: "POST" });
  }

  me(): Promise<Agent> {
    return this.request<Agent>("/api/agent/me");
  }

  async conversations(view: ViewName): Promise<Summary[]> {
    const data = await this.request<{ conversations: Summary[] }>(`/api/agent/conversations?view=${encodeURIComponent(view)}`);
    return data.conversations;
  }

  conversation(id: string): Promise<ConversationDetail> {
    return this.request<ConversationDetail>(`/api/agent/conversations/${encodeURIComponent(id)}`);
  }

  async canned(): Promise<Canned[]> {
    return (await this.request<{ canned: Canned[] }>("/api/agent/canned")).canned;
  }

  addCanned(item: Omit<Canned, "id">): Promise<Canned> {
    return this.request<Canned>("/api/agent/canned", { method: "POST", body: item });
  }

  async deleteCanned(id: string | number): Promise<void> {
    await this.request<null>(`/api/agent/canned/${encodeURIComponent(String(id))}`, { method: "DELETE" });
  }

  async agents(): Promise<Agent[]> {
    return (await this.request<{ agents: Agent[] }>("/api/agent/agents")).agents;
  }

  dashboard(): Promise<Dashboard> {
    return this.request<Dashboard>("/api/agent/dashboard");
  }

  /** Every offer with its results per arm. */
  async offers(): Promise<OfferReport[]> {
    return (await this.request<{ offers: OfferReport[] }>("/api/agent/offers")).offers;
  }

  createOffer(body: Record<string, unknown>): Promise<OfferReport["offer"]> {
    return this.request<OfferReport["offer"]>("/api/agent/offers", { method: "POST", body });
  }

  addOfferCodes(key: string, codes: string[]): Promise<{ added: number; skipped: number; codes_total: number; codes_free: number }> {
    return this.request(`/api/agent/offers/${encodeURIComponent(key)}/codes`, { method: "POST", body: { codes } });
  }

  /** All offers' results as CSV text (what the download button saves). */
  offersCsv(): Promise<string> {
    return this.request<string>("/api/agent/offers?format=csv", { text: true });
  }

  private async request<T>(path: string, options: RequestOptions = {}, renewed = false): Promise<T> {
    const bearer = options.bearer ?? true;
    const headers: Record<string, string> = { Accept: "application/json" };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const token = this.deps.token();
    if (bearer && token) headers.Authorization = `Bearer ${token}`;

    const controller = typeof AbortController === "function" ? new AbortController() : null;
    const timer = setTimeout(() => controller?.abort(), REQUEST_TIMEOUT_MS);
    let response: Response;
    try {
      response = await this.deps.fetch(path, {
        method: options.method ?? "GET",
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: "same-origin",
        signal: controller?.signal,
      });
    } catch (err) {
      throw new ApiError("network_error", null, `Cannot reach the server (${String(err)})`);
    } finally {
      clearTimeout(timer);
    }

    if (response.status === 401 && bearer && !renewed && (await this.deps.renewToken())) {
      return this.request<T>(path, options, true);
    }
    if (response.status === 204) return null as T;
    if (options.text && response.ok) return (await response.text()) as T;
    let data: unknown = null;
    try {
      data = await response.json();
    } catch {
      // A non-JSON answer is reported below by its status.
    }
    if (!response.ok) throw errorFrom(response.status, data);
    return data as T;
  }
}

function errorFrom(status: number, data: unknown): ApiError {
  const body = (data as { error?: Record<string, unknown> } | null)?.error;
  const code = typeof body?.code === "string" ? body.code : `http_${status}`;
  const message = typeof body?.message === "string" ? body.message : `The server answered ${status}`;
  const retry = typeof body?.retry_after_s === "number" ? body.retry_after_s : null;
  return new ApiError(code, status, message, retry);
}
