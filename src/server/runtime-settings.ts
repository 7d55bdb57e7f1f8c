/**
 * How the site's server process is started: V8 flags and C library settings, the same for
 * `npm start` and `npm run serve` (package.json, kept equal by tests/unit/server-flags.test.ts)
 * and for every process the tests, the benchmark and the fault script start. Neither can be
 * changed from inside a running process: V8 reads its flags before the heap exists, glibc
 * reads its settings at the first allocation.
 *
 * - `--max-semi-space-size=4 --heap-growing-percent=20`: by default V8 sizes the heap for the
 *   machine (24 GiB here): a 128 MB young generation and an old one that grows several times
 *   past what is alive before it collects, so the server rose to ~360 MB under island load
 *   while 30–40 MB of it was alive. No hard limit (`--max-old-space-size`): a heap that must
 *   grow still can, rather than crash.
 * - `--no-maglev`: V8's middle compiler tier compiles many functions on helper threads, and the
 *   C heap of those threads stays fragmented after it (~15 MB). Hot code is still optimized
 *   by TurboFan; throughput measured the same (docs/performance.md).
 * - `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates its own arena, up to eight per
 *   CPU, and keeps what was freed in each: two arenas hold ~15 MB less. An operator's own
 *   value is kept.
 * - `NODE_COMPILE_CACHE=dist/.node-compile-cache` (relative to the project, where npm runs its
 *   scripts): Node keeps the code it compiled (and the TypeScript it stripped) there and reuses
 *   it at the next start, which took the first response after start from ~1.1 s to ~0.8 s.
 *   Inside the build, so every build starts a new one and it never outgrows one build; a folder
 *   it cannot write only leaves the start as slow as before.
 *
 * Why these and not others: docs/decisions/0011, 0013, 0032 and 0035.
 */
export const SERVER_V8_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=20', '--no-maglev'];

export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', NODE_COMPILE_CACHE: 'dist/.node-compile-cache' };

/** The environment of a server process: `SERVER_ENV` under `env` (whose values win), then `overrides`. */
export function serverEnv(env: NodeJS.ProcessEnv, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...SERVER_ENV, ...env, ...overrides };
}
