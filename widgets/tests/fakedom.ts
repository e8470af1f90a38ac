/**
 * Just enough of a DOM to build the widget's elements under Node: elements, text nodes,
 * attributes, classes, events and simple selectors ("tag", ".class", "tag.class").
 * innerHTML throws, so a test fails if markup is ever parsed.
 */

export class FakeNode {
  parentNode: FakeElement | null = null;

  get textContent(): string {
    return "";
  }

  remove(): void {
    const parent = this.parentNode;
    if (!parent) return;
    parent.childNodes.splice(parent.childNodes.indexOf(this), 1);
    this.parentNode = null;
  }
}

export class FakeText extends FakeNode {
  constructor(public data: string) {
    super();
  }

  override get textContent(): string {
    return this.data;
  }
}

type Listener = (event: { type: string; preventDefault(): void }) => void;

export class FakeElement extends FakeNode {
  readonly childNodes: FakeNode[] = [];
  readonly attributes = new Map<string, string>();
  readonly dataset: Record<string, string> = {};
  readonly style = { setProperty: () => undefined } as unknown as Record<string, string> & { setProperty(): void };
  readonly listeners = new Map<string, Listener[]>();
  className = "";
  hidden = false;
  // Properties the widget sets; kept as plain fields.
  [prop: string]: unknown;

  constructor(readonly tagName: string) {
    super();
  }

  override get textContent(): string {
    return this.childNodes.map((n) => n.textContent).join("");
  }

  override set textContent(value: string) {
    this.replaceChildren(value);
  }

  set innerHTML(_value: string) {
    throw new Error("innerHTML must not be used");
  }

  get children(): FakeElement[] {
    return this.childNodes.filter((n): n is FakeElement => n instanceof FakeElement);
  }

  get classList() {
    const names = () => this.className.split(/\s+/).filter(Boolean);
    const set = (list: string[]) => (this.className = list.join(" "));
    return {
      contains: (c: string) => names().includes(c),
      add: (...cs: string[]) => set([...new Set([...names(), ...cs])]),
      remove: (...cs: string[]) => set(names().filter((n) => !cs.includes(n))),
      toggle: (c: string, on?: boolean) => {
        const has = names().includes(c);
        const want = on ?? !has;
        if (want && !has) set([...names(), c]);
        if (!want && has) set(names().filter((n) => n !== c));
        return want;
      },
      replace: (a: string, b: string) => set(names().map((n) => (n === a ? b : n))),
    };
  }

  append(...nodes: (FakeNode | string)[]): void {
    for (const node of nodes) this.appendChild(typeof node === "string" ? new FakeText(node) : node);
  }

  prepend(...nodes: (FakeNode | string)[]): void {
    for (const node of nodes.reverse()) this.insertBefore(typeof node === "string" ? new FakeText(node) : node, this.childNodes[0] ?? null);
  }

  appendChild<T extends FakeNode>(node: T): T {
    return this.insertBefore(node, null);
  }

  insertBefore<T extends FakeNode>(node: T, ref: FakeNode | null): T {
    node.remove();
    const at = ref ? this.childNodes.indexOf(ref) : -1;
    if (at < 0) this.childNodes.push(node);
    else this.childNodes.splice(at, 0, node);
    node.parentNode = this;
    return node;
  }

  replaceChildren(...nodes: (FakeNode | string)[]): void {
    for (const child of [...this.childNodes]) child.remove();
    this.append(...nodes);
  }

  setAttribute(name: string, value: string): void {
    this.attributes.set(name, String(value));
  }

  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }

  removeAttribute(name: string): void {
    this.attributes.delete(name);
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  dispatch(type: string): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ type, preventDefault: () => undefined });
  }

  click(): void {
    this.dispatch("click");
  }

  contains(node: unknown): boolean {
    for (let n = node as FakeNode | null; n; n = n.parentNode) if (n === this) return true;
    return false;
  }

  getRootNode(): { activeElement: null } {
    return { activeElement: null };
  }

  querySelector(selector: string): FakeElement | null {
    return this.querySelectorAll(selector)[0] ?? null;
  }

  querySelectorAll(selector: string): FakeElement[] {
    const [tag, ...classes] = selector.split(".");
    const found: FakeElement[] = [];
    const walk = (el: FakeElement) => {
      for (const child of el.children) {
        if ((tag === "" || child.tagName === tag) && classes.every((c) => child.classList.contains(c))) found.push(child);
        walk(child);
      }
    };
    walk(this);
    return found;
  }
}

/** Install the fake as `document` (and a page `location`); returns it. */
export function installFakeDom(href = "https://shop.example/products/"): { createElement(tag: string): FakeElement } {
  const doc = {
    createElement: (tag: string) => new FakeElement(tag),
    createElementNS: (_ns: string, tag: string) => new FakeElement(tag),
    createTextNode: (text: string) => new FakeText(text),
  };
  Object.assign(globalThis, { document: doc, location: { href } });
  return doc;
}
