// `npm run scan|start|bench`: rebuilds the bundle only when a source is newer (build.mjs), then runs it in this same
// process. A second Node process for the check alone cost about 0.08 s, a tenth of scanning a gigabyte.
// Usage: node scripts/run.mjs <scan|local-pipeline|bench> [arguments of that command]
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from './build.mjs';

const entry = process.argv[2];
if (entry !== 'scan' && entry !== 'local-pipeline' && entry !== 'bench') {
  process.stderr.write('usage: node scripts/run.mjs <scan|local-pipeline|bench> [arguments]\n');
  process.exit(2);
}
await build({ quiet: true, ifStale: true });
const bundle = fileURLToPath(new URL(`../dist/cli/${entry}.mjs`, import.meta.url));
// The command sees the argv it would have seen run directly: [node, its bundle, its arguments].
process.argv.splice(1, 2, bundle);
await import(pathToFileURL(bundle).href);
