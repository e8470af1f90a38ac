/** The login form: email, password, errors in an alert region. */
import { alertRegion, el, field } from "./dom";

export type LoginHandler = (email: string, password: string) => Promise<string | null>;

export class LoginView {
  readonly element: HTMLElement;
  private readonly email: HTMLInputElement;
  private readonly password: HTMLInputElement;
  private readonly submit: HTMLButtonElement;
  private readonly error = alertRegion();

  /** `onLogin` resolves to an error text to show, or null on success. */
  constructor(onLogin: LoginHandler, notice: string | null = null) {
    this.email = el("input", { id: "login-email", attrs: { autocomplete: "username", required: "" } });
    this.email.type = "email";
    this.password = el("input", { id: "login-password", attrs: { autocomplete: "current-password", required: "" } });
    this.password.type = "password";
    this.submit = el("button", { className: "btn primary", text: "Log in" });
    this.submit.type = "submit";

    const form = el(
      "form",
      { className: "login-card", attrs: { "aria-labelledby": "login-title", novalidate: "" } },
      el("h1", { id: "login-title", text: "Agent console" }),
      el("p", { className: "muted", text: "Sign in to answer your shop's visitors." }),
      field("Email", this.email),
      field("Password", this.password),
      this.error,
      this.submit,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.attempt(onLogin);
    });
    this.element = el("main", { className: "login-page" }, form);
    if (notice) this.error.show(notice);
  }

  focus(): void {
    this.email.focus();
  }

  private async attempt(onLogin: LoginHandler): Promise<void> {
    const email = this.email.value.trim();
    const password = this.password.value;
    if (!email || !password) {
      this.error.show("Enter your email and password");
      (email ? this.password : this.email).focus();
      return;
    }
    this.error.show(null);
    this.submit.disabled = true;
    this.submit.textContent = "Logging in…";
    try {
      const problem = await onLogin(email, password);
      if (problem) {
        this.error.show(problem);
        this.password.select();
      }
    } finally {
      this.submit.disabled = false;
      this.submit.textContent = "Log in";
    }
  }
}
