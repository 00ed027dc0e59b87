// Bundles the local entry points (CLI, local pipeline, bench) with esbuild into dist/.
// Lambda bundles are built by CDK's NodejsFunction from the handler files; this is for laptops and CI.
// `--if-stale` (what `npm run scan|start|bench` use) skips the build when every bundle is newer than every source it is
// built from, as make would: bundling costs about half a second, as long as scanning a gigabyte.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const names = ['scan', 'local-pipeline', 'bench'].filter((name) => existsSync(`functions/cli/${name}.ts`));
const outputs = names.map((name) => `dist/cli/${name}.mjs`);

/** Newest modification time of the sources (every file under functions/, and what configures the build). */
function newestSource() {
  const files = readdirSync('functions', { recursive: true })
    .map((file) => join('functions', String(file)))
    .concat(['scripts/build.mjs', 'package.json', 'package-lock.json', 'tsconfig.json']);
  return Math.max(...files.filter((file) => existsSync(file)).map((file) => statSync(file).mtimeMs));
}

function upToDate() {
  if (!outputs.every((file) => existsSync(file))) return false;
  const oldestOutput = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
  return oldestOutput > newestSource();
}

/** Builds the bundles (in the current directory, the project's root), or only when one is older than a source (`ifStale`). */
export async function build({ quiet = false, ifStale = false } = {}) {
  if (ifStale && upToDate()) return;
  // Imported only to build: the up-to-date check then costs no more than a few file stats.
  const esbuild = await import('esbuild');
  const common = {
    outdir: 'dist/cli',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: true,
    logLevel: quiet ? 'error' : 'info',
  };
  // The scanner carries its few packages (fflate, fzstd) inside its bundle: resolving them from node_modules at every start
  // cost about 20 ms, a fiftieth of scanning a gigabyte. The local pipeline and the bench keep theirs external (s3rver, the
  // AWS SDK), where start-up does not count.
  const scanner = names.filter((name) => name === 'scan');
  const others = names.filter((name) => name !== 'scan');
  await Promise.all([
    scanner.length > 0 ? esbuild.build({ ...common, entryPoints: scanner.map((name) => `functions/cli/${name}.ts`) }) : undefined,
    others.length > 0 ? esbuild.build({ ...common, entryPoints: others.map((name) => `functions/cli/${name}.ts`), packages: 'external' }) : undefined,
  ]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await build({ quiet: process.argv.includes('--quiet'), ifStale: process.argv.includes('--if-stale') });
}
