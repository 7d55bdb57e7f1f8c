/**
 * Geometry of the statistics chart (ViewsChart.astro): two series over days, drawn as
 * lines that differ by more than colour (solid and dashed), with markers and values only
 * on the points that say something. Plain numbers in, SVG coordinates out; no Astro.
 */
export interface Series {
  /** One value per day, same length as `days`. */
  values: number[];
}

/** The drawing's size and how much it says: a wide chart, and a compact one for phones. */
export interface ChartSize {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
  /** How many dates along the bottom, at most. */
  xLabels: number;
  /** At most this many points: every value is labelled (and marked); beyond it, the peak and the last. */
  labelAllUpTo: number;
}

export const WIDE: ChartSize = {
  width: 720,
  height: 300,
  margin: { top: 24, right: 16, bottom: 40, left: 56 },
  xLabels: 6,
  labelAllUpTo: 14,
};
/** Drawn for screens narrower than 36em: the same data at a size whose text stays readable at 320 px. */
export const NARROW: ChartSize = {
  width: 340,
  height: 230,
  margin: { top: 22, right: 14, bottom: 34, left: 40 },
  xLabels: 3,
  labelAllUpTo: 7,
};

export const WIDTH = WIDE.width;
export const HEIGHT = WIDE.height;
export const MARGIN = WIDE.margin;
export const LABEL_ALL_UP_TO = WIDE.labelAllUpTo;

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

export function layout(days: number, max: number, size: ChartSize = WIDE): Layout {
  const { width, height, margin } = size;
  const yMax = niceMax(max);
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const x = (index: number) => margin.left + (days <= 1 ? plotWidth / 2 : (index * plotWidth) / (days - 1));
  const y = (value: number) => margin.top + plotHeight - (value / yMax) * plotHeight;
  const ticks = [0, 1, 2, 3, 4].map((i) => ({ value: (yMax * i) / 4, y: y((yMax * i) / 4) }));
  const labelCount = Math.min(days, size.xLabels);
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

/**
 * The points that carry information of their own, so get a marker and their value written on
 * the chart: in a short range every day with something to count; in a longer one the peak and
 * the last day. A zero is never written: the flat line on the axis already says it.
 */
export function labelled(pts: readonly Point[], upTo = LABEL_ALL_UP_TO): Point[] {
  if (pts.length <= upTo) return pts.filter((p) => p.value > 0);
  let peak = pts[0]!;
  for (const p of pts) if (p.value > peak.value) peak = p;
  const last = pts[pts.length - 1]!;
  return (peak.index === last.index ? [last] : [peak, last]).filter((p) => p.value > 0);
}
