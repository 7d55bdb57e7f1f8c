// The public data inventory (/privacy/data) against the schema the migrations build: every
// column of every table holding personal data has a public description, every table of the
// registry says why and who can see it, and the built page shows them all.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataInventory, INVENTORY, NOT_PERSONAL, PERSONAL_DATA, type InventoryItem } from '../../src/lib/accounts/index.ts';
import { describeSchema } from '../../src/lib/db/index.ts';
import { testDatabase } from '../support/db.ts';
import { root } from '../support/site.ts';

const database = testDatabase({ per: 'file' });

async function liveTables(): Promise<{ name: string; columns: string[] }[]> {
  const { tables } = await describeSchema(database.db);
  return tables.map((t) => ({ name: t.name, columns: t.columns.map((c) => c.name) }));
}

/** What is wrong with `inventory` for the live schema: one line per table or column without a public description. */
function problems(inventory: InventoryItem[], live: { name: string; columns: string[] }[]): string[] {
  const found: string[] = [];
  for (const table of live) {
    if (Object.hasOwn(NOT_PERSONAL, table.name)) continue;
    const item = inventory.find((i) => i.table === table.name);
    if (!item) {
      found.push(`${table.name}: no entry in the inventory`);
      continue;
    }
    for (const text of [item.what, item.why, item.seenBy, item.kept, item.erased])
      if (text.trim().length < 10) found.push(`${table.name}: a missing or empty public fact`);
    for (const column of table.columns) {
      const described = item.columns.find((c) => c.name === column);
      if (!described || described.description.trim().length < 10) found.push(`${table.name}.${column}: no public description`);
    }
  }
  return found;
}

describe('the public data inventory', () => {
  it('describes every column of every table that holds personal data', async () => {
    expect(problems(dataInventory(), await liveTables())).toEqual([]);
  });

  it('fails for a column of personal data without a public description', async () => {
    const live = (await liveTables()).map((t) => (t.name === 'account_profile' ? { ...t, columns: [...t.columns, 'birthday'] } : t));
    expect(problems(dataInventory(), live)).toEqual(['account_profile.birthday: no public description']);
    const blank = dataInventory().map((i) =>
      i.table === 'user' ? { ...i, columns: i.columns.map((c) => (c.name === 'email' ? { ...c, description: ' ' } : c)) } : i,
    );
    expect(problems(blank, await liveTables())).toEqual(['user.email: no public description']);
  });

  it('has why and who-can-see for exactly the tables of the registry', async () => {
    expect(Object.keys(INVENTORY).sort()).toEqual(PERSONAL_DATA.map((e) => e.table).sort());
  });

  it('is what the built page /privacy/data shows, and the policy pages link to it', async () => {
    const html = readFileSync(join(root, 'dist/client/privacy/data/index.html'), 'utf8');
    for (const item of dataInventory()) {
      expect(html, item.table).toContain(`data-table="${item.table}"`);
      for (const column of item.columns) expect(html, `${item.table}.${column.name}`).toContain(`data-column="${column.name}"`);
    }
    const policy = readFileSync(join(root, 'dist/client/privacy/index.html'), 'utf8');
    expect(policy).toContain('href="/privacy/data"');
    expect(policy).toContain('href="/privacy/recipients"');
  });
});
