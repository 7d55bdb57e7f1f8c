// The account area over HTTP (issues 5 and 14): what it shows, profile editing, email and password
// changes with re-authentication, sessions, the sharing preference with Global Privacy
// Control, and policy acknowledgements — against the real built server.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessionRef } from '../../src/lib/accounts/sessions.ts';
import { formatDate } from '../../src/lib/policy/dates.ts';
import { Client, errorSummary, fieldError, island, linkIn, mailsTo, signedInClient, textOf } from '../support/account-profile.ts';
import { clearRateLimits, withDatabase } from '../support/site-db.ts';
import { createUser, PASSWORD, uniqueEmail } from '../support/users.ts';
import { publishedVersions, versionInEffect } from '../support/policy-versions.ts';
import { startSite, type RunningSite } from '../support/site.ts';

let site: RunningSite;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.stop();
});
// Many tests here sign in through the form, from one address: each starts with every allowance.
beforeEach(async () => {
  await clearRateLimits(site);
});

/** The HTML of one section of an account page. */
function sectionOf(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  expect(start, `section ${id}`).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</section>', start));
}

/** An account page as its reader gets it: status, headers, HTML and text. */
async function accountPage(client: Client, path: string, headers: Record<string, string> = {}) {
  const res = await client.get(path, headers);
  const html = await res.text();
  return { res, html, text: textOf(html) };
}

describe('the account area', () => {
  it('sends visitors to sign in, and back to the page they asked for afterwards', async () => {
    const visitor = new Client(site);
    for (const path of ['/account', '/account/security', '/account/privacy', '/account/data']) {
      const res = await visitor.get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
    expect((await visitor.get('/account/basic')).headers.get('location')).toBe('/login?next=%2Faccount%2Fbasic');

    const email = uniqueEmail('next');
    await createUser(site, { email });
    const back = await visitor.post('/login?_action=auth.signIn&next=%2Faccount%2Fsecurity', { email, password: PASSWORD });
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/account/security');
  });

  it('has four private pages, each with the side navigation marking it, its data in the page and no loading island', async () => {
    const { email, client } = await signedInClient(site, { label: 'page', form: true });
    const pages = {
      '/account': [/Profile/, /Account created \S/, /Last sign-in \S/, /Confirmed/],
      '/account/security': [/You sign in with \S+@\S+ \. It is confirmed/, /This browser/, /Change password/],
      '/account/privacy': [
        /Allowed after notice/,
        /Version 1 \(effective January 1, 2009\) ?, agreed .* when you registered/,
        /No changes yet/,
        /Nobody on our staff/,
      ],
      '/account/data': [/Download my data/, /Delete my account/],
    };
    for (const [path, expected] of Object.entries(pages)) {
      const { res, html, text } = await accountPage(client, path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('private, no-store');
      for (const pattern of expected) expect(text, path).toMatch(pattern);
      expect(html, path).toMatch(new RegExp(`<a href="${path}" aria-current="page"`));
      expect(html.match(/aria-current="page"/g), path).toHaveLength(1);
      // Personal parts are in the page: no account island arrives later to push things around.
      expect(html, path).not.toMatch(/_server-islands\/(Profile|Email|Sessions|Sharing|Policy|History)Island|StaffAccess/);
    }
    expect((await accountPage(client, '/account')).text).toContain(email);
  });

  it('writes times relative to now, with the exact time in UTC in the title of a <time>', async () => {
    const { client } = await signedInClient(site, { label: 'times', form: true });
    const { html } = await accountPage(client, '/account/security');
    const times = [...html.matchAll(/<time datetime="([^"]+)" title="([^"]+)" data-local-title>([^<]+)<\/time>/g)];
    expect(times.length).toBeGreaterThan(0);
    for (const [, iso, title, text] of times) {
      expect(iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(title).toMatch(/^\w+ \d+, \d{4} at \d+:\d\d [AP]M UTC$/);
      // Made moments ago: "just now" or so many minutes ago (never a date).
      expect(text).toMatch(/^(just now|\d+ minutes? ago)$/);
    }
  });

  it('sends /account/basic, the old page for browsers without JavaScript, to /account, and old notices to their page', async () => {
    const { client } = await signedInClient(site, { label: 'basic', form: true });
    const basic = await client.get('/account/basic');
    expect(basic.status).toBe(303);
    expect(basic.headers.get('location')).toBe('/account');
    expect((await client.get('/account/basic?done=sessions')).headers.get('location')).toBe('/account/security?done=sessions');
    const old = await client.get('/account?done=sharing-changed');
    expect(old.status).toBe(303);
    expect(old.headers.get('location')).toBe('/account/privacy?done=sharing-changed');
    // Links to the old sections (/account#sessions) are sent on by the profile page before it paints.
    expect((await accountPage(client, '/account')).html).toMatch(
      /<head>[\s\S]*<script src="\/js\/account-anchors.js"><\/script>[\s\S]*<\/head>/,
    );
  });

  it('keeps the forms of the old single page working: each lands on the page that now holds it', async () => {
    const { client } = await signedInClient(site, { label: 'old-forms', form: true });
    const sharing = await client.post('/account?_action=account.setSharing', { choice: 'opt-out' });
    expect(sharing.status).toBe(303);
    expect(sharing.headers.get('location')).toBe('/account/privacy?done=sharing-changed');
    const basic = await client.post('/account/basic?_action=account.updateProfile', { company: 'Old Forms Ltd' });
    expect(basic.headers.get('location')).toBe('/account?done=profile');
    // A refusal is shown on the page that holds the form, with its error summary.
    const wrong = await client.post('/account?_action=account.changePassword', {
      currentPassword: 'not it at all, no',
      newPassword: 'short',
    });
    expect(wrong.status).toBe(403);
    const text = textOf(await wrong.text());
    expect(text).toContain('There is a problem');
    expect(text).toContain('Sign-in & security');
  });
});

describe('profile editing', () => {
  it('saves the fields, escapes what was typed and lists each change in the history without old values', async () => {
    const { id, client } = await signedInClient(site, { label: 'edit', form: true });
    const res = await client.post('/account?_action=account.updateProfile', {
      display_name: '<script>alert(1)</script>',
      full_name: 'Ada Lovelace',
      company: 'Analytical & Co',
      job_title: '',
      phone: '+44 20 7946 0958',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account?done=profile');

    const { html } = await client.pageWithIslands('/account?done=profile');
    expect(textOf(html)).toContain('Your profile was saved');
    const profile = sectionOf(html, 'profile');
    // In an attribute value the text stays text (quotes and ampersands are escaped)…
    expect(profile).toContain('value="<script>alert(1)</script>"');
    // …and nowhere outside attribute values is there a script element.
    expect(profile.replace(/="[^"]*"/g, '=""')).not.toMatch(/<script/i);
    expect(profile).toContain('value="Ada Lovelace"');
    expect(profile).toContain('value="Analytical &amp; Co"');
    // The header shows the new display name as text.
    const header = /<header class="site-header"[\s\S]*?<\/header>/.exec(html)![0];
    expect(header).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(header).not.toContain('<script>alert');

    const history = (await accountPage(client, '/account/privacy')).text;
    for (const label of ['Display name', 'Full name', 'Company', 'Phone number'])
      expect(history).toMatch(new RegExp(`${label} changed (just now|\\d+ minutes? ago) by you`));
    expect(history).not.toContain('Job title');
    expect(history).not.toContain('Lovelace');
    const rows = await withDatabase(site, (db) => db.selectFrom('data_change').selectAll().where('user_id', '=', id).execute());
    expect(rows.map((r) => r.field).sort()).toEqual(['company', 'display_name', 'full_name', 'phone']);
    expect(JSON.stringify(rows)).not.toContain('Lovelace');

    // Saving the same values again changes nothing and records nothing.
    const again = await client.post('/account?_action=account.updateProfile', {
      display_name: '<script>alert(1)</script>',
      full_name: 'Ada Lovelace',
      company: 'Analytical & Co',
      job_title: '',
      phone: '+44 20 7946 0958',
    });
    expect(again.headers.get('location')).toBe('/account?done=profile-unchanged');
    expect(await withDatabase(site, (db) => db.selectFrom('data_change').select('id').where('user_id', '=', id).execute())).toHaveLength(4);
  });

  it('answers bad values with field-level messages, keeps what was typed and changes nothing', async () => {
    const { id, client } = await signedInClient(site, { label: 'bad', form: true });
    await client.post('/account?_action=account.updateProfile', { full_name: 'Grace Hopper', phone: '+1 617 555 0100' });
    const before = await withDatabase(site, (db) =>
      db.selectFrom('account_profile').selectAll().where('user_id', '=', id).executeTakeFirstOrThrow(),
    );

    const res = await client.post('/account?_action=account.updateProfile', {
      display_name: 'x'.repeat(61),
      full_name: 'Grace\u202eHopper',
      company: 'Navy',
      phone: 'call me maybe',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(textOf(html)).toContain('Nothing was saved');
    const profile = html;
    expect(fieldError(profile, 'display_name')).toMatch(/at most 60 characters \(this has 61\)/);
    expect(fieldError(profile, 'full_name')).toMatch(/invisible or control characters/);
    expect(fieldError(profile, 'phone')).toMatch(/digits, spaces and/);
    expect(profile).not.toContain('field-company-error');
    // The error summary at the top links to each field, in the form's order.
    expect(errorSummary(profile).map((l) => l.href)).toEqual(['#field-display_name', '#field-full_name', '#field-phone']);
    expect(errorSummary(profile)[2]!.text).toMatch(/digits, spaces and/);
    // Each invalid field is marked by more than colour: a bar beside it and the icon-led message.
    expect(profile).toMatch(/<div class="field field--error"[^>]*>\s*<label for="field-phone"/);
    expect(profile).toContain('aria-invalid="true"');
    // What was typed is kept for correcting it.
    expect(profile).toContain('value="Navy"');
    expect(profile).toContain('value="call me maybe"');

    const after = await withDatabase(site, (db) =>
      db.selectFrom('account_profile').selectAll().where('user_id', '=', id).executeTakeFirstOrThrow(),
    );
    expect(after).toEqual(before);
  });

  it('removes what a field held when it is submitted empty', async () => {
    const { id, client } = await signedInClient(site, { label: 'clear', form: true });
    await client.post('/account?_action=account.updateProfile', {
      display_name: 'Al',
      full_name: 'Alan Turing',
      company: 'Bletchley',
      job_title: '',
      phone: '',
    });
    await client.post('/account?_action=account.updateProfile', {
      display_name: 'Al',
      full_name: 'Alan Turing',
      company: '  ',
      job_title: '',
      phone: '',
    });
    const row = await withDatabase(site, (db) =>
      db.selectFrom('account_profile').selectAll().where('user_id', '=', id).executeTakeFirstOrThrow(),
    );
    expect(row.full_name).toBe('Alan Turing');
    expect(row.company).toBeNull();
    const user = await withDatabase(site, (db) =>
      db.selectFrom('user').select('display_name').where('id', '=', id).executeTakeFirstOrThrow(),
    );
    expect(user.display_name).toBe('Al');
  });
});

describe('changing the email address', () => {
  it('needs the current password', async () => {
    const { id, email, client } = await signedInClient(site, { label: 'email-reauth', form: true });
    const newEmail = uniqueEmail('email-new');
    const res = await client.post('/account/security?_action=account.changeEmail', { newEmail, emailPassword: 'not my password at all' });
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(fieldError(html, 'emailPassword')).toMatch(/not your current password/);
    expect(errorSummary(html)).toEqual([{ href: '#field-emailPassword', text: 'That is not your current password.' }]);
    expect(html).toContain(`value="${newEmail}"`);
    expect(await mailsTo(site, newEmail)).toHaveLength(0);
    const user = await withDatabase(site, (db) => db.selectFrom('user').select('email').where('id', '=', id).executeTakeFirstOrThrow());
    expect(user.email).toBe(email);
  });

  it('changes only once the new address is confirmed, and tells the old address', async () => {
    const { id, email, client } = await signedInClient(site, { label: 'email-old', form: true });
    const newEmail = uniqueEmail('email-next');
    const res = await client.post('/account/security?_action=account.changeEmail', { newEmail, emailPassword: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account/security?done=email-sent');
    const [mail] = await mailsTo(site, newEmail, /Confirm your new email address/);
    expect(mail).toBeDefined();

    // Nothing has changed yet; the page says a change is waiting.
    let user = await withDatabase(site, (db) => db.selectFrom('user').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    expect(user.email).toBe(email);
    expect((await accountPage(client, '/account/security')).text).toContain(`Waiting for confirmation of ${newEmail}`);

    // Opening the link changes nothing; the button does (no sign-in needed: another browser).
    const link = linkIn(mail!);
    const other = new Client(site);
    expect((await other.get(link)).status).toBe(200);
    user = await withDatabase(site, (db) => db.selectFrom('user').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    expect(user.email).toBe(email);
    const token = new URL(link, site.url).searchParams.get('token')!;
    const confirmed = await other.post(`/account/confirm-email?_action=account.confirmEmailChange&token=${token}`, { token });
    expect(confirmed.status).toBe(200);
    expect(textOf(await confirmed.text())).toContain(`You now sign in with ${newEmail}`);

    user = await withDatabase(site, (db) => db.selectFrom('user').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    expect(user.email).toBe(newEmail);
    expect(user.email_normalized).toBe(newEmail.toLowerCase());
    expect(user.email_verified_at).not.toBeNull();
    const told = await mailsTo(site, email, /email address was changed/);
    expect(told).toHaveLength(1);
    expect(told[0]!.text).not.toContain(newEmail);
    const history = await withDatabase(site, (db) => db.selectFrom('data_change').select('field').where('user_id', '=', id).execute());
    expect(history.map((h) => h.field)).toContain('email');

    // The link works once; the new address signs in.
    const reused = await other.post(`/account/confirm-email?_action=account.confirmEmailChange&token=${token}`, { token });
    expect(reused.status).toBe(400);
    const reopened = await other.get(link);
    expect(reopened.status).toBe(400);
    expect(textOf(await reopened.text())).toContain(
      'This link has already been used. Each link works once: ask for a new one if you need to. You can start the change again from your account page',
    );
    await new Client(site).signIn(newEmail);
  });

  it('does not reveal that the new address has an account', async () => {
    const { id, email, client } = await signedInClient(site, { label: 'email-taken', form: true });
    const taken = uniqueEmail('email-owner');
    await createUser(site, { email: taken });
    const res = await client.post('/account/security?_action=account.changeEmail', { newEmail: taken, emailPassword: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account/security?done=email-sent');
    const mails = await mailsTo(site, taken);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/Someone tried/);
    expect(mails[0]!.text).not.toMatch(/https?:\/\//);
    const user = await withDatabase(site, (db) => db.selectFrom('user').select('email').where('id', '=', id).executeTakeFirstOrThrow());
    expect(user.email).toBe(email);
  });
});

describe('changing the password', () => {
  it('needs the current password and follows the password rules', async () => {
    const { client } = await signedInClient(site, { label: 'pw-rules', form: true });
    const wrong = await client.post('/account/security?_action=account.changePassword', {
      currentPassword: 'nope nope nope nope',
      newPassword: 'a brand new long passphrase',
    });
    expect(wrong.status).toBe(403);
    expect(fieldError(await wrong.text(), 'currentPassword')).toMatch(/not your current password/);
    const weak = await client.post('/account/security?_action=account.changePassword', { currentPassword: PASSWORD, newPassword: 'short' });
    expect(weak.status).toBe(422);
    const weakHtml = await weak.text();
    expect(fieldError(weakHtml, 'newPassword')).toMatch(/at least 15 characters/);
    expect(errorSummary(weakHtml).map((l) => l.href)).toEqual(['#field-newPassword']);
  });

  it('limits wrong current passwords, not right ones', async () => {
    const { client } = await signedInClient(site, { label: 'pw-limit', form: true });
    const attempt = (currentPassword: string) =>
      client.post('/account/security?_action=account.changePassword', { currentPassword, newPassword: 'short' });
    // More than the account's 10 attempts in 15 minutes, each with the right password.
    for (let i = 0; i < 11; i++) expect((await attempt(PASSWORD)).status).toBe(422);
    for (let i = 0; i < 10; i++) expect((await attempt(`not it, guess number ${i}`)).status).toBe(403);
    expect((await attempt(PASSWORD)).status).toBe(429);
  });

  it('changes it, keeps this session and signs out the others when asked', async () => {
    const { email, client } = await signedInClient(site, { label: 'pw-change', form: true });
    const elsewhere = new Client(site);
    await elsewhere.signIn(email);
    const res = await client.post('/account/security?_action=account.changePassword', {
      currentPassword: PASSWORD,
      newPassword: 'violet kettle drums at noon',
      signOutOthers: 'yes',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account/security?done=password-others');
    expect((await client.get('/account')).status).toBe(200);
    expect((await elsewhere.get('/account')).status).toBe(303);
    expect(await mailsTo(site, email, /password was changed/)).toHaveLength(1);
    await new Client(site).signIn(email, 'violet kettle drums at noon');
    await expect(new Client(site).signIn(email)).rejects.toThrow();
  });
});

describe('sessions', () => {
  it('lists each session with its browser, times and the current one marked, without session ids', async () => {
    const { email, id, client } = await signedInClient(site, {
      label: 'sessions',
      headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' },
      form: true,
    });
    const phone = new Client(site, {
      'user-agent':
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    });
    await phone.signIn(email);
    const { html } = await accountPage(client, '/account/security');
    const sessions = html;
    const text = textOf(sessions);
    expect(text).toMatch(/Firefox on Linux This browser Signed in (just now|\d+ minutes? ago) Last active (just now|\d+ minutes? ago)/);
    expect(text).toContain('Safari on iOS');
    const ids = await withDatabase(site, (db) => db.selectFrom('session').select('id').where('user_id', '=', id).execute());
    expect(ids).toHaveLength(2);
    for (const { id: sessionId } of ids) {
      expect(sessions).not.toContain(sessionId);
      expect(html).not.toContain(sessionId);
    }
  });

  it('signs out one other session, then all others', async () => {
    const { email, id, client } = await signedInClient(site, { label: 'revoke', form: true });
    const second = new Client(site);
    await second.signIn(email);
    const third = new Client(site);
    await third.signIn(email);
    const sessions = await withDatabase(site, (db) =>
      db.selectFrom('session').select(['id', 'created_at']).where('user_id', '=', id).orderBy('created_at').execute(),
    );
    const secondId = sessions[1]!.id;
    const res = await client.post('/account/security?_action=account.revokeSession', { session: sessionRef(secondId) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account/security?done=session');
    expect((await second.get('/account')).status).toBe(303);
    expect((await third.get('/account')).status).toBe(200);

    // A reference to a session that is gone is refused, not an error page.
    const again = await client.post('/account/security?_action=account.revokeSession', { session: sessionRef(secondId) });
    expect(again.status).toBe(404);

    const all = await client.post('/account/security?_action=account.revokeOtherSessions', {});
    expect(all.headers.get('location')).toBe('/account/security?done=sessions');
    expect((await third.get('/account')).status).toBe(303);
    expect((await client.get('/account')).status).toBe(200);
  });

  it('signs out this browser when its own session is ended from the list', async () => {
    const { client } = await signedInClient(site, { label: 'self-revoke', form: true });
    const ref = /name="session" value="([0-9a-f]+)"/.exec((await accountPage(client, '/account/security')).html);
    // The current session has a "Sign out" form to /logout instead; post its reference anyway.
    expect(ref).toBeNull();
    const own = await withDatabase(site, (db) => db.selectFrom('session').select('id').execute());
    const mine = own.find((s) => client.cookies.get('session')!.startsWith(s.id))!;
    const res = await client.post('/account/security?_action=account.revokeSession', { session: sessionRef(mine.id) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/?signed-out');
    expect(client.cookies.has('session')).toBe(false);
  });
});

describe('the sharing preference', () => {
  it('opts out and back in with one button each, effective at once, keeping every change with its time', async () => {
    const { id, client } = await signedInClient(site, { label: 'sharing', form: true });
    const out = await client.post('/account/privacy?_action=account.setSharing', { choice: 'opt-out' });
    expect(out.headers.get('location')).toBe('/account/privacy?done=sharing-changed');
    const { text: shown, html } = await accountPage(client, '/account/privacy?done=sharing-changed');
    let text = shown;
    expect(text).toContain('Your choice was saved and applies from now on.');
    expect(text).toContain('Off — you opted out');
    expect(text).toMatch(/Opted out (just now|\d+ minutes? ago) ?, by you, on this page/);
    expect(html).toContain('value="opt-in"');

    await client.post('/account/privacy?_action=account.setSharing', { choice: 'opt-in' });
    ({ text } = await accountPage(client, '/account/privacy'));
    expect(text).toContain('Allowed after notice');
    expect(text.indexOf('Allowed sharing')).toBeLessThan(text.indexOf('Opted out'));

    const rows = await withDatabase(site, (db) =>
      db.selectFrom('sharing_choice').selectAll().where('user_id', '=', id).orderBy('id').execute(),
    );
    expect(rows.map((r) => [r.opted_out, r.source])).toEqual([
      [true, 'account-page'],
      [false, 'account-page'],
    ]);
    for (const r of rows) expect(r.chosen_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const bad = await client.post('/account/privacy?_action=account.setSharing', { choice: 'maybe' });
    expect(bad.status).toBe(400);
  });

  it('treats Global Privacy Control as an opt-out: at once on the page, recorded at the next state change', async () => {
    const { id, client } = await signedInClient(site, { label: 'gpc', form: true });
    const gpc = { 'sec-gpc': '1' };
    const { text } = await accountPage(client, '/account/privacy', gpc);
    expect(text).toContain('We honour the Global Privacy Control signal');
    expect(text).toContain('Your browser sends a Global Privacy Control (GPC) signal');
    expect(text).toContain('Off — you opted out');
    // Reading the page changed nothing (GET never changes state)…
    const count = () => withDatabase(site, (db) => db.selectFrom('sharing_choice').selectAll().where('user_id', '=', id).execute());
    expect(await count()).toHaveLength(0);

    // …the next state-changing request that carries the signal records it.
    await client.post('/account?_action=account.updateProfile', { company: 'Privacy Inc' }, gpc);
    const rows = await count();
    expect(rows.map((r) => [r.opted_out, r.source])).toEqual([[true, 'gpc']]);
    // Only once.
    await client.post('/account?_action=account.updateProfile', { company: 'Privacy Ltd' }, gpc);
    expect(await count()).toHaveLength(1);

    // Opting back in while the browser still sends GPC is refused.
    const refused = await client.post('/account/privacy?_action=account.setSharing', { choice: 'opt-in' }, gpc);
    expect(refused.headers.get('location')).toBe('/account/privacy?done=sharing-refused-gpc');
    expect(await count()).toHaveLength(1);
    // Without the signal, the user can opt in again.
    await client.post('/account/privacy?_action=account.setSharing', { choice: 'opt-in' });
    expect((await count()).map((r) => r.opted_out)).toEqual([true, false]);
  });

  it('records GPC sent with a sign-in or a registration', async () => {
    const sources = (id: number) =>
      withDatabase(site, (db) => db.selectFrom('sharing_choice').select(['opted_out', 'source']).where('user_id', '=', id).execute());
    const { id } = await signedInClient(site, { label: 'gpc-sign-in', headers: { 'sec-gpc': '1' }, form: true });
    expect(await sources(id)).toEqual([{ opted_out: true, source: 'gpc' }]);

    const client = new Client(site, { 'sec-gpc': '1' });
    const policy = /name="policy" value="([^"]+)"/.exec(await (await client.get('/register')).text())?.[1];
    const email = uniqueEmail('gpc-register');
    const res = await client.post('/register?_action=auth.register', {
      email,
      password: 'a long enough pass phrase for gpc',
      agree: 'yes',
      policy: policy!,
    });
    expect(res.status).toBe(200);
    const registered = await withDatabase(site, (db) =>
      db.selectFrom('user').select('id').where('email', '=', email).executeTakeFirstOrThrow(),
    );
    expect(await sources(registered.id)).toEqual([{ opted_out: true, source: 'gpc' }]);
  });

  it('records GPC sent with a data export too', async () => {
    const { id, client } = await signedInClient(site, { label: 'gpc-export', form: true });
    const res = await client.post('/account/export.json', {}, { 'sec-gpc': '1', accept: 'application/json' });
    expect(res.status).toBe(200);
    const data = (await res.json()) as { tables: Record<string, { rows: { source: string }[] }> };
    expect(data.tables.sharing_choice!.rows.map((r) => r.source)).toEqual(['gpc']);
    const rows = await withDatabase(site, (db) => db.selectFrom('sharing_choice').selectAll().where('user_id', '=', id).execute());
    expect(rows).toHaveLength(1);
  });
});

describe('policy acknowledgements', () => {
  // The notice is the first of the docked banners (the AnnouncementBanner island).
  const NOTICE = 'id="policy-notice-title"';

  it('shows visitors nothing', async () => {
    const home = await (await fetch(site.url + '/')).text();
    const banners = island(await new Client(site).islandsOf(home), 'AnnouncementBanner');
    expect(banners.res.status).toBe(200);
    expect(banners.res.headers.get('cache-control')).toBe('private, no-store');
    expect(banners.html).not.toContain(NOTICE);
  });

  it('tells a user who agreed to an earlier version, on every page, and records "I have read it"', async () => {
    const { id, client } = await signedInClient(site, { label: 'ack', form: true });
    const home = await (await client.get('/pricing')).text();
    const notice = island(await client.islandsOf(home, { referer: `${site.url}/pricing` }), 'AnnouncementBanner');
    expect(notice.res.headers.get('cache-control')).toBe('private, no-store');
    expect(notice.html).toContain(NOTICE);
    // Said once: the automatic announcement of the version the notice is about is left out.
    expect(notice.html.match(/See what changed/g)).toHaveLength(1);
    // The user agreed to the first version; the notice names the newest one that has taken
    // effect since, or a material one announced ahead of its date.
    const [first, ...later] = publishedVersions();
    const target = later.filter((v) => v.material || v.effective <= versionInEffect().effective).at(-1)!;
    const inEffect = target.effective <= versionInEffect().effective;
    const text = textOf(notice.html);
    expect(text).toContain(`Our privacy policy ${inEffect ? 'changed' : 'changes'} on ${formatDate(target.effective)}`);
    expect(notice.html).toContain(`href="/privacy/changes/${first!.effective}...${later[0]!.effective}"`);
    expect(notice.html).toContain('name="next" value="/pricing"');

    const res = await client.post('/account/policy-update?_action=account.acknowledgePolicy', {
      version: target.effective,
      next: '/pricing',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/pricing');
    const rows = await withDatabase(site, (db) =>
      db.selectFrom('policy_agreement').selectAll().where('user_id', '=', id).orderBy('id').execute(),
    );
    expect(rows.map((r) => [r.policy_effective_date, r.context])).toEqual([
      [first!.effective, 'registration'],
      [target.effective, 'acknowledgement'],
    ]);
    expect(rows[1]!.agreed_at).toMatch(/^\d{4}-\d\d-\d\dT/);

    const after = island(await client.islandsOf(home), 'AnnouncementBanner');
    expect(after.html).not.toContain(NOTICE);
    expect((await accountPage(client, '/account/privacy')).text).toContain('You are up to date');

    // Acknowledging again, or a version that is not pending, changes nothing.
    const again = await client.post('/account/policy-update?_action=account.acknowledgePolicy', { version: target.effective, next: '/' });
    expect(again.status).toBe(409);
    const made_up = await client.post('/account/policy-update?_action=account.acknowledgePolicy', { version: '2030-01-01', next: '/' });
    expect(made_up.status).toBe(409);
    expect(
      await withDatabase(site, (db) => db.selectFrom('policy_agreement').select('id').where('user_id', '=', id).execute()),
    ).toHaveLength(2);
  });

  it('puts the notice aside with its own Later button, without recording an agreement', async () => {
    const { id, client } = await signedInClient(site, { label: 'ack-later', form: true });
    const home = await (await client.get('/')).text();
    const before = island(await client.islandsOf(home), 'AnnouncementBanner');
    const token = /name="token" value="(n\d{8}r0)"/.exec(before.html)?.[1];
    expect(token).toBeDefined();
    const res = await client.post('/announcements/dismiss', { token: token! });
    expect(res.status).toBe(303);
    const after = island(await client.islandsOf(home), 'AnnouncementBanner');
    expect(after.html).not.toContain(NOTICE);
    const rows = await withDatabase(site, (db) => db.selectFrom('policy_agreement').select('context').where('user_id', '=', id).execute());
    expect(rows.map((r) => r.context)).toEqual(['registration']);
  });

  it('never sends the user off the site after acknowledging', async () => {
    const { client } = await signedInClient(site, { label: 'ack-next', form: true });
    const res = await client.post('/account/policy-update?_action=account.acknowledgePolicy', {
      version: '2027-01-01',
      next: '//evil.example/',
    });
    expect(res.headers.get('location')).toBe('/account');
  });
});
