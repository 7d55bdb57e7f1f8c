import { build, buildIsStale } from '../../src/cli/build.ts';

export default function setup() {
  if (buildIsStale() && !build()) throw new Error('astro build failed; see the output above');
}
