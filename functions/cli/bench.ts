/**
 * `npm run bench`: generates the corpus, then measures each path in its own child process (so peak RSS is per path):
 * the I/O floor (read + count newlines), the full scan with and without the raw-bytes prefilter, and the gzip path.
 * Checks the answer against the corpus truth and the speed against the targets in README.md. Exit 1 if a check fails.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { Scan } from '../core/scan.ts';
import { writeCorpus, type CorpusTruth } from './bench-corpus.ts';
import { fileChunks } from './file-sources.ts';

interface PhaseResult {
  seconds: number;
  maxRssMb: number;
  rows?: number;
  matchedEvents?: number;
  events?: number;
}

type Phase = 'floor' | 'scan' | 'scan-no-prefilter';

async function runPhase(phase: Phase, file: string): Promise<PhaseResult> {
  const started = process.hrtime.bigint();
  let extra: Partial<PhaseResult> = {};
  switch (phase) {
    case 'floor': {
      let lines = 0;
      for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
        let i = -1;
        while ((i = chunk.indexOf(10, i + 1)) !== -1) lines += 1;
      }
      extra = { events: lines };
      break;
    }
    case 'scan':
    case 'scan-no-prefilter': {
      const scan = new Scan({ prefilter: phase === 'scan' });
      const report = await scan.scanSource({ kind: 'file', path: file }, fileChunks(file));
      const findings = scan.findings();
      extra = { rows: findings.length, matchedEvents: findings.reduce((n, f) => n + (f.count as number), 0), events: report.events };
      break;
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, ...extra };
}

function child(phase: Phase, file: string): PhaseResult {
  const out = execFileSync(process.execPath, [process.argv[1] as string, '--phase', phase, '--file', file], { encoding: 'utf8' });
  return JSON.parse(out) as PhaseResult;
}

function templates(): string[] {
  const lines: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(xml|log)$/.test(name)) {
        for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
          // Templates that mention appcmd would plant matches the truth does not count.
          if (line.startsWith('<Event ') && line.endsWith('</Event>') && line.length < 20000 && !/appcmd/i.test(line)) lines.push(line);
        }
      }
    }
  };
  walk(join('test', 'fixtures', 'scan'));
  walk(join('test', 'fixtures', 'xml'));
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      phase: { type: 'string' },
      file: { type: 'string' },
      size: { type: 'string', default: '256' },
      seed: { type: 'string', default: '4' },
      keep: { type: 'boolean', default: false },
    },
  });
  if (values.phase !== undefined) {
    process.stdout.write(JSON.stringify(await runPhase(values.phase as Phase, values.file as string)));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sysmon-bench-'));
  const xml = join(dir, 'corpus.xml');
  const gz = join(dir, 'corpus.xml.gz');
  const size = Number(values.size) * 1e6;
  const t = templates();
  process.stderr.write(`generating ${values.size} MB from ${t.length} real event lines…\n`);
  const truth: CorpusTruth = await writeCorpus(xml, { size, seed: Number(values.seed), templates: t, matchEvery: 9_973, decoyEvery: 997 });
  await pipeline(createReadStream(xml), createGzip(), createWriteStream(gz));
  const mb = truth.bytes / 1e6;
  const results: Record<string, PhaseResult> = {};
  for (const [name, phase, file] of [
    ['floor (read + count \\n)', 'floor', xml],
    ['scan xml', 'scan', xml],
    ['scan xml, no prefilter', 'scan-no-prefilter', xml],
    ['scan xml.gz', 'scan', gz],
  ] as const) {
    results[name] = child(phase, file);
  }
  const lines: string[] = [];
  lines.push(`corpus: ${mb.toFixed(0)} MB, ${truth.events} events, ${truth.truePositives} true positives, ${truth.decoys} decoys`);
  lines.push('| path | s | MB/s (decompressed) | events/s | peak RSS MB | matched events |');
  lines.push('|---|---|---|---|---|---|');
  for (const [name, r] of Object.entries(results)) {
    lines.push(
      `| ${name} | ${r.seconds.toFixed(2)} | ${(mb / r.seconds).toFixed(0)} | ${Math.round(truth.events / r.seconds)} | ${r.maxRssMb.toFixed(0)} | ${r.matchedEvents ?? '–'} |`,
    );
  }
  const floor = results['floor (read + count \\n)'] as PhaseResult;
  const scanXml = results['scan xml'] as PhaseResult;
  const scanGz = results['scan xml.gz'] as PhaseResult;
  const full = results['scan xml, no prefilter'] as PhaseResult;
  const checks: Array<[string, boolean]> = [
    [`every planted true positive found (${truth.truePositives}), no decoy`, [scanXml, scanGz, full].every((r) => r.matchedEvents === truth.truePositives)],
    ['every event counted', [scanXml, scanGz, full].every((r) => r.events === truth.events)],
    // Targets from measurements on the 2-core CI box (README "Measured"): about 2× the best full-parse JavaScript peer
    // (txml, 164 MB/s in performance-notes.md) and 3× one S3 GetObject stream (85–90 MB/s), the Lambda's real input rate.
    [`xml scan ≥ 300 MB/s (${(mb / scanXml.seconds).toFixed(0)} MB/s)`, mb / scanXml.seconds >= 300],
    [`xml scan ≥ 15% of the I/O floor (${((floor.seconds / scanXml.seconds) * 100).toFixed(0)}%)`, scanXml.seconds <= floor.seconds / 0.15],
    [`gz scan ≥ 250 MB/s decompressed (${(mb / scanGz.seconds).toFixed(0)} MB/s)`, mb / scanGz.seconds >= 250],
    [`prefilter ≥ 3× the full parse (${(full.seconds / scanXml.seconds).toFixed(1)}×)`, full.seconds >= 3 * scanXml.seconds],
    [`peak RSS ≤ 160 MB on every path`, Object.values(results).every((r) => r.maxRssMb <= 160)],
  ];
  for (const [what, ok] of checks) lines.push(`${ok ? 'PASS' : 'FAIL'} ${what}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
}

await main();
