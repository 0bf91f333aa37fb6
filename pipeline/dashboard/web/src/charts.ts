/**
 * uPlot charts of the overview: alerts by kind per day (stacked bars), throughput and lag over wall
 * clock (two y axes), amount at risk by region (bars). Each chart takes its container's width,
 * keeps a fixed height, and is (re)built lazily once the container is visible.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ALERT_KINDS } from '../../../contracts/alert.js';
import type { FeedStats, OverviewResponse } from '../../api-types.js';
import { clock, compact, dateTime, int, monthDay, oneDecimal, shortMinute, TZ, yuan } from './format.js';
import { kindName } from './labels.js';

const PALETTE = [
  '#2f6fdf', '#e8743b', '#19a979', '#ed4a7b', '#945ecf', '#13a4b4', '#c9a100', '#bf399e', '#6c8893', '#ee6868',
  '#2f6497', '#7fa83a', '#d4526e', '#1b998b', '#8e6c8a', '#f0a202', '#3d5a80', '#5d7c2f', '#b5651d', '#4e79a7',
  '#59a14f', '#e15759', '#76b7b2', '#af7aa1',
];

/** A stable colour per kind (the contract's order; added kinds hash into the palette). */
export function kindColor(kind: string): string {
  let i = (ALERT_KINDS as readonly string[]).indexOf(kind);
  if (i < 0) for (const ch of kind) i = (Math.abs(i) * 31 + ch.charCodeAt(0)) % 9973;
  return PALETTE[Math.abs(i) % PALETTE.length] ?? '#2f6fdf';
}

const AXIS_STROKE = '#5b6675';
const GRID = { stroke: '#e6e9ef', width: 1 };
const TICKS = { stroke: '#d5dae2', width: 1, size: 4 };
const FONT = '11px system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif';

function axis(extra: uPlot.Axis = {}): uPlot.Axis {
  return { stroke: AXIS_STROKE, grid: GRID, ticks: TICKS, font: FONT, ...extra };
}

/** Integer ticks of an ordinal (index) x axis, thinned to fit the width. */
function ordinalSplits(count: () => number, minSpace: number): uPlot.Axis.Splits {
  return (u) => {
    const n = count();
    if (n === 0) return [];
    const per = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(u.bbox.width / devicePixelRatio / minSpace))));
    const out: number[] = [];
    for (let i = 0; i < n; i += per) out.push(i);
    return out;
  };
}

const ordinalRange =
  (count: () => number): uPlot.Range.Function =>
  () => {
    const n = count();
    return n === 0 ? [0, 1] : [-0.5, n - 0.5];
  };

/** Whole-number tick steps for counts. */
const COUNT_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1e3, 2e3, 2.5e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7];

const zeroBased: uPlot.Range.Function = (_u, _min, max) => [0, Number.isFinite(max) && max > 0 ? max * 1.08 : 1];

/** Lifecycle shared by the charts: lazy creation, width from the container, rebuild on new series. */
abstract class Chart {
  protected plot: uPlot | null = null;
  private seriesKey = '';

  constructor(
    protected readonly container: HTMLElement,
    private readonly height: number,
  ) {
    container.classList.add('chart-host');
    this.emptyNote = document.createElement('div');
    this.emptyNote.className = 'chart-empty';
    this.emptyNote.textContent = '暂无数据';
  }

  private readonly emptyNote: HTMLElement;

  protected abstract options(width: number, height: number): uPlot.Options;
  protected abstract data(): uPlot.AlignedData;
  /** Nothing to plot: an "暂无数据" note is laid over the (empty) chart. */
  protected abstract isEmpty(): boolean;
  /** Identity of the series set: a change rebuilds the chart instead of `setData`. */
  protected seriesIdentity(): string {
    return '';
  }

  private width(): number {
    return Math.floor(this.container.clientWidth);
  }

  /** Draws current data (creates the chart when its container is visible). */
  protected draw(): void {
    const w = this.width();
    if (w <= 0) return; // hidden: built on the next resize()
    const key = this.seriesIdentity();
    if (this.plot && key === this.seriesKey) {
      this.plot.setData(this.data());
    } else {
      this.plot?.destroy();
      this.seriesKey = key;
      this.container.textContent = '';
      this.plot = new uPlot(this.options(w, this.height), this.data(), this.container);
      this.container.append(this.emptyNote);
    }
    this.emptyNote.hidden = !this.isEmpty();
  }

  resize(): void {
    const w = this.width();
    if (w <= 0) return;
    if (!this.plot) this.draw();
    else if (Math.abs(this.plot.width - w) >= 1) this.plot.setSize({ width: w, height: this.height });
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = null;
  }
}

/** (a) Alerts per kind per event-time day, stacked bars; the legend shows each day's raw count. */
export class KindsChart extends Chart {
  private days: number[] = [];
  private series: { kind: string; counts: number[] }[] = [];

  update(input: OverviewResponse['alerts_by_day'] | undefined): void {
    this.days = Array.isArray(input?.days) ? input.days : [];
    const n = this.days.length;
    const order = (k: string): number => {
      const i = (ALERT_KINDS as readonly string[]).indexOf(k);
      return i < 0 ? 999 : i;
    };
    this.series = (input?.series ?? [])
      .filter((s) => Array.isArray(s.counts) && s.counts.some((c) => c > 0))
      .map((s) => ({ kind: s.kind, counts: Array.from({ length: n }, (_, i) => Number(s.counts[i]) || 0) }))
      .sort((a, b) => order(a.kind) - order(b.kind));
    this.draw();
  }

  protected override seriesIdentity(): string {
    return this.series.map((s) => s.kind).join(',');
  }

  protected isEmpty(): boolean {
    return this.series.length === 0;
  }

  private stacked(shown: (i: number) => boolean): { data: uPlot.AlignedData; bands: uPlot.Band[] } {
    const acc = this.days.map(() => 0);
    const ys = this.series.map((s, i) => (shown(i) ? s.counts.map((v, j) => (acc[j] = (acc[j] ?? 0) + v)) : s.counts.slice()));
    const bands: uPlot.Band[] = [];
    let below = -1;
    this.series.forEach((_, i) => {
      if (!shown(i)) return;
      if (below >= 0) bands.push({ series: [i + 1, below + 1] });
      below = i;
    });
    return { data: [this.days.map((_, i) => i), ...ys], bands };
  }

  protected data(): uPlot.AlignedData {
    const p = this.plot;
    return this.stacked((i) => (p ? p.series[i + 1]?.show !== false : true)).data;
  }

  protected options(width: number, height: number): uPlot.Options {
    const count = (): number => this.days.length;
    const bars = uPlot.paths.bars?.({ size: [0.72, 64], gap: 1 });
    const { bands } = this.stacked(() => true);
    return {
      width,
      height,
      bands,
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      scales: { x: { time: false, range: ordinalRange(count) }, y: { range: zeroBased } },
      legend: { live: true },
      series: [
        { label: '日期', value: (_u, v) => (v === null || v === undefined ? '—' : this.dayLabel(v, true)) },
        ...this.series.map(
          (s, i): uPlot.Series => ({
            label: kindName(s.kind),
            stroke: kindColor(s.kind),
            fill: kindColor(s.kind) + 'cc',
            width: 0,
            ...(bars ? { paths: bars } : {}),
            points: { show: false },
            value: (_u, _v, _si, idx) => (idx === null ? '—' : int(this.series[i]?.counts[idx] ?? 0)),
          }),
        ),
      ],
      axes: [
        axis({ splits: ordinalSplits(count, 44), values: (_u, splits) => splits.map((v) => this.dayLabel(v, false)), grid: { show: false } }),
        axis({ size: 48, incrs: COUNT_INCRS, values: (_u, splits) => splits.map((v) => compact(v)) }),
      ],
      hooks: {
        setSeries: [
          (u) => {
            const { data, bands: b } = this.stacked((i) => u.series[i + 1]?.show !== false);
            u.delBand(null);
            b.forEach((band) => u.addBand(band));
            u.setData(data);
          },
        ],
      },
    };
  }

  private dayLabel(i: number, full: boolean): string {
    const t = this.days[Math.round(i)];
    if (t === undefined || Math.round(i) !== i) return '';
    return full ? dateTime(t).slice(0, 10) : monthDay(t);
  }
}

const MAX_THROUGHPUT_POINTS = 3600;

/** The wall-clock axis spans at least the last minute (a few samples do not stretch to fill it). */
const atLeastOneMinute: uPlot.Range.Function = (_u, min, max) => {
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    const now = Date.now();
    return [now - 60_000, now];
  }
  return max - min < 60_000 ? [max - 60_000, max] : [min, max];
};

/** (b) Settlements per second (left axis) and consumer lag (right axis) over wall-clock time. */
export class ThroughputChart extends Chart {
  private t: number[] = [];
  private sps: number[] = [];
  private lag: number[] = [];

  update(input: OverviewResponse['throughput'] | undefined): void {
    const t = Array.isArray(input?.t) ? input.t : [];
    this.t = t.slice();
    this.sps = t.map((_, i) => Number(input?.settlements_per_s[i]) || 0);
    this.lag = t.map((_, i) => Number(input?.lag[i]) || 0);
    this.draw();
  }

  /** Appends a live sample from the feed's `stats` event (between overview refreshes). */
  push(s: FeedStats): void {
    if (!Number.isFinite(s.t)) return;
    const last = this.t[this.t.length - 1];
    if (last !== undefined && s.t <= last) return;
    this.t.push(s.t);
    this.sps.push(s.settlements_per_s);
    this.lag.push(s.lag);
    if (this.t.length > MAX_THROUGHPUT_POINTS) {
      const cut = this.t.length - MAX_THROUGHPUT_POINTS;
      this.t.splice(0, cut);
      this.sps.splice(0, cut);
      this.lag.splice(0, cut);
    }
    this.draw();
  }

  protected data(): uPlot.AlignedData {
    return [this.t, this.sps, this.lag];
  }

  protected isEmpty(): boolean {
    return this.t.length === 0;
  }

  protected options(width: number, height: number): uPlot.Options {
    const spanMs = (u: uPlot): number => (u.scales['x']?.max ?? 0) - (u.scales['x']?.min ?? 0);
    return {
      width,
      height,
      ms: 1,
      tzDate: (ts) => uPlot.tzDate(new Date(ts), TZ),
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true, range: atLeastOneMinute }, sps: { range: zeroBased }, lag: { range: zeroBased } },
      series: [
        { label: '时间', value: (_u, v) => (v === null || v === undefined ? '—' : dateTime(v)) },
        { label: '结算/秒', scale: 'sps', stroke: '#2f6fdf', fill: 'rgba(47,111,223,0.08)', width: 1.5, points: { show: false }, value: (_u, v) => oneDecimal(v) },
        { label: '消费积压', scale: 'lag', stroke: '#e8743b', width: 1.5, points: { show: false }, value: (_u, v) => int(v) },
      ],
      axes: [
        axis({ values: (u, splits) => splits.map((v) => (spanMs(u) > 86_400_000 ? shortMinute(v) : clock(v))), space: 70 }),
        axis({ scale: 'sps', size: 48, stroke: '#2f6fdf', values: (_u, s) => s.map(compact) }),
        axis({ scale: 'lag', side: 1, size: 52, stroke: '#e8743b', grid: { show: false }, incrs: COUNT_INCRS, values: (_u, s) => s.map(compact) }),
      ],
    };
  }
}

const MAX_REGIONS = 40;

/** (c) Amount at risk by region: bars, x = region index labelled with its admdvs. */
export class RegionsChart extends Chart {
  private rows: OverviewResponse['amount_by_region'] = [];

  update(input: OverviewResponse['amount_by_region'] | undefined): void {
    this.rows = (Array.isArray(input) ? input : []).slice().sort((a, b) => b.amount - a.amount).slice(0, MAX_REGIONS);
    this.draw();
  }

  protected data(): uPlot.AlignedData {
    return [this.rows.map((_, i) => i), this.rows.map((r) => r.amount)];
  }

  protected isEmpty(): boolean {
    return this.rows.length === 0;
  }

  protected options(width: number, height: number): uPlot.Options {
    const count = (): number => this.rows.length;
    const bars = uPlot.paths.bars?.({ size: [0.66, 56] });
    return {
      width,
      height,
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      scales: { x: { time: false, range: ordinalRange(count) }, y: { range: zeroBased } },
      series: [
        {
          label: '区划',
          value: (_u, v) => {
            const r = v === null || v === undefined ? undefined : this.rows[Math.round(v)];
            return r ? `${r.admdvs}（${int(r.alerts)} 条告警）` : '—';
          },
        },
        {
          label: '涉及金额（元）',
          stroke: '#c0392b',
          fill: 'rgba(192,57,43,0.75)',
          width: 0,
          ...(bars ? { paths: bars } : {}),
          points: { show: false },
          value: (_u, v) => (v === null || v === undefined ? '—' : yuan(v)),
        },
      ],
      axes: [
        axis({
          splits: ordinalSplits(count, 56),
          values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? (this.rows[i]?.admdvs ?? '') : '')),
          grid: { show: false },
        }),
        axis({ size: 52, values: (_u, s) => s.map(compact) }),
      ],
    };
  }
}
