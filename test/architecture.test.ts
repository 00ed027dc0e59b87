/**
 * DESIGN.md's import rules, enforced: `handlers, cli → aws → core`, `core → core`; core stays pure (no AWS SDK, aws-lambda,
 * file system, environment or console); infra imports only the env-var names from functions/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Every module specifier a file imports (static, dynamic and re-exports). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g)) {
    specs.push((m[1] ?? m[2] ?? m[3]) as string);
  }
  return specs;
}

function layerOf(path: string): string {
  const rel = relative(ROOT, path).split('\\').join('/');
  const [top, second] = rel.split('/');
  return top === 'functions' ? `functions/${second}` : (top ?? '');
}

const ALLOWED: Record<string, string[]> = {
  'functions/core': ['functions/core'],
  'functions/aws': ['functions/aws', 'functions/core'],
  'functions/handlers': ['functions/handlers', 'functions/aws', 'functions/core'],
  'functions/cli': ['functions/cli', 'functions/aws', 'functions/core', 'functions/handlers'],
};

describe('import rules', () => {
  const files = tsFiles(join(ROOT, 'functions'));

  it('finds the code it checks', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s imports only what its layer may', (_name, file) => {
    const layer = layerOf(file);
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const target = layerOf(resolve(dirname(file), spec));
      expect(ALLOWED[layer], `${layer} → ${target} (${spec})`).toContain(target);
    }
  });

  it.each(files.filter((f) => layerOf(f) === 'functions/core').map((f) => [relative(ROOT, f), f]))('%s is pure', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    for (const spec of importsOf(file)) {
      expect(spec, `${file} imports ${spec}`).not.toMatch(/^(@aws-sdk|@aws-lambda-powertools|aws-lambda|node:fs|fs|node:process|process)(\/|$)/);
    }
    expect(text).not.toMatch(/process\.env|console\./);
  });

  it('infra imports only functions/aws/env-names.ts from functions/', () => {
    for (const file of tsFiles(join(ROOT, 'infra'))) {
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(ROOT, resolve(dirname(file), spec)).split('\\').join('/');
        if (target.startsWith('functions/')) expect(target).toBe('functions/aws/env-names.ts');
      }
    }
  });
});
