/**
 * `sysmon-s3-detect scan` options: parsed with util.parseArgs, validated into a typed object. Usage errors are UsageError
 * (exit 2) with a message naming the option.
 */
import { parseArgs } from 'node:util';
import type { UserFormat } from '../core/normalize/process-event.ts';
import { DECOMPRESSION_DEFAULTS } from '../core/read/decompress.ts';
import { parseJsonTimeZone, TimeZoneError, type JsonTimeZone } from '../core/read/json-time-zone.ts';
import { ESCU_STANDARD_PROCESS_BY_FIELDS } from '../core/search/compile-search.ts';

/** What to print on stdout. */
export type EmitMode = 'findings' | 'events';

/** The validated command line. */
export interface ScanArgs {
  paths: string[];
  emit: EmitMode;
  filterFile?: string;
  summaryFile?: string;
  failOnFindings: boolean;
  userFormat: UserFormat;
  maxEventBytes: number;
  /** Largest decoded size of one input (over its archive members); absent = unlimited. */
  maxDecodedBytes?: number;
  /** Decompression-bomb guard: most decoded bytes per compressed byte; absent = the core's default. */
  maxRatio?: number;
  /** Decoded bytes of an input before the ratio is checked; absent = the core's default. */
  ratioFloor?: number;
  /** Zone of zone-less JSON timestamps; absent = UTC. */
  jsonTimeZone?: JsonTimeZone;
  evidenceCap: number;
  prefilter: boolean;
  byFieldsOverride?: readonly string[];
  progress: 'auto' | 'never';
  help: boolean;
}

/** A bad command line; the message says which option and why. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The `--help` text. */
export const HELP = `Usage: sysmon-s3-detect [options] <file|dir>...
       npm run --silent scan -- [options] <file|dir>...

Runs the Splunk ESCU detection "Windows IIS Components Add New Module" over Windows event logs, with Splunk's semantics.
All inputs of one invocation form one search (as one Splunk search over an index). Directories are scanned recursively.
Formats are detected from content, not names: XmlWinEventLog (one <Event> per line, pretty-printed, <Events> wrapper,
UTF-8/UTF-16LE), EVTX, JSON lines (evtx_dump, Winlogbeat, NXLog); gzip, zstd, zip and tar are unpacked on the fly.

Output: findings as JSON lines on stdout (Splunk's columns first: dest user parent_process_name process_name
original_file_name process process_id parent_process_id count firstTime lastTime, then id, detection, risk, evidence);
a human summary on stderr (a progress bar too when stderr is a terminal).

Options:
  --filter <file>          The detection's filter macro: SPL search expressions applied to the result rows as
                           "| search <line>" (one stage per line, # comments), e.g.
                           NOT (parent_process_name="w3wp.exe" AND dest="web01*"). Empty by default, as published.
  --emit <findings|events> events: print every parsed event instead of findings, as
                           {"source":{"path","line"|"record","offset"},"system":{...},"data":{...}}.
  --summary <file>         Also write the summary as JSON to <file>.
  --fail-on-findings       Exit 1 when any finding is printed.
  --user-format <f>        strip-domain (default: ATTACKRANGE\\Administrator -> Administrator) or as-logged.
  --by-fields <list>       published (default) or escu-20 (the 20 standard ESCU process fields), or a comma list.
  --max-event-bytes <n>    Largest event read (default 1048576); larger ones are reported and skipped.
  --max-decoded-bytes <n>  Largest input after decompression, archive members together (default unlimited; in
                           Lambda MAX_OBJECT_BYTES). Past it the input fails as too-large.
  --max-ratio <n>          Decompression-bomb guard: most decoded bytes per compressed byte read (default
                           ${DECOMPRESSION_DEFAULTS.maxRatio}; one gzip layer stays under ~1032:1). Past it the input fails as too-large.
  --ratio-floor <n>        Decoded bytes of an input before --max-ratio applies (default ${DECOMPRESSION_DEFAULTS.ratioFloor} = 64 MiB;
                           0 = from the first byte). Byte counts and ratios are plain digits, no suffixes.
  --json-time-zone <zone>  Zone of JSON timestamps written without one (NXLog's EventTime is the shipper host's local
                           time): UTC (default), an offset (+02:00, -0530) or an IANA name (Europe/Berlin). In a DST
                           change a repeated wall time is its first occurrence; a skipped one moves forward by the gap.
                           Timestamps with a zone keep it. A negative offset needs '=': --json-time-zone=-05:30.
                           In Lambda JSON_TIME_ZONE.
  --evidence-cap <n>       Evidence events kept per finding (default 20).
  --no-prefilter           Parse every event fully (slower; same results).
  --no-progress            Never draw the progress bar.
  -h, --help               This text.

Exit status: 0 the scan completed (problems in the data are reported, not fatal); 1 findings with --fail-on-findings;
2 usage error, or an input that could not be read to its end — missing, unreadable, unknown format, corrupt or
truncated compression (a .gz, a zip, a tar.gz, or one archive member alike), over --max-decoded-bytes or --max-ratio
(the summary names it; the events read before the damage still count, and every other input is still scanned).
`;

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${name} needs a positive integer, got "${text}"`);
  return n;
}

/** A byte count or ratio: decimal digits only (no 64M, no 1e6), at least `min`; undefined when the option is absent. */
function wholeNumber(name: string, text: string | undefined, min: 0 | 1): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    const wanted = min === 0 ? 'a whole number ≥ 0' : 'a positive whole number';
    throw new UsageError(`--${name} needs ${wanted} (plain digits, no suffix), got "${text}"`);
  }
  return n;
}

/** `--json-time-zone`'s value, or a usage error naming the option. */
function jsonTimeZone(text: string): JsonTimeZone {
  try {
    return parseJsonTimeZone(text);
  } catch (error) {
    if (error instanceof TimeZoneError) throw new UsageError(`--json-time-zone: ${error.message}`);
    throw error;
  }
}

/** Parses and validates argv (without node and script). */
export function parseScanArgs(argv: readonly string[]): ScanArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        filter: { type: 'string' },
        emit: { type: 'string', default: 'findings' },
        summary: { type: 'string' },
        'fail-on-findings': { type: 'boolean', default: false },
        'user-format': { type: 'string', default: 'strip-domain' },
        'by-fields': { type: 'string', default: 'published' },
        'max-event-bytes': { type: 'string', default: String(1024 * 1024) },
        'max-decoded-bytes': { type: 'string' },
        'max-ratio': { type: 'string' },
        'ratio-floor': { type: 'string' },
        'json-time-zone': { type: 'string' },
        'evidence-cap': { type: 'string', default: '20' },
        'no-prefilter': { type: 'boolean', default: false },
        'no-progress': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  const emit = v.emit;
  if (emit !== 'findings' && emit !== 'events') throw new UsageError(`--emit must be findings or events, got "${emit}"`);
  const userFormat = v['user-format'];
  if (userFormat !== 'strip-domain' && userFormat !== 'as-logged') {
    throw new UsageError(`--user-format must be strip-domain or as-logged, got "${userFormat}"`);
  }
  const by = v['by-fields'] ?? 'published';
  let byFieldsOverride: readonly string[] | undefined;
  if (by === 'escu-20') byFieldsOverride = ESCU_STANDARD_PROCESS_BY_FIELDS;
  else if (by !== 'published') {
    byFieldsOverride = by.split(',').map((f) => f.trim()).filter((f) => f.length > 0);
    if (byFieldsOverride.length === 0) throw new UsageError('--by-fields needs published, escu-20 or a comma-separated list');
  }
  const args: ScanArgs = {
    paths: parsed.positionals,
    emit,
    failOnFindings: v['fail-on-findings'] ?? false,
    userFormat,
    maxEventBytes: positiveInt('max-event-bytes', v['max-event-bytes'] ?? ''),
    evidenceCap: positiveInt('evidence-cap', v['evidence-cap'] ?? ''),
    prefilter: !(v['no-prefilter'] ?? false),
    progress: v['no-progress'] ? 'never' : 'auto',
    help: v.help ?? false,
  };
  const maxDecodedBytes = wholeNumber('max-decoded-bytes', v['max-decoded-bytes'], 1);
  const maxRatio = wholeNumber('max-ratio', v['max-ratio'], 1);
  const ratioFloor = wholeNumber('ratio-floor', v['ratio-floor'], 0);
  if (maxDecodedBytes !== undefined) args.maxDecodedBytes = maxDecodedBytes;
  if (maxRatio !== undefined) args.maxRatio = maxRatio;
  if (ratioFloor !== undefined) args.ratioFloor = ratioFloor;
  if (v['json-time-zone'] !== undefined) args.jsonTimeZone = jsonTimeZone(v['json-time-zone']);
  if (v.filter !== undefined) args.filterFile = v.filter;
  if (v.summary !== undefined) args.summaryFile = v.summary;
  if (byFieldsOverride !== undefined) args.byFieldsOverride = byFieldsOverride;
  if (!args.help && args.paths.length === 0) throw new UsageError('no input: give at least one file or directory (see --help)');
  return args;
}
