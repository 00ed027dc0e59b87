/**
 * What `npm run bench` prints and writes: the table, the checks against the targets of README "Performance", the Lambda
 * cost per TB from measured CPU time, and a bar chart (SVG) of MB/s per path.
 */
import type { S3ReadResult } from './bench-s3-reads.ts';

/** One measured path. MB = 10^6 bytes; `bytes` are the bytes the path is credited with (decompressed for .gz). */
export interface BenchRow {
  name: string;
  input: string;
  bytes: number;
  seconds: number;
  cpuSeconds?: number;
  maxRssMb?: number;
  records: number;
  /** Scans: rows, events and problems equal the corpus truth. */
  rowsCorrect?: boolean;
}

/** One target, checked. */
export interface BenchCheck {
  what: string;
  pass: boolean;
}

/** Everything one bench run measured (bench/results.json). */
export interface BenchResults {
  date: string;
  machine: { cpus: number; model: string; arch: string; node: string; pinned: boolean; runs: number };
  corpus: {
    seed: number;
    xmlBytes: number;
    gzBytes: number;
    jsonlBytes: number;
    evtxBytes: number;
    events: number;
    processEvents: number;
    truePositives: number;
    decoys: number;
    expectedRows: number;
  };
  rows: BenchRow[];
  s3: S3ReadResult[];
  checks: BenchCheck[];
}

/** Lambda arm64 price per GB-second (US East, first tier; performance-notes.md §7) and the memory that buys one vCPU. */
export const ARM64_USD_PER_GB_SECOND = 0.0000133334;
export const ONE_VCPU_MEMORY_GB = 1769 / 1024;

const MB = 1e6;

function mbPerSecond(row: BenchRow): number {
  return row.bytes / MB / row.seconds;
}

/** CPU seconds per GB (10^9 bytes) of the path's credited bytes. */
export function cpuSecondsPerGb(row: BenchRow): number | undefined {
  return row.cpuSeconds === undefined ? undefined : row.cpuSeconds / (row.bytes / 1e9);
}

/**
 * Lambda compute cost of scanning one TB (10^12 bytes) this way on arm64: the measured CPU seconds per GB, bought at 1,769 MB
 * (one vCPU). Lambda gives CPU in proportion to memory, so a CPU-bound scan costs the same at any memory size; requests and
 * S3 GETs are extra, and Graviton is not this machine's CPU (re-measure there before quoting absolute figures).
 */
export function usdPerTb(row: BenchRow): number | undefined {
  const perGb = cpuSecondsPerGb(row);
  return perGb === undefined ? undefined : perGb * 1000 * ONE_VCPU_MEMORY_GB * ARM64_USD_PER_GB_SECOND;
}

function find(results: BenchResults, name: string): BenchRow | undefined {
  return results.rows.find((row) => row.name === name);
}

/** The targets (issue 6 and the formats issue), each with the figures it was decided on. */
export function checksOf(results: BenchResults): BenchCheck[] {
  const checks: BenchCheck[] = [];
  const check = (what: string, pass: boolean): number => checks.push({ what, pass });
  const floor = find(results, 'floor: read 1 MiB chunks + count \\n');
  const xml = find(results, 'scan xml (CLI)');
  const gz = find(results, 'scan xml.gz (CLI, decompressed bytes)');
  const gunzip = find(results, 'gunzip alone (output bytes)');
  const jsonl = find(results, 'scan jsonl (CLI)');
  const evtx = find(results, 'scan evtx (CLI)');
  const evtxexport = find(results, 'evtxexport -f xml (libevtx)');
  const txml = find(results, 'txml full parse + rule (baseline)');
  const small = find(results, 'scan xml 10 MB (CLI)');
  const floorFree = find(results, 'floor, unpinned');
  const xmlFree = find(results, 'scan xml (CLI), unpinned');
  const gunzipFree = find(results, 'gunzip alone, unpinned');
  const gzFree = find(results, 'scan xml.gz (CLI), unpinned');
  for (const row of results.rows) {
    if (row.rowsCorrect !== undefined) check(`${row.name}: rows, events and problems equal the corpus truth`, row.rowsCorrect);
  }
  if (xml && floor) {
    check(`xml scan ≥ 1,500 MB/s (${mbPerSecond(xml).toFixed(0)} MB/s)`, mbPerSecond(xml) >= 1500);
    const ratio = floor.seconds / xml.seconds;
    check(`xml scan ≥ 40% of the I/O floor (${(ratio * 100).toFixed(0)}%)`, ratio >= 0.4);
  }
  if (gz && gunzip) {
    const ratio = gunzip.seconds / gz.seconds;
    check(`xml.gz scan ≥ 65% of gunzip alone (${(ratio * 100).toFixed(0)}%: ${mbPerSecond(gz).toFixed(0)} vs ${mbPerSecond(gunzip).toFixed(0)} MB/s)`, ratio >= 0.65);
  }
  if (xmlFree && floorFree) {
    check(`unpinned: xml scan ≥ 1,500 MB/s (${mbPerSecond(xmlFree).toFixed(0)} MB/s), ≥ 40% of the floor (${((floorFree.seconds / xmlFree.seconds) * 100).toFixed(0)}%)`, mbPerSecond(xmlFree) >= 1500 && floorFree.seconds / xmlFree.seconds >= 0.4);
  }
  if (gzFree && gunzipFree) {
    const ratio = gunzipFree.seconds / gzFree.seconds;
    check(`unpinned: xml.gz scan ≥ 65% of gunzip alone (${(ratio * 100).toFixed(0)}%: ${mbPerSecond(gzFree).toFixed(0)} vs ${mbPerSecond(gunzipFree).toFixed(0)} MB/s)`, ratio >= 0.65);
  }
  if (xml && txml) {
    const ratio = txml.seconds / xml.seconds;
    check(`xml scan ≥ 10× the txml full-parse baseline (${ratio.toFixed(1)}×)`, ratio >= 10);
  }
  const scans = results.rows.filter((row) => row.name.startsWith('scan') && row.maxRssMb !== undefined);
  const peak = Math.max(...scans.map((row) => row.maxRssMb as number));
  check(`peak RSS ≤ 150 MB on every scan (${peak.toFixed(0)} MB)`, peak <= 150);
  if (xml?.maxRssMb !== undefined && small?.maxRssMb !== undefined) {
    const growth = xml.maxRssMb - small.maxRssMb;
    check(`peak RSS flat from 10 MB to ${(xml.bytes / MB).toFixed(0)} MB of xml (${small.maxRssMb.toFixed(0)} → ${xml.maxRssMb.toFixed(0)} MB, ≤ +25 MB)`, growth <= 25);
  }
  if (evtx) {
    const rate = evtx.records / evtx.seconds;
    check(`evtx scan ≥ 100,000 records/s (${Math.round(rate).toLocaleString('en-US')})`, rate >= 100_000);
    if (evtxexport) {
      const ratio = evtxexport.seconds / evtx.seconds;
      check(`evtx scan ≥ 5× evtxexport on the same file (${ratio.toFixed(1)}×)`, ratio >= 5);
    }
  }
  if (jsonl) check(`jsonl scan ≥ 1,000 MB/s (${mbPerSecond(jsonl).toFixed(0)} MB/s)`, mbPerSecond(jsonl) >= 1000);
  return checks;
}

function cell(value: number | undefined, digits = 0): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** The human-readable report: corpus, table, S3 reads, checks. */
export function renderTable(results: BenchResults): string {
  const c = results.corpus;
  const floor = find(results, 'floor: read 1 MiB chunks + count \\n');
  const lines = [
    `machine: ${results.machine.cpus} × ${results.machine.model}, ${results.machine.arch}, Node ${results.machine.node}${results.machine.pinned ? ', every run pinned to one core' : ''}; fast paths: best of ${results.machine.runs} round-robin runs`,
    `corpus (seed ${c.seed}): ${cell(c.xmlBytes / MB)} MB XmlWinEventLog (.gz ${cell(c.gzBytes / MB)} MB, JSON lines ${cell(c.jsonlBytes / MB)} MB, EVTX ${cell(c.evtxBytes / MB)} MB), ${cell(c.events)} events, ${cell(c.processEvents)} process events, ${c.truePositives} true positives in ${c.expectedRows} rows, ${c.decoys} decoys`,
    '',
    '| path | input | s | MB/s | records/s | CPU s/GB | peak RSS MB | vs floor | $/TB arm64 | answer |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of results.rows) {
    const unpinned = row.name.includes('unpinned');
    const reference = unpinned ? find(results, 'floor, unpinned') : floor;
    const vsFloor = reference && row.input === 'xml' ? `${((reference.seconds / row.seconds) * 100).toFixed(0)}%` : '–';
    const answer = row.rowsCorrect === undefined ? '–' : row.rowsCorrect ? 'exact' : 'WRONG';
    const usd = usdPerTb(row);
    lines.push(
      `| ${row.name} | ${row.input} | ${cell(row.seconds, 2)} | ${cell(mbPerSecond(row))} | ${row.records > 0 ? cell(row.records / row.seconds) : '–'} | ${cell(cpuSecondsPerGb(row), 2)} | ${cell(row.maxRssMb)} | ${vsFloor} | ${usd === undefined ? '–' : `$${usd.toFixed(3)}`} | ${answer} |`,
    );
  }
  if (results.s3.length > 0) {
    lines.push('', 'S3 reads of the .gz from the embedded server on 127.0.0.1 (loopback, s3rver serves from disk: compare modes, not absolute speed):');
    lines.push('| mode | part MiB | concurrency | MB/s | requests | peak buffered MiB | bytes + sha256 |', '|---|---|---|---|---|---|---|');
    for (const r of results.s3) {
      lines.push(`| ${r.mode} | ${cell(r.partSize / 1048576)} | ${r.concurrency} | ${cell(r.mbPerSecond)} | ${r.requests} | ${cell(r.peakBufferedBytes / 1048576, 1)} | ${r.sizeMatches && r.sha256Matches ? 'equal' : 'DIFFERENT'} |`);
    }
  }
  lines.push('', '$/TB: measured CPU seconds per GB × 1,000 × 1,769 MB (one vCPU) × $0.0000133334 per GB-s (Lambda arm64, US East).');
  lines.push('', ...results.checks.map((check) => `${check.pass ? 'PASS' : 'FAIL'} ${check.what}`));
  return lines.join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A horizontal bar chart of MB/s per path (log scale, so the baselines stay visible), with the I/O floor marked. */
export function renderChart(results: BenchResults): string {
  const rows = results.rows;
  const width = 900;
  const label = 330;
  const bar = 22;
  const top = 40;
  const height = top + rows.length * (bar + 8) + 40;
  const max = Math.max(...rows.map(mbPerSecond), 1);
  const scale = (v: number): number => (Math.log10(Math.max(v, 1)) / Math.log10(max * 1.2)) * (width - label - 80);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">npm run bench — MB/s (log scale), ${escapeXml(results.date.slice(0, 10))}, ${results.machine.cpus} × ${escapeXml(results.machine.model)}</text>`,
  ];
  rows.forEach((row, i) => {
    const y = top + i * (bar + 8);
    const v = mbPerSecond(row);
    const colour = row.name.startsWith('scan') ? (row.rowsCorrect === false ? '#c0392b' : '#2e86c1') : '#95a5a6';
    parts.push(`<text x="${label - 8}" y="${y + bar * 0.7}" text-anchor="end">${escapeXml(row.name)}</text>`);
    parts.push(`<rect x="${label}" y="${y}" width="${scale(v).toFixed(1)}" height="${bar}" fill="${colour}"/>`);
    parts.push(`<text x="${(label + scale(v) + 6).toFixed(1)}" y="${y + bar * 0.7}">${v.toFixed(0)}</text>`);
  });
  const floor = find(results, 'floor: read 1 MiB chunks + count \\n');
  if (floor) {
    const x = label + scale(mbPerSecond(floor));
    parts.push(`<line x1="${x.toFixed(1)}" y1="${top - 6}" x2="${x.toFixed(1)}" y2="${height - 30}" stroke="#7f8c8d" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${height - 14}" text-anchor="middle" fill="#7f8c8d">I/O floor</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
