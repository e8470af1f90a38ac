/**
 * The privacy notice in the panel, for sites that require consent before tracking: what we use,
 * a link to the privacy policy, and "Allow" / "No thanks". Chatting works whatever the choice.
 */
import { el } from "./dom";
import type { Strings } from "./i18n";

export class ConsentNotice {
  /** A region named "Privacy"; hidden unless the visitor has a choice to make. */
  readonly element: HTMLElement;

  constructor(t: Strings, privacyUrl: string | null, choose: (granted: boolean) => void) {
    this.element = el("section", "notice");
    this.element.setAttribute("aria-label", t.privacy);
    this.element.hidden = true;
    const text = el("p", undefined, t.notice);
    if (privacyUrl) {
      const link = el("a", undefined, t.privacyLink);
      link.href = privacyUrl;
      link.rel = "noopener";
      text.append(" ", link);
    }
    const actions = el("div", "actions");
    for (const [label, granted, className] of [[t.allow, true, "primary"], [t.decline, false, "secondary"]] as const) {
      const button = el("button", className, label);
      button.type = "button";
      button.addEventListener("click", () => choose(granted));
      actions.appendChild(button);
    }
    this.element.append(text, actions);
  }

  get shown(): boolean {
    return !this.element.hidden;
  }

  show(shown: boolean): void {
    this.element.hidden = !shown;
  }

  hasFocus(): boolean {
    return this.element.contains((this.element.getRootNode() as Document | ShadowRoot).activeElement);
  }
}
