// globalSetup of `npm run test:cluster` (tests/cluster.config.ts): nginx must be installed; the
// build is the HTTP tests' (global-setup.ts), made with the tests' island key.
import { nginxBinary } from '../../src/cli/nginx/process.ts';
import buildSite from './global-setup.ts';

export default async function setup() {
  if (!nginxBinary()) throw new Error('test:cluster needs nginx: apt-get install nginx-light libnginx-mod-http-brotli-static');
  return buildSite();
}
