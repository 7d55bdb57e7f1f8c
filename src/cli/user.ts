// `npm run user -- <command>`: the operator's tool for staff accounts (docs/operators.md).
//
//   add <email> [--role <role>]... [--password-stdin]   create a verified account
//   grant <email> <role>                                 give an account a role
//   revoke <email> <role>                                take a role away
//
// There are no default accounts anywhere: the first admin is made with this tool.
// Exit codes: 0 done (or nothing to do), 1 refused (unknown account, duplicate, weak
// password, the last admin, configuration or database problem), 2 the command line is wrong.
import { parseArgs } from 'node:util';
import { setPasswordMessageText } from '../lib/auth/emails.ts';
import {
  addAccountForOwner,
  checkNewPassword,
  createEmailToken,
  findUserByEmail,
  grantRole,
  hashPassword,
  isRole,
  MAX_PASSWORD_LENGTH,
  normalizeEmail,
  revokeRole,
  ROLES,
  siteLink,
  type NormalizedEmail,
  type Role,
} from '../lib/auth/index.ts';
import { config, ConfigError } from '../lib/config/index.ts';
import { configuredTarget, connectDatabase, DatabaseError, migrate, writeTransaction, type DB } from '../lib/db/index.ts';

const USAGE = `Usage: npm run user -- <command>

Commands:
  add <email> [--role <role>]... [--password-stdin]
      Create an account whose address counts as verified. Without --password-stdin,
      prints a one-time link (valid 24 hours) where its owner chooses a password.
      --password-stdin reads the password from standard input (a pipe, not a terminal).
      An account registered on the site whose address was never confirmed is taken over
      for the address's owner (new password or link, everyone signed out, owner emailed);
      a confirmed one is refused.
  grant <email> <role>
      Give an account a role (only an account whose address is confirmed).
  revoke <email> <role>
      Take a role away from an account. There is always at least one admin: the last
      admin role cannot be revoked.

Roles: ${ROLES.join(', ')}.
The database is DATABASE_PATH; links use SITE_URL (set both as for the server).
See docs/operators.md.`;

/** A problem the operator can fix; printed as one line, never as a stack trace. */
class Refusal extends Error {
  readonly exitCode: 1 | 2;
  constructor(message: string, exitCode: 1 | 2 = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

function usage(message: string): never {
  throw new Refusal(`${message}\n\n${USAGE}`, 2);
}

function parseEmail(value: string | undefined): NormalizedEmail {
  if (value === undefined) usage('an email address is required');
  const email = normalizeEmail(value);
  if (!email) throw new Refusal(`${JSON.stringify(value)} is not a valid email address`, 2);
  return email;
}

function parseRole(value: string | undefined): Role {
  if (value === undefined) usage('a role is required');
  if (!isRole(value)) throw new Refusal(`unknown role ${JSON.stringify(value)}: use one of ${ROLES.join(', ')}`, 2);
  return value;
}

async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new Refusal(
      '--password-stdin reads the password from a pipe, e.g. `printf %s "$PASSWORD" | npm run user -- add …`; ' +
        'to type nothing here, leave out --password-stdin and send the owner the link instead',
      2,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    // Enough for MAX_PASSWORD_LENGTH characters of 4 bytes each; more is not a password.
    if (size > MAX_PASSWORD_LENGTH * 4 + 2) throw new Refusal(`the password is too long: use at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  // One trailing line break is the end of the line, not part of the password (echo adds it).
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password === '') throw new Refusal('--password-stdin: no password was given on standard input');
  return password;
}

async function account(db: DB, email: NormalizedEmail): Promise<{ id: number; email: string }> {
  const user = await findUserByEmail(db, email.normalized);
  if (!user) throw new Refusal(`there is no account for ${email.email}`);
  return user;
}

async function add(db: DB, args: string[], roleOptions: string[], passwordStdin: boolean): Promise<void> {
  if (args.length !== 1) usage(args.length === 0 ? 'add needs an email address' : `unexpected argument ${JSON.stringify(args[1])}`);
  const email = parseEmail(args[0]);
  const roles = [...new Set(roleOptions.map(parseRole))];
  const alreadyExists = () => new Refusal(`${email.email} already has an account with a confirmed address (use grant to give it a role)`);

  let passwordHash: string | null = null;
  if (passwordStdin) {
    const password = await readPasswordFromStdin();
    const verdict = checkNewPassword(password, [email.email]);
    if (!verdict.ok) throw new Refusal(`the password was refused: ${verdict.reason}`);
    passwordHash = await hashPassword(password);
  }

  // Whether the address is taken is the database's unique key's answer (addAccountForOwner).
  const outcome = await addAccountForOwner(db, config().siteUrl, email, roles, passwordHash);
  if (outcome.kind === 'exists') throw alreadyExists();
  const withRoles = roles.length > 0 ? ` with the role${roles.length > 1 ? 's' : ''} ${roles.join(', ')}` : ' with no roles';
  const address = outcome.kind === 'taken-over' ? outcome.email : email.email;
  if (outcome.kind === 'created') {
    console.log(`Created the account ${address}${withRoles}; its address counts as verified.`);
  } else {
    console.log(
      `Took over the account ${address}${withRoles}: it had been registered on the site but its address was never confirmed. ` +
        'Its old password no longer works, everyone signed in to it was signed out, the links sent for it no longer work, ' +
        'and its address now counts as verified.',
    );
    // Queued with the change; the running site's mail worker sends it (src/lib/mail).
    console.log(`Its owner will be told by email (the message is queued for the site to send).`);
  }
  if (passwordHash) {
    console.log('Its password is set: it can sign in now.');
    return;
  }
  const token = await createEmailToken(db, outcome.userId, 'set-password', address);
  const link = siteLink(config().siteUrl, '/reset-password', {
    token,
    purpose: 'set-password',
  });
  console.log(`It has no password yet. Send its owner this link, privately:\n${setPasswordMessageText(link)}`);
}

async function changeRole(db: DB, command: 'grant' | 'revoke', args: string[]): Promise<void> {
  if (args.length !== 2) usage(`${command} needs an email address and a role`);
  const email = parseEmail(args[0]);
  const role = parseRole(args[1]);
  const user = await account(db, email);
  if (command === 'grant') {
    const granted = await grantRole(db, user.id, role);
    if (granted === 'no-account') throw new Refusal(`there is no account for ${email.email}`);
    if (granted === 'unverified') {
      throw new Refusal(
        `${user.email} has not confirmed its address, so it gets no role (anyone can register any address): ` +
          `use \`npm run user -- add ${user.email}\` to take the account over for its owner, then grant.`,
      );
    }
    console.log(
      granted === 'granted' ? `Granted ${role} to ${user.email}.` : `${user.email} already has the role ${role}; nothing changed.`,
    );
  } else {
    const revoked = await writeTransaction(db, 'admins', (trx) => revokeRole(trx, user.id, role));
    if (revoked === 'last-admin') throw new Refusal(`${user.email} is the last admin: grant the admin role to someone else first.`);
    // Roles are read at every request: the change applies to sessions already open.
    console.log(
      revoked === 'revoked' ? `Revoked ${role} from ${user.email}.` : `${user.email} does not have the role ${role}; nothing changed.`,
    );
  }
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        role: { type: 'string', multiple: true },
        'password-stdin': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || command === 'help') {
    console.log(USAGE);
    return;
  }
  if (command === undefined) usage('a command is required');
  if (command !== 'add' && command !== 'grant' && command !== 'revoke') usage(`unknown command ${JSON.stringify(command)}`);
  if (command !== 'add' && (values.role || values['password-stdin'])) usage(`--role and --password-stdin go with add, not ${command}`);

  // Check everything that needs no database first, so a typo changes nothing.
  if (command === 'add') {
    if (args.length === 1) parseEmail(args[0]);
    for (const role of values.role ?? []) parseRole(role);
  }

  const database = await connectDatabase(configuredTarget(config()));
  try {
    await migrate(database.db);
    if (command === 'add') await add(database.db, args, values.role ?? [], values['password-stdin'] ?? false);
    else await changeRole(database.db, command, args);
  } finally {
    await database.close();
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof Refusal || error instanceof ConfigError || error instanceof DatabaseError) {
    console.error(`user: ${error.message}`);
    process.exitCode = error instanceof Refusal ? error.exitCode : 1;
  } else {
    // Unexpected: still one line, no stack trace (set DEBUG=1 to see it).
    console.error(`user: failed: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.DEBUG) console.error(error);
    process.exitCode = 1;
  }
}
