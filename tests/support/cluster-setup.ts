// globalSetup of `npm run test:cluster` (tests/cluster.config.ts): nginx must be installed, and
// the build must be made with the cluster's island key (tests/support/cluster.ts).
import { build, buildIsStale } from '../../src/cli/build.ts';
import { nginxBinary } from '../../src/cli/nginx/process.ts';
import { CLUSTER_ASTRO_KEY } from './cluster.ts';

export default function setup() {
  if (!nginxBinary()) throw new Error('test:cluster needs nginx: apt-get install nginx-light libnginx-mod-http-brotli-static');
  const previous = process.env.ASTRO_KEY;
  process.env.ASTRO_KEY = CLUSTER_ASTRO_KEY;
  try {
    if (buildIsStale() && !build()) throw new Error('astro build failed; see the output above');
  } finally {
    if (previous === undefined) delete process.env.ASTRO_KEY;
    else process.env.ASTRO_KEY = previous;
  }
}
