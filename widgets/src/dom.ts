/** Building elements from text only: nothing the server or the shop sends is ever parsed as HTML. */
import type { Filled } from "./handoff";

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Replace a node's content with a translated string whose value (a name, an address) is bidi-isolated. */
export function setFilled(node: HTMLElement, filled: Filled): void {
  node.replaceChildren(filled.before);
  if (filled.value !== "") node.append(el("bdi", undefined, filled.value));
  node.append(filled.after);
}
