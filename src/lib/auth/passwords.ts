import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import pLimit from 'p-limit';
import { ZxcvbnFactory, type ZxcvbnResult } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/**
 * Password hashing and rules (NIST SP 800-63B-4 §3.1.1.2, OWASP ASVS 5.0 V6).
 *
 * argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane). @node-rs/argon2 runs
 * on libuv's thread pool, so hashing never blocks the event loop. The parameters are part of
 * the PHC string stored, so they can be raised later without invalidating existing hashes.
 */
// `algorithm: 2` is Algorithm.Argon2id (a const enum, which type stripping cannot import).
const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

// Hashes run one fewer at a time than there are CPUs (at least one): hashing is CPU-bound, so
// more at once cannot finish sooner, and one CPU stays free for the event loop, which serves
// every page while a burst of sign-ins waits here. Each hash holds 19 MiB: without this,
// libuv's pool runs four at once and the burst raises the server's memory with them
// (figures in docs/performance.md).
const hashing = pLimit(Math.max(1, availableParallelism() - 1));

export const MIN_PASSWORD_LENGTH = 15;
export const MAX_PASSWORD_LENGTH = 256;
/**
 * A password at least this long is accepted on its length alone (a long passphrase), without
 * the strength estimator. The estimator's time grows quickly with the length (a 256-character
 * password cost 0.3–0.5 s), so it only ever sees the first ESTIMATED_LENGTH characters.
 */
export const LONG_PASSPHRASE_LENGTH = 64;
export const ESTIMATED_LENGTH = 100;
/** A long passphrase still needs this many different characters (“aaaa…” is not one). */
const LONG_PASSPHRASE_MIN_DISTINCT = 6;

export function hashPassword(password: string): Promise<string> {
  return hashing(() => hash(password, ARGON2_OPTIONS));
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await hashing(() => verify(passwordHash, password));
  } catch {
    return false; // a malformed stored hash never matches
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one verification when there is no account to check against, so that
 * "no such email" and "wrong password" cannot be told apart by timing.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('a password that no account has, used only to spend time');
  await verifyPassword(await dummyHash, password);
  return false;
}

/** True when a stored hash was made with weaker parameters than today's. */
export function needsRehash(passwordHash: string): boolean {
  const params = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(passwordHash);
  if (!params) return true;
  const [, m, t, p] = params.map(Number);
  return m! < ARGON2_OPTIONS.memoryCost || t! < ARGON2_OPTIONS.timeCost || p! !== ARGON2_OPTIONS.parallelism;
}

// The "passwords-common" list (about 49,000 entries, from the maintained zxcvbn-ts
// project) and keyboard layouts for detecting walks such as "qwertyuiop" or "1q2w3e4r".
// Built on first use (a registration or a password change), not at start: together they hold
// ~5 MB that a server answering page views and sign-ins never needs.
let checker: { common: Set<string>; estimator: ZxcvbnFactory } | undefined;
let estimates = 0;

/** How many times the strength estimator has run in this process (for tests: once per request). */
export function strengthEstimates(): number {
  return estimates;
}

function passwordChecker() {
  checker ??= {
    common: new Set(dictionary['passwords-common']),
    estimator: new ZxcvbnFactory({ dictionary: { 'passwords-common': dictionary['passwords-common'] }, graphs: adjacencyGraphs }),
  };
  return checker;
}

// Below 10^8 estimated guesses, a password of 15+ characters is made of nothing but repeats,
// sequences, keyboard walks and common passwords: offline attackers try those first.
const MIN_GUESSES_LOG10 = 8;

export type PasswordVerdict = { ok: true } | { ok: false; reason: string };

function patternReason(result: ZxcvbnResult): string {
  const patterns = new Set(result.sequence.map((m) => m.pattern));
  if (patterns.has('repeat')) return 'It only repeats a shorter pattern (like “passwordpassword” or “abcabc…”). Try a few unrelated words.';
  if (patterns.has('sequence')) return 'It is only a sequence (like “12345678…” or “abcdef…”). Try a few unrelated words.';
  if (patterns.has('spatial')) return 'It is only a keyboard pattern (like “qwertyuiop” or “1q2w3e4r”). Try a few unrelated words.';
  return 'It is made only of very common passwords, sequences or keyboard patterns. Try a few unrelated words.';
}

/**
 * Checks a new password against the rules: length in code points (never truncated, any
 * Unicode), not a common password, not only a pattern. No composition rules. A passphrase of
 * LONG_PASSPHRASE_LENGTH characters or more passes on its length (and a few distinct
 * characters); shorter ones are scored by the estimator, which runs once per call.
 * `context` holds words an attacker would try for this account (its email address).
 */
export function checkNewPassword(password: string, context: string[] = []): PasswordVerdict {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) {
    return {
      ok: false,
      reason: `Use at least ${MIN_PASSWORD_LENGTH} characters (this one has ${length}). A short phrase of unrelated words works well.`,
    };
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return { ok: false, reason: `Use at most ${MAX_PASSWORD_LENGTH} characters (this one has ${length}).` };
  }
  const { common, estimator } = passwordChecker();
  if (common.has(password.toLowerCase())) {
    return { ok: false, reason: 'This is one of the most common passwords, the first ones attackers try.' };
  }
  if (length >= LONG_PASSPHRASE_LENGTH) {
    if (new Set(password).size < LONG_PASSPHRASE_MIN_DISTINCT) {
      return { ok: false, reason: 'It only repeats a few characters. Try a few unrelated words.' };
    }
    return { ok: true };
  }
  const contextWords = context.flatMap((c) => [c, ...c.split(/[@.+_-]/)]).filter((w) => w.length >= 3);
  estimates++;
  const result = estimator.check([...password].slice(0, ESTIMATED_LENGTH).join(''), ['customertrackr', ...contextWords]);
  if (result.guessesLog10 < MIN_GUESSES_LOG10) {
    if (result.sequence.some((m) => m.pattern === 'dictionary' && m.dictionaryName === 'userInputs')) {
      return { ok: false, reason: 'It is too close to your email address or our name. Try a few unrelated words.' };
    }
    return { ok: false, reason: patternReason(result) };
  }
  return { ok: true };
}
