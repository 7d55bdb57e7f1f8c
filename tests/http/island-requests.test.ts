// Server island requests against the real built server, whose island decryptions are
// memoized (docs/decisions/0030-island-decrypt-cache.md): a repeated request is answered the
// same, and what Astro refuses is still refused, however often it is sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { islandPathIn, startSite, type RunningSite } from '../support/site.ts';

let site: RunningSite;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.stop();
});

/** The island request of `island` on `page`, as the page's script makes it. */
async function islandRequest(page: string, island: string): Promise<URL> {
  const html = await (await fetch(site.url + page)).text();
  const path = islandPathIn(html, island);
  expect(path, `${page} carries the ${island} island`).toBeDefined();
  return new URL(path!, site.url);
}

const post = (island: string, body: unknown) =>
  fetch(`${site.url}/_server-islands/${island}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: site.origin },
    body: JSON.stringify(body),
  });

describe('server island requests', () => {
  it('answers a repeated request the same each time', async () => {
    const url = await islandRequest('/features', 'ViewCountIsland');
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      answers.push((await res.text()).replace(/\d[\d,]*/g, 'N'));
    }
    expect(answers[0]).toContain('Viewed');
    expect(new Set(answers).size).toBe(1);
  });

  it("refuses one island's encrypted values sent to another, every time", async () => {
    const url = await islandRequest('/features', 'ViewCountIsland');
    // Seen (and decrypted) first for the island they belong to.
    expect((await fetch(url)).status).toBe(200);
    const other = new URL(url);
    other.pathname = '/_server-islands/AnnouncementBanner';
    for (let i = 0; i < 2; i++) expect((await fetch(other)).status).toBe(400);
  });

  it('refuses values that are not strings in a POST, even holding a valid one', async () => {
    const url = await islandRequest('/features', 'ViewCountIsland');
    expect((await fetch(url)).status).toBe(200);
    const valid = {
      encryptedComponentExport: url.searchParams.get('e'),
      encryptedProps: url.searchParams.get('p'),
      encryptedSlots: url.searchParams.get('s'),
    };
    expect((await post('ViewCountIsland', valid)).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      expect((await post('ViewCountIsland', { ...valid, encryptedComponentExport: [valid.encryptedComponentExport] })).status).toBe(400);
      expect((await post('ViewCountIsland', { ...valid, encryptedProps: [valid.encryptedProps] })).status).toBe(400);
    }
  });

  it('refuses a tampered value every time', async () => {
    const url = await islandRequest('/features', 'ViewCountIsland');
    const props = url.searchParams.get('p')!;
    const tampered = new URL(url);
    tampered.searchParams.set('p', props.slice(0, -3) + (props.endsWith('AAA') ? 'BBB' : 'AAA'));
    for (let i = 0; i < 2; i++) expect((await fetch(tampered)).status).toBe(400);
  });
});
