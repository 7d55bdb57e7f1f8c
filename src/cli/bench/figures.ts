// Small helpers for the benchmark's figures: the median of rounds, numbers as printed, and
// megabytes rounded for the report.

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const roundedMb = (mb: number | undefined) => (mb === undefined ? undefined : Math.round(mb));
