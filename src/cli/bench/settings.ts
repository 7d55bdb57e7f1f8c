// The settings of `npm run bench` (src/cli/bench.ts), read once from the environment:
// BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONNECTIONS and BENCH_ONLY, with the fixed warm-up and the
// browser the requests imitate.
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
export const ONLY = process.env.BENCH_ONLY?.split(',')
  .map((name) => name.trim())
  .filter(Boolean);
export const WARMUP_SECONDS = 2;
// The origin the server is started with (SITE_URL), as a same-site browser sends it.
export const SITE_ORIGIN = 'http://localhost:4321';
export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
// A page load as Chrome asks for it: the site answers with the Brotli file written at build
// time, and the peers send those very bytes.
export const BROWSER_GET = { 'user-agent': BROWSER_UA, 'accept-encoding': 'gzip, deflate, br, zstd' };

/** Whether BENCH_ONLY leaves in a part of the run that has no scenario entry (sign-in, reset). */
export const includes = (part: 'sign-in' | 'reset') => !ONLY || ONLY.includes(part);
