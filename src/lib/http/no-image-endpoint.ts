/**
 * What Astro's image endpoint (`/_image`) answers on this site: 404 to everything. The site
 * transforms no images at run time, and Astro's own endpoint would decode whatever file of the
 * build a stranger names, answering 500 to what it cannot (astro.config.mjs: `image.endpoint`).
 */
export const ALL = (): Response => new Response('Not found\n', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
