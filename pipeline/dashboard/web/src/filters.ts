/** The filter form above the feed: options from `/api/meta`, applies on select change / Enter / 查询. */
import { FILTER_FIELDS, type AlertFilter, type MetaResponse } from '../../api-types.js';
import { $, h } from './dom.js';

type Field = (typeof FILTER_FIELDS)[number];

export class Filters {
  private applied = '';

  constructor(
    private readonly form: HTMLFormElement,
    private readonly onApply: (filter: AlertFilter) => void,
  ) {
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.apply(true);
    });
    form.addEventListener('change', (e) => {
      if (e.target instanceof HTMLSelectElement) this.apply(false);
    });
    $('[data-testid="reset-filters"]', form).addEventListener('click', () => {
      this.set({});
      this.apply(false);
    });
  }

  /** Fills the selects and the region datalist from the meta answer (keeps current choices). */
  populate(meta: MetaResponse): void {
    fill(this.control('phase'), meta.phases.map((p) => [p.phase, p.name_zh]));
    fill(this.control('kind'), meta.kinds.map((k) => [k.kind, k.name_zh]));
    fill(this.control('severity'), meta.severities.map((s) => [s.severity, s.name_zh]));
    const list = document.getElementById('regions');
    if (list) list.replaceChildren(...meta.regions.map((r) => h('option', { value: r })));
  }

  /** The filter shown in the form (trimmed; empty fields omitted). */
  get(): AlertFilter {
    const f: Record<string, string> = {};
    for (const name of FILTER_FIELDS) {
      const v = this.control(name).value.trim();
      if (v) f[name] = v;
    }
    return f as AlertFilter;
  }

  /** Sets the form (does not apply). */
  set(filter: AlertFilter): void {
    for (const name of FILTER_FIELDS) {
      const c = this.control(name);
      const v = filter[name] ?? '';
      if (c instanceof HTMLSelectElement && v && ![...c.options].some((o) => o.value === v)) c.append(h('option', { value: v }, v));
      c.value = v;
    }
  }

  /** Sets the form to exactly `filter` (other fields cleared) and applies it. */
  replace(filter: AlertFilter): void {
    this.set(filter);
    this.apply(true);
  }

  /** Applies the form; unchanged filters only when `force` (查询 refreshes). */
  private apply(force: boolean): void {
    const filter = this.get();
    const key = JSON.stringify(filter);
    if (!force && key === this.applied) return;
    this.applied = key;
    this.onApply(filter);
  }

  /** Marks a filter as applied without calling back (the initial load). */
  markApplied(filter: AlertFilter): void {
    this.applied = JSON.stringify(filter);
  }

  private control(name: Field): HTMLInputElement | HTMLSelectElement {
    return $<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`, this.form);
  }
}

function fill(select: HTMLInputElement | HTMLSelectElement, options: [string, string][]): void {
  if (!(select instanceof HTMLSelectElement)) return;
  const current = select.value;
  const values = ['', ...options.map(([v]) => v)];
  if (current && !values.includes(current)) values.push(current);
  // Unchanged (the minutely meta refresh, mostly): leave the select alone, an open dropdown too.
  const have = [...select.options].map((o) => o.value);
  if (have.length === values.length && have.every((v, i) => v === values[i])) return;
  select.replaceChildren(h('option', { value: '' }, '全部'), ...options.map(([v, label]) => h('option', { value: v, title: v }, label)));
  // A value the server no longer lists stays chosen while it is the applied filter.
  if (current && !options.some(([v]) => v === current)) select.append(h('option', { value: current }, current));
  select.value = current;
}
