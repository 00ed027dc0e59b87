/**
 * What `npm start` prints: the start banner (endpoint, buckets, credentials, example commands), one line per finding as
 * its object lands in the findings bucket, one line per ledger entry, and one per event the recursion guard ignored.
 */
import type { LedgerEntry } from '../aws/ledger-entry.ts';

/** What the banner shows. */
export interface BannerInput {
  endpoint: string;
  logsBucket: string;
  findingsBucket: string;
  outputPrefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  dataDir: string;
}

/** Shell-quotes a value for the example commands. */
function quote(value: string): string {
  return /^[\w./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The start banner. */
export function banner(input: BannerInput): string {
  const cli = `aws --endpoint-url ${input.endpoint}`;
  const out = `s3://${input.findingsBucket}/${input.outputPrefix}`;
  return [
    'sysmon-s3-detect local pipeline',
    `  S3 endpoint     ${input.endpoint}   (s3rver, path-style, data in ${input.dataDir})`,
    `  logs bucket     s3://${input.logsBucket}/     uploads here are scanned`,
    `  findings bucket s3://${input.findingsBucket}/  findings/, ledger/, quarantine/ (never scanned)`,
    `  credentials     AWS_ACCESS_KEY_ID=${input.accessKeyId} AWS_SECRET_ACCESS_KEY=${input.secretAccessKey} AWS_REGION=${input.region}`,
    '',
    '  Try, in another shell:',
    `    export AWS_ACCESS_KEY_ID=${input.accessKeyId} AWS_SECRET_ACCESS_KEY=${input.secretAccessKey} AWS_REGION=${input.region}`,
    `    ${cli} s3 cp ./sysmon.log ${quote(`s3://${input.logsBucket}/uploads/my host/sysmon.log`)}`,
    `    ${cli} s3 cp ./sysmon.log.gz s3://${input.logsBucket}/uploads/sysmon.log.gz`,
    `    ${cli} s3 ls --recursive ${out}`,
    `    ${cli} s3 cp ${out}ledger/<source-id>.json -`,
    '',
  ].join('\n');
}

function column(finding: Record<string, unknown>, name: string): string {
  const value = finding[name];
  return value === undefined ? 'null' : String(value);
}

/** One finding as one readable line. */
export function findingLine(finding: Record<string, unknown>, location: string): string {
  const detection = (finding.detection as { name?: string } | undefined)?.name ?? '?';
  return [
    `FINDING  ${detection}`,
    `dest=${column(finding, 'dest')}`,
    `user=${column(finding, 'user')}`,
    `parent=${column(finding, 'parent_process_name')}`,
    `process_name=${column(finding, 'process_name')}`,
    `pid=${column(finding, 'process_id')}`,
    `count=${column(finding, 'count')}`,
    `first=${column(finding, 'firstTime')}`,
    `last=${column(finding, 'lastTime')}`,
    // Shown as logged (no JSON escaping): Windows paths stay readable.
    `process="${column(finding, 'process')}"`,
    `(${location})`,
  ].join('  ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One ledger entry as one readable line. */
export function ledgerLine(entry: LedgerEntry): string {
  const head = `LEDGER   ${entry.status.padEnd(11)} s3://${entry.bucket}/${entry.key}`;
  const what = `${entry.compression === 'none' ? '' : `${entry.compression} `}${entry.format}, ${entry.bytes_read} bytes`;
  const counts = `${plural(entry.events, 'event')} (${entry.process_events} process), ${plural(entry.problems_total, 'problem')}, ${plural(entry.rows, 'row')}`;
  const tail = entry.status === 'failed' && entry.failure ? `  FAILED ${entry.failure.reason}: ${entry.failure.message}` : '';
  const resume = entry.status === 'interrupted' && entry.resume ? `  resumes at byte ${entry.resume.offset}` : '';
  return `${head}  ${what}  ${counts}  ${entry.duration_ms} ms${tail}${resume}`;
}
