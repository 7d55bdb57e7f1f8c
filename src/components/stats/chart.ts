/**
 * Geometry of the statistics chart (ViewsChart.astro): two series over days, drawn as
 * lines that differ by more than colour (solid with circles, dashed with squares), with
 * value labels. Plain numbers in, SVG coordinates out; no Astro.
 */
export interface Series {
  /** One value per day, same length as `days`. */
  values: number[];
}

export const WIDTH = 720;
export const HEIGHT = 300;
export const MARGIN = { top: 24, right: 16, bottom: 40, left: 56 };
/** At most this many points: every value is labelled; beyond it, the peak and the last. */
export const LABEL_ALL_UP_TO = 14;
/** Markers are drawn up to this many points (more would blur into the line). */
export const MARKERS_UP_TO = 62;

/**
 * The top of the scale: four gridline steps of a "nice" whole size (1, 2, 2.5 or 5 × 10ⁿ),
 * so that every gridline is a whole number; at least 4.
 */
export function niceMax(max: number): number {
  const rough = Math.max(1, max / 4);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  for (const step of [1, 2, 2.5, 5, 10]) {
    const size = step * magnitude;
    if (size >= rough && Number.isInteger(size)) return size * 4;
  }
  return 40 * magnitude;
}

export interface Point {
  x: number;
  y: number;
  value: number;
  index: number;
}

export interface Layout {
  yMax: number;
  /** Gridlines: value and y. */
  ticks: { value: number; y: number }[];
  /** Date labels along the bottom: index and x. */
  xLabels: { index: number; x: number }[];
  x: (index: number) => number;
  y: (value: number) => number;
}

export function layout(days: number, max: number): Layout {
  const yMax = niceMax(max);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (index: number) => MARGIN.left + (days <= 1 ? plotWidth / 2 : (index * plotWidth) / (days - 1));
  const y = (value: number) => MARGIN.top + plotHeight - (value / yMax) * plotHeight;
  const ticks = [0, 1, 2, 3, 4].map((i) => ({ value: (yMax * i) / 4, y: y((yMax * i) / 4) }));
  const labelCount = Math.min(days, 6);
  const xLabels: { index: number; x: number }[] = [];
  for (let i = 0; i < labelCount; i++) {
    const index = labelCount === 1 ? 0 : Math.round((i * (days - 1)) / (labelCount - 1));
    if (!xLabels.some((l) => l.index === index)) xLabels.push({ index, x: x(index) });
  }
  return { yMax, ticks, xLabels, x, y };
}

export function points(values: readonly number[], geometry: Layout): Point[] {
  return values.map((value, index) => ({ x: geometry.x(index), y: geometry.y(value), value, index }));
}

/** An SVG path through the points. */
export function linePath(pts: readonly Point[]): string {
  return pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
}

/** The points whose values are written on the chart: all of them, or the peak and the last. */
export function labelled(pts: readonly Point[]): Point[] {
  if (pts.length <= LABEL_ALL_UP_TO) return [...pts];
  let peak = pts[0]!;
  for (const p of pts) if (p.value > peak.value) peak = p;
  const last = pts[pts.length - 1]!;
  return peak.index === last.index ? [last] : [peak, last];
}
