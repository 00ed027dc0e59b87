// Bundles the local entry points (CLI, local pipeline, bench) with esbuild into dist/.
// Lambda bundles are built by CDK's NodejsFunction from the handler files; this is for laptops and CI.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const quiet = process.argv.includes('--quiet');
const entries = ['scan', 'local-pipeline', 'bench']
  .map((name) => `functions/cli/${name}.ts`)
  .filter((file) => existsSync(file));

await build({
  entryPoints: entries,
  outdir: 'dist/cli',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  packages: 'external',
  logLevel: quiet ? 'error' : 'info',
});
