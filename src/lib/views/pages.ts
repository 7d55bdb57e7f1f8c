/**
 * Which paths may be counted. Counting only the site's own pages keeps the statistics'
 * growth bounded by pages × days: a script posting made-up paths cannot add rows.
 *
 * Prerendered pages are known from the build (the server's static files). An on-demand page
 * that shows the counter registers its path here when it is rendered (the ViewCount
 * component does it), in this process's memory; the server and the Astro bundle carry
 * separate copies of this module, so the registry lives on `globalThis`.
 */
const REGISTRY = Symbol.for('customertrackr.views.on-demand-pages');
/** Enough for any real site; beyond it new paths are simply not counted (nothing grows). */
export const MAX_ON_DEMAND_PAGES = 10_000;

type Registry = { [REGISTRY]?: Set<string> };

function registry(): Set<string> {
  const holder = globalThis as Registry;
  holder[REGISTRY] ??= new Set();
  return holder[REGISTRY];
}

/** Records that the on-demand page at `path` (normalized) shows a counter. */
export function registerOnDemandPage(path: string): void {
  const pages = registry();
  if (pages.size < MAX_ON_DEMAND_PAGES) pages.add(path);
}

export function isOnDemandPage(path: string): boolean {
  return registry().has(path);
}
