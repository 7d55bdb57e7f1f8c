/**
 * V8's heap settings for the site's server process: `npm start`, `npm run serve` (package.json,
 * kept equal by tests/unit/server-flags.test.ts) and every process the tests, the benchmark and
 * the fault script start.
 *
 * By default V8 sizes the heap for the machine (24 GiB here): the young generation grows to
 * 128 MB and the old one to several times what is alive before it collects, so the server's
 * memory rises to ~360 MB under island load while 30–40 MB of it is alive. A young generation
 * of 8 MB (two 4 MB semi-spaces) and an old one that grows by 30 % at a time keep it near
 * 180 MB, for ~5–10 % fewer island renders per second (measured: docs/performance.md). No
 * hard limit (`--max-old-space-size`): a heap that must grow still can, rather than crash.
 * Why flags and not something else: docs/decisions/0011-server-memory-and-cached-banner-sources.md.
 */
export const SERVER_V8_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=30'];
