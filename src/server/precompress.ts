import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Extensions worth compressing (images and fonts are compressed already). */
export const COMPRESSIBLE = new Set(['.html', '.css', '.js', '.mjs', '.json', '.xml', '.svg', '.txt', '.webmanifest', '.map']);
/** Below this, the headers outweigh what compression saves. */
export const MIN_COMPRESS_BYTES = 512;

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

/**
 * Writes `<file>.br` (Brotli, best quality) and `<file>.gz` (gzip -9) next to every
 * compressible file of the built client, once at build time, so serving costs nothing.
 * A variant is kept only when it is smaller than the original.
 */
export function precompress(clientDir: string): { files: number; bytesBefore: number; bytesAfterBrotli: number } {
  let files = 0;
  let bytesBefore = 0;
  let bytesAfterBrotli = 0;
  for (const full of walk(clientDir)) {
    if (!COMPRESSIBLE.has(extname(full).toLowerCase())) continue;
    const size = statSync(full).size;
    if (size < MIN_COMPRESS_BYTES) continue;
    const body = readFileSync(full);
    const br = brotliCompressSync(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    });
    const gz = gzipSync(body, { level: 9 });
    if (br.length < body.length) writeFileSync(`${full}.br`, br);
    if (gz.length < body.length) writeFileSync(`${full}.gz`, gz);
    files += 1;
    bytesBefore += body.length;
    bytesAfterBrotli += Math.min(br.length, body.length);
  }
  return { files, bytesBefore, bytesAfterBrotli };
}
