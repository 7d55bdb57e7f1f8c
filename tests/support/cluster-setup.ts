// globalSetup of `npm run test:cluster` (tests/cluster.config.ts): nginx and PostgreSQL (or
// TEST_DATABASE_URL) must be there; the build is the HTTP tests' (global-setup.ts), made with
// the tests' island key.
import { nginxBinary } from '../../src/cli/nginx/process.ts';
import { postgresBin } from '../../src/cli/postgres-cluster.ts';
import buildSite from './global-setup.ts';

export default async function setup() {
  if (!nginxBinary()) throw new Error('test:cluster needs nginx: apt-get install nginx-light libnginx-mod-http-brotli-static');
  // The restart test stops and starts a server of its own, so it needs the binaries even
  // when TEST_DATABASE_URL names a server for the others.
  if (!postgresBin())
    throw new Error("test:cluster needs PostgreSQL for the app servers' shared database: apt-get install postgresql (CI installs it)");
  return buildSite();
}
