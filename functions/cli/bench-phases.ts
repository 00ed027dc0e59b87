/**
 * The measurements `npm run bench` takes, each run in a child process of its own (so peak RSS and CPU time are the phase's
 * own): the I/O floor, Node's gunzip alone, a full-parse baseline with a well-known XML parser, and the project's scan
 * in-process (with or without the prefilter). The CLI path itself is measured by running the real CLI (bench.ts).
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse as parseXml } from 'txml/txml';
import { Scan } from '../core/scan.ts';
import { fileChunks } from './file-sources.ts';

/** A phase run in a child process. */
export type Phase = 'floor' | 'gunzip' | 'txml' | 'scan-no-prefilter';

/** What a phase reports: wall and CPU seconds inside the process, its peak RSS, and what it counted. */
export interface PhaseResult {
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
  /** Bytes the phase produced or consumed: file bytes, or decompressed bytes for gunzip. */
  bytes: number;
  /** Events (or newlines for the floor) it counted. */
  records: number;
  /** Events the rule matched (scans and the baseline). */
  matched?: number;
}

const MIB = 1024 * 1024;

async function floor(file: string): Promise<Partial<PhaseResult>> {
  let lines = 0;
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: MIB }) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
  }
  return { bytes, records: lines };
}

async function gunzip(file: string): Promise<Partial<PhaseResult>> {
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done();
    },
  });
  await pipeline(createReadStream(file, { highWaterMark: MIB }), createGunzip({ chunkSize: MIB }), sink);
  return { bytes, records: 0 };
}

interface XmlNode {
  tagName: string;
  attributes: Record<string, string | null>;
  children: Array<XmlNode | string>;
}

function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node?.children.find((c): c is XmlNode => typeof c !== 'string' && c.tagName === name);
}

function text(node: XmlNode | undefined): string {
  return node?.children.filter((c): c is string => typeof c === 'string').join('') ?? '';
}

/**
 * The full-parse baseline: txml (the fastest full XML parser measured in performance-notes.md) builds a DOM of every event,
 * then the rule as plain code (EventID 1, Image basename appcmd.exe, command line with install/module and image).
 * Entities are left undecoded, which only helps its speed.
 */
async function txml(file: string): Promise<Partial<PhaseResult>> {
  let records = 0;
  let matched = 0;
  let bytes = 0;
  let rest = '';
  const onLine = (line: string): void => {
    if (!line.startsWith('<Event')) return;
    records += 1;
    const event = (parseXml(line) as XmlNode[])[0];
    const system = child(event, 'System');
    if (text(child(system, 'EventID')).trim() !== '1') return;
    const data = new Map<string, string>();
    for (const d of child(event, 'EventData')?.children ?? []) {
      if (typeof d !== 'string' && d.tagName === 'Data') data.set(d.attributes.Name ?? '', text(d));
    }
    const image = (data.get('Image') ?? '').toLowerCase();
    const command = (data.get('CommandLine') ?? '').toLowerCase();
    if (image.slice(image.lastIndexOf('\\') + 1) === 'appcmd.exe' && /install/.test(command) && /module/.test(command) && /image/.test(command)) {
      matched += 1;
    }
  };
  for await (const chunk of createReadStream(file, { highWaterMark: MIB }) as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) onLine(line.trimEnd());
  }
  onLine(rest.trimEnd());
  return { bytes, records, matched };
}

async function scanWithoutPrefilter(file: string): Promise<Partial<PhaseResult>> {
  const scan = new Scan({ prefilter: false });
  const report = await scan.scanSource({ kind: 'file', path: file }, fileChunks(file));
  const matched = scan.findings().reduce((n, f) => n + (f.count as number), 0);
  return { bytes: report.bytesIn, records: report.events, matched };
}

/** Runs one phase in this process and measures it. */
export async function runPhase(phase: Phase, file: string): Promise<PhaseResult> {
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  let result: Partial<PhaseResult>;
  switch (phase) {
    case 'floor':
      result = await floor(file);
      break;
    case 'gunzip':
      result = await gunzip(file);
      break;
    case 'txml':
      result = await txml(file);
      break;
    case 'scan-no-prefilter':
      result = await scanWithoutPrefilter(file);
      break;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return {
    bytes: 0,
    records: 0,
    ...result,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}
