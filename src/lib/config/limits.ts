/**
 * Request-body limits, in bytes: the one place they are set. The project's server
 * (src/server/server.ts) refuses a larger body with 413 before Astro sees the request, for a
 * declared `Content-Length` and for chunked bodies alike; astro.config.mjs gives the node
 * adapter's `bodySizeLimit` the largest of them, so that Astro never reads more either.
 */
export const BODY_LIMITS = {
  /** Forms, actions (`/_actions/…` and `?_action=`) and every other endpoint. */
  default: 64 * 1024,
  /** The view counter's beacon, `POST /api/views/event` (a path and a key in JSON). */
  viewEvent: 2 * 1024,
} as const;

/** The largest body any route accepts. */
export const MAX_BODY_BYTES = Math.max(...Object.values(BODY_LIMITS));
