/** Tiny DOM helpers: element creation without a framework. */

export type Child = Node | string | number | null | undefined | false;
/** Nested children (flattened). */
export type Children = Child | readonly Children[];
export type Attrs = Record<string, string | number | boolean | null | undefined>;

/**
 * Creates an element. Attributes: `class` sets the class name; `true` sets an empty attribute;
 * `false`, `null` and `undefined` are skipped. Children: strings become text nodes; nullish and
 * `false` are skipped; arrays are flattened.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Children[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === false || v === null || v === undefined) continue;
      if (k === 'class') el.className = String(v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

/** Appends children (see {@link h}) to a node. */
export function append(parent: Node, children: readonly Children[]): void {
  for (const c of children) {
    if (Array.isArray(c)) append(parent, c as readonly Children[]);
    else if (c === null || c === undefined || c === false) continue;
    else if (typeof c === 'string' || typeof c === 'number') parent.appendChild(document.createTextNode(String(c)));
    else parent.appendChild(c as Node);
  }
}

/** The element matching `selector`; throws when the page skeleton lacks it (a build error). */
export function $<T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T {
  const el = root.querySelector<T>(selector);
  if (!el) throw new Error(`missing element: ${selector}`);
  return el;
}

/** Replaces every child of `el`. */
export function replaceChildren(el: Element, ...children: Children[]): void {
  el.textContent = '';
  append(el, children);
}

/** The hash route of an alert's detail. */
export function alertHref(alertId: string): string {
  return `#/alert/${encodeURIComponent(alertId)}`;
}
