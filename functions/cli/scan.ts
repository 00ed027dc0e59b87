/**
 * `npm run scan -- [options] <file|dir>…` and the package's bin: scan local files with the same core the Lambda runs.
 * Findings (or events) as JSON lines on stdout, the summary on stderr. Exit 0 scan completed, 1 findings with
 * --fail-on-findings, 2 usage error or an input not read to its end (unreadable, corrupt, truncated, too large).
 */
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import type { RawEvent } from '../core/read/raw-event.ts';
import { Scan, type LocatedProblem, type SourceReport, type SourceRef } from '../core/scan.ts';
import { searchOf } from '../core/compiled-detections.ts';
import { DETECTIONS } from '../core/rules/index.ts';
import { compileFilter, type RowFilter } from '../core/search/search-filter.ts';
import { ChunkPool, describe, expandInputs, fileChunks } from './file-sources.ts';
import { ProgressBar } from './progress.ts';
import { HELP, parseScanArgs, UsageError, type ScanArgs } from './scan-args.ts';
import { renderSummary, summarize } from './scan-summary.ts';

const PROBLEM_SAMPLES = 100;

async function writeLine(line: string): Promise<void> {
  if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
}

/** `--emit events` shape: source location, System fields, EventData. */
function eventLine(event: RawEvent, source: SourceRef): string {
  const { location } = event;
  const where: Record<string, unknown> = { path: source.kind === 'file' ? source.path : `s3://${source.bucket}/${source.key}` };
  if (location.entry !== undefined) where.entry = location.entry;
  if (location.line !== undefined) where.line = location.line;
  if (location.record !== undefined) where.record = location.record;
  where.offset = location.offset;
  return JSON.stringify({ source: where, system: event.system, data: event.data });
}

async function loadFilter(file: string): Promise<RowFilter> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read filter file ${file}: ${describe(error)}`);
  }
  try {
    return compileFilter(text);
  } catch (error) {
    throw new UsageError(`filter file ${file}: ${(error as Error).message}`);
  }
}

/** A `--by-fields` list every detection's search accepts, or a usage error naming the field. */
function checkByFields(byFields: readonly string[] | undefined): void {
  if (byFields === undefined) return;
  try {
    for (const detection of DETECTIONS) searchOf(detection, byFields);
  } catch (error) {
    throw new UsageError(`--by-fields: ${(error as Error).message}`);
  }
}

async function run(args: ScanArgs): Promise<number> {
  checkByFields(args.byFieldsOverride);
  const filter = args.filterFile === undefined ? undefined : await loadFilter(args.filterFile);
  const { files, errors } = await expandInputs(args.paths);
  for (const e of errors) process.stderr.write(`sysmon-s3-detect: cannot read ${e.path}: ${e.message}\n`);
  const samples: LocatedProblem[] = [];
  const scan = new Scan({
    userFormat: args.userFormat,
    maxEventBytes: args.maxEventBytes,
    ...(args.maxDecodedBytes === undefined ? {} : { maxObjectBytes: args.maxDecodedBytes }),
    ...(args.maxRatio === undefined ? {} : { maxDecompressionRatio: args.maxRatio }),
    ...(args.ratioFloor === undefined ? {} : { decompressionRatioFloorBytes: args.ratioFloor }),
    ...(args.jsonTimeZone === undefined ? {} : { jsonTimeZone: args.jsonTimeZone }),
    evidenceCap: args.evidenceCap,
    prefilter: args.prefilter,
    ...(args.byFieldsOverride ? { byFieldsOverride: args.byFieldsOverride } : {}),
    ...(filter ? { filters: Object.fromEntries(DETECTIONS.map((d) => [d.slug, filter])) } : {}),
    ...(args.emit === 'events' ? { onEvent: (event: RawEvent, source: SourceRef) => writeLine(eventLine(event, source)) } : {}),
    onProblem: (p) => {
      if (samples.length < PROBLEM_SAMPLES) samples.push(p);
    },
  });
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const bar = args.progress === 'auto' && process.stderr.isTTY ? new ProgressBar(total, process.stderr) : undefined;
  const started = Date.now();
  const reports: SourceReport[] = [];
  let done = 0;
  for (const file of files) {
    try {
      const pool = new ChunkPool();
      const chunks = fileChunks(
        file.path,
        (n) => {
          done += n;
          bar?.update(done, file.path);
        },
        pool,
      );
      reports.push(await scan.scanSource({ kind: 'file', path: file.path }, chunks, { recycler: pool }));
    } catch (error) {
      // A read error mid-file (the file vanished, an I/O error): name it and go on with the others.
      errors.push({ path: file.path, message: describe(error) });
      process.stderr.write(`sysmon-s3-detect: cannot read ${file.path}: ${describe(error)}\n`);
    }
  }
  bar?.clear();
  const findings = args.emit === 'findings' ? scan.findings() : [];
  for (const finding of findings) await writeLine(JSON.stringify(finding));
  const summary = summarize({
    reports,
    rows: findings.length,
    durationMs: Date.now() - started,
    unreadable: errors,
    problemSamples: samples,
  });
  process.stderr.write(renderSummary(summary));
  if (args.summaryFile !== undefined) {
    try {
      await writeFile(args.summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
    } catch (error) {
      process.stderr.write(`sysmon-s3-detect: cannot write the summary to ${args.summaryFile}: ${describe(error)}\n`);
      return 2;
    }
  }
  // A file that could not be opened, or whose content could not be read at all (unknown format, broken compression), is
  // exit 2 — after every other input was scanned and reported. Problems inside a readable file are not.
  if (errors.length > 0 || summary.failed.length > 0) return 2;
  return args.failOnFindings && findings.length > 0 ? 1 : 0;
}

async function main(): Promise<void> {
  // `| head` closes stdout early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  let args: ScanArgs;
  try {
    args = parseScanArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`sysmon-s3-detect: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  try {
    process.exitCode = await run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`sysmon-s3-detect: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    // A bug, not bad input: say so plainly; the stack only on request, so a user never gets a trace as the answer.
    const detail = process.env.SYSMON_S3_DETECT_DEBUG === '1' ? ((error as Error).stack ?? String(error)) : String((error as Error).message ?? error);
    process.stderr.write(`sysmon-s3-detect: internal error (please report it; SYSMON_S3_DETECT_DEBUG=1 shows the stack): ${detail}\n`);
    process.exitCode = 70;
  }
}

await main();
