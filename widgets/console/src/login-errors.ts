/** Words for a failed login, from the server's error. */
import { ApiError } from "./api";

export function loginErrorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === "invalid_credentials" || err.status === 401) return "Wrong email or password";
    if (err.code === "rate_limited" || err.status === 429) {
      return err.retryAfterS !== null ? `Too many attempts, try again in ${Math.max(1, Math.ceil(err.retryAfterS))} s` : "Too many attempts, try again later";
    }
    if (err.code === "network_error") return "Cannot reach the server. Check your connection and try again.";
    return err.message;
  }
  return "Login failed. Try again.";
}
