/** /privacy/versions.json: the machine-readable index of the published versions. */
import type { APIRoute } from 'astro';
import { loadPolicy } from '../../components/policy/site.ts';
import { buildPolicyIndex } from '../../lib/policy/index-json.ts';

export const prerender = true;

export const GET: APIRoute = async ({ site }) => {
  const { versions } = await loadPolicy();
  const index = buildPolicyIndex(versions, site ?? new URL('http://localhost:4321'));
  return new Response(`${JSON.stringify(index, null, 2)}\n`, { headers: { 'Content-Type': 'application/json; charset=utf-8' } });
};
