/**
 * `npm run scan` rebuilds the CLI bundle only when a source is newer than it (`scripts/build.mjs --if-stale`), so timing a
 * scan does not time esbuild. Run in a small tree of its own, so other tests' builds cannot interfere.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'build-if-stale-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tree(): void {
  mkdirSync(join(root, 'functions/cli'), { recursive: true });
  mkdirSync(join(root, 'scripts'), { recursive: true });
  copyFileSync(resolve('scripts/build.mjs'), join(root, 'scripts/build.mjs'));
  copyFileSync(resolve('scripts/run.mjs'), join(root, 'scripts/run.mjs'));
  if (!existsSync(join(root, 'node_modules'))) symlinkSync(resolve('node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'package.json'), '{"type":"module"}');
  writeFileSync(join(root, 'functions/cli/scan.ts'), "console.log('one');\n");
}

const build = (...flags: string[]): void => void execFileSync(process.execPath, ['scripts/build.mjs', '--quiet', ...flags], { cwd: root });
const built = (): number => statSync(join(root, 'dist/cli/scan.mjs')).mtimeMs;
const run = (): string => execFileSync(process.execPath, ['dist/cli/scan.mjs'], { cwd: root, encoding: 'utf8' }).trim();
const age = (file: string, seconds: number): void => {
  const when = new Date(Date.now() - seconds * 1000);
  utimesSync(join(root, file), when, when);
};

describe('scripts/build.mjs --if-stale', () => {
  it('builds when there is no bundle, skips while it is newer than every source, rebuilds after a source changed', () => {
    tree();
    build('--if-stale');
    expect(run()).toBe('one');
    // Sources an hour old, the bundle a minute old: up to date.
    for (const file of ['functions/cli/scan.ts', 'functions/cli', 'functions', 'scripts/build.mjs', 'package.json']) age(file, 3600);
    age('dist/cli/scan.mjs', 60);
    const before = built();
    build('--if-stale');
    expect(built()).toBe(before);
    writeFileSync(join(root, 'functions/cli/scan.ts'), "console.log('two');\n");
    build('--if-stale');
    expect(built()).toBeGreaterThan(before);
    expect(run()).toBe('two');
    // Without the flag it always builds.
    age('dist/cli/scan.mjs', 60);
    const again = built();
    build();
    expect(built()).toBeGreaterThan(again);
  });

  it('scripts/run.mjs (npm run scan) rebuilds a stale bundle and runs it in the same process, with its own arguments', () => {
    tree();
    writeFileSync(join(root, 'functions/cli/scan.ts'), "console.log(['three', ...process.argv.slice(2)].join(' '), process.argv[1].endsWith('dist/cli/scan.mjs'));\n");
    const launched = (): string => execFileSync(process.execPath, ['scripts/run.mjs', 'scan', '--flag', 'file.xml'], { cwd: root, encoding: 'utf8' }).trim();
    expect(launched()).toBe('three --flag file.xml true');
    for (const file of ['functions/cli/scan.ts', 'functions/cli', 'functions', 'scripts/build.mjs', 'package.json']) age(file, 3600);
    age('dist/cli/scan.mjs', 60);
    const before = built();
    expect(launched()).toBe('three --flag file.xml true');
    expect(built()).toBe(before);
    expect(() => execFileSync(process.execPath, ['scripts/run.mjs', 'nothing'], { cwd: root, stdio: 'pipe' })).toThrow();
  });
});
