// The architecture of docs/architecture.md, checked: the import rules are ESLint's
// (eslint.config.js), and each is shown to fire here on a deliberately wrong file, so that a
// change to the config cannot silently switch one off. Table ownership is checked by
// reading the sources: a capability's tables are written only by that capability's module.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { root } from '../support/site.ts';

const eslint = new ESLint({
  cwd: root,
  // Only the import rules: the typed rules need files that exist in the TypeScript project.
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
});

/** The restricted-import messages ESLint gives `code` as if it were the file at `path`. */
async function importProblems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the import rules fire, with a message that says where the code belongs', () => {
  it.each([
    ['src/lib/example/bad.ts', "import { defineMiddleware } from 'astro:middleware';", /framework-free/],
    ['src/lib/example/bad.ts', "import type { APIContext } from 'astro';", /framework-free/],
    ['src/lib/example/bad.ts', "import Header from '../../components/Header.astro';", /framework-free/],
    ['src/lib/example/bad.ts', "import { server } from '../../actions/index.ts';", /framework-free/],
    ['src/lib/example/bad.ts', "import { GET } from '../../pages/healthz.ts';", /framework-free/],
    ['src/lib/views/bad.ts', "import SQLite from 'better-sqlite3';", /Only src\/lib\/db/],
    ['src/lib/views/bad.ts', "import pg from 'pg';", /Only src\/lib\/db/],
    ['src/pages/bad.ts', "import SQLite from 'better-sqlite3';", /Pages, components.*domain function/],
    ['src/components/bad.ts', "import pg from 'pg';", /Pages, components.*domain function/],
    ['src/actions/bad.ts', "import SQLite from 'better-sqlite3';", /Pages, components.*domain function/],
    ['src/actions/bad.ts', "import { defineAction } from 'astro:actions';", /src\/actions\/define\.ts.*503/],
    ['src/server/bad.ts', "import SQLite from 'better-sqlite3';", /Only src\/lib\/db/],
    ['src/cli/bad.ts', "import pg from 'pg';", /Only src\/lib\/db/],
  ])('%s: %s', async (path, code, message) => {
    const problems = await importProblems(path, `${code}\nexport {};\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it.each([
    ['src/lib/db/ok.ts', "import SQLite from 'better-sqlite3';"],
    ['src/lib/views/ok.ts', "import { sql } from 'kysely';"],
    ['src/lib/views/ok.ts', "import { openDatabase } from '../db/index.ts';"],
    ['src/pages/ok.ts', "import { recordView } from '../lib/views/index.ts';"],
    ['src/actions/ok.ts', "import { ActionError } from 'astro:actions';\nimport { defineAction } from './define.ts';"],
    ['src/actions/define.ts', "import { defineAction } from 'astro:actions';"],
  ])('allows %s: %s', async (path, code) => {
    expect(await importProblems(path, `${code}\nexport {};\n`)).toEqual([]);
  });
});

/** Every source file under `dir`, relative to the repository. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|astro)$/.test(e.name))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

/**
 * Table → the capability folder that owns it, read from src/lib/db/schema.ts: each table's
 * row type is imported from the folder of the capability that declares it.
 */
function tableOwners(): Map<string, string> {
  const schema = readFileSync(join(root, 'src/lib/db/schema.ts'), 'utf8');
  const typeFolder = new Map<string, string>();
  for (const [, names, folder] of schema.matchAll(/import type \{([^}]*)\} from '\.\.\/([a-z-]+)\//g)) {
    for (const name of names!.split(',')) typeFolder.set(name.trim(), folder!);
  }
  const owners = new Map<string, string>();
  for (const [, table, type] of schema.matchAll(/^\s+([a-z_]+): ([A-Za-z]+);$/gm)) owners.set(table!, typeFolder.get(type!) ?? 'db');
  return owners;
}

/** `file wrote table (owned by capability)` for every write outside the owner's folder. */
function foreignWrites(files: { path: string; text: string }[], owners: Map<string, string>): string[] {
  const found: string[] = [];
  for (const { path, text } of files) {
    for (const [, table] of text.matchAll(/\b(?:insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(\s*['"]([a-z_]+)['"]/g)) {
      const owner = owners.get(table!);
      if (!owner) continue;
      if (!path.startsWith(`src/lib/${owner}/`)) {
        found.push(`${path} writes ${table} (owned by src/lib/${owner}: call a function of that capability instead)`);
      }
    }
  }
  return found;
}

describe('a capability’s tables are written only by that capability’s module', () => {
  const owners = tableOwners();

  it('knows the owner of every table', () => {
    expect(owners.size).toBeGreaterThan(10);
    expect(owners.get('user')).toBe('auth');
    expect(owners.get('view_total')).toBe('views');
  });

  it('holds in the code', () => {
    const files = sourceFiles('src').map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));
    expect(foreignWrites(files, owners)).toEqual([]);
  });

  it('fires on a write from another capability', () => {
    const wrong = { path: 'src/lib/views/bad.ts', text: "await db.deleteFrom('session').where('user_id', '=', 1).execute();" };
    const right = { path: 'src/lib/auth/ok.ts', text: "await db.deleteFrom('session').where('user_id', '=', 1).execute();" };
    expect(foreignWrites([wrong, right], owners)).toEqual([
      'src/lib/views/bad.ts writes session (owned by src/lib/auth: call a function of that capability instead)',
    ]);
  });
});
