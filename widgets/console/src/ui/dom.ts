/** Building DOM nodes: text always goes in as text nodes, never as markup. */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  className?: string;
  id?: string;
  text?: string;
  attrs?: Record<string, string>;
  data?: Record<string, string>;
  hidden?: boolean;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.id) node.id = props.id;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.hidden) node.hidden = true;
  for (const [k, v] of Object.entries(props.attrs ?? {})) node.setAttribute(k, v);
  for (const [k, v] of Object.entries(props.data ?? {})) node.dataset[k] = v;
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function button(text: string, onClick: (e: MouseEvent) => void, className = "btn"): HTMLButtonElement {
  const b = el("button", { className, text });
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

let uid = 0;
/** A document-unique id for label/for and aria references. */
export function uniqueId(prefix: string): string {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A <label for> and its control, wrapped in a field container. */
export function field(labelText: string, control: HTMLElement, className = "field"): HTMLElement {
  if (!control.id) control.id = uniqueId("f");
  const label = el("label", { text: labelText });
  label.htmlFor = control.id;
  return el("div", { className }, label, control);
}

export function select(options: readonly { value: string; label: string }[], value?: string): HTMLSelectElement {
  const s = el("select");
  for (const o of options) {
    const opt = el("option", { text: o.label });
    opt.value = o.value;
    s.appendChild(opt);
  }
  if (value !== undefined) s.value = value;
  return s;
}

export type AlertRegion = HTMLElement & { show(text: string | null): void };

/**
 * An error region announced by screen readers. It stays in the document while empty (CSS
 * collapses it), since live regions added together with their text are often not read out.
 */
export function alertRegion(className = "alert"): AlertRegion {
  const node = el("div", { className, attrs: { role: "alert" } });
  return Object.assign(node, {
    show(text: string | null): void {
      node.textContent = text ?? "";
    },
  });
}
