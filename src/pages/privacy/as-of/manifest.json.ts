/**
 * /privacy/as-of/manifest.json (internal, never served): the dates for which the policy
 * pages were also prerendered, read by the server's request-time resolver.
 */
import type { APIRoute } from 'astro';
import { loadPolicy, renderTime } from '../../../components/policy/site.ts';
import { buildAsOfManifest } from '../../../lib/policy/request-time.ts';

export const prerender = true;

export const GET: APIRoute = async () => {
  const { versions } = await loadPolicy();
  const manifest = buildAsOfManifest(
    versions.filter((v) => !v.draft),
    renderTime(),
  );
  return new Response(`${JSON.stringify(manifest, null, 2)}\n`, { headers: { 'Content-Type': 'application/json; charset=utf-8' } });
};
