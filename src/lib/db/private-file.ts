import { randomBytes } from 'node:crypto';
import { closeSync, constants, copyFileSync, existsSync, linkSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/** Errors of a file system that has no hard links (vfat, exFAT, many SMB and FUSE mounts). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Writes a file of personal data (a backup) so that `destination` is whole or absent, and never
 * readable by the machine's other users, not even while it is written: `write` fills an empty
 * file made readable by its owner only under another name beside it, which then takes the
 * name `destination` without overwriting a file that appeared meanwhile (a hard link; where
 * the file system has none, an exclusive copy, which keeps the mode). Refuses a `destination`
 * that exists. The file under the other name is removed in every case.
 */
export async function writePrivateFile(destination: string, write: (partial: string) => Promise<void>): Promise<void> {
  if (existsSync(destination)) throw new Error(`${destination} already exists; choose a new file name`);
  mkdirSync(dirname(destination), { recursive: true });
  const partial = `${destination}.partial-${randomBytes(6).toString('hex')}`;
  try {
    closeSync(openSync(partial, 'wx', 0o600));
    await write(partial);
    try {
      linkSync(partial, destination);
    } catch (error) {
      if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      copyFileSync(partial, destination, constants.COPYFILE_EXCL);
    }
  } finally {
    rmSync(partial, { force: true });
  }
}
