/**
 * The benchmark corpus: real XmlWinEventLog events (test/fixtures) repeated with fresh record ids, process ids and times,
 * with true positives (the ART T1505.004 command in mixed case) and decoys (appcmd with other verbs, appcmd text in other
 * processes' command lines) planted at known positions. Deterministic for a seed, written as a stream.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** What the corpus holds, for checking the scan's answer. */
export interface CorpusTruth {
  bytes: number;
  events: number;
  truePositives: number;
  decoys: number;
}

const TP_COMMANDS = [
  'C:\\Windows\\system32\\inetsrv\\appcmd.exe install module /name:DefaultDocumentModule_Atomic /image:C:\\Windows\\system32\\inetsrv\\defdoc.dll',
  'APPCMD.EXE INSTALL MODULE /NAME:Backdoor /IMAGE:C:\\inetpub\\bd.dll',
  '"C:\\Windows\\SysWOW64\\inetsrv\\AppCmd.exe" install module /name:X /image:%windir%\\x.dll',
];
const DECOY_COMMANDS = [
  'C:\\Windows\\system32\\inetsrv\\appcmd.exe list modules',
  'C:\\Windows\\system32\\inetsrv\\appcmd.exe set config /section:globalModules /+[name=&apos;X&apos;,image=&apos;C:\\x.dll&apos;]',
  'C:\\Windows\\system32\\inetsrv\\appcmd.exe recycle apppool DefaultAppPool',
  'C:\\Windows\\system32\\inetsrv\\appcmd.exe install module /name:DefaultDocumentModule',
];

/** A tiny deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function setData(xml: string, name: string, value: string): string {
  return xml.replace(new RegExp(`<Data Name='${name}'>[^<]*</Data>`), () => `<Data Name='${name}'>${value}</Data>`);
}

/**
 * Writes about `size` bytes of XmlWinEventLog to `path`, built from `templates` (real event lines; at least one Sysmon EID 1).
 * One event in `matchEvery` is a true positive and one in `decoyEvery` a decoy.
 */
export async function writeCorpus(
  path: string,
  options: { size: number; seed: number; templates: string[]; matchEvery: number; decoyEvery: number },
): Promise<CorpusTruth> {
  const rand = random(options.seed);
  const eid1 = options.templates.find((t) => t.includes('<EventID>1</EventID>') && t.includes("Name='CommandLine'"));
  if (eid1 === undefined) throw new Error('the corpus needs a Sysmon EID 1 template');
  const out = createWriteStream(path, { highWaterMark: 1024 * 1024 });
  const truth: CorpusTruth = { bytes: 0, events: 0, truePositives: 0, decoys: 0 };
  let time = Date.UTC(2024, 0, 1);
  let batch: string[] = [];
  let batchBytes = 0;
  while (truth.bytes < options.size) {
    truth.events += 1;
    time += Math.floor(rand() * 2000);
    let line: string;
    if (truth.events % options.matchEvery === 0) {
      line = setData(eid1, 'Image', 'C:\\Windows\\System32\\inetsrv\\appcmd.exe');
      line = setData(line, 'CommandLine', TP_COMMANDS[truth.truePositives % TP_COMMANDS.length] as string);
      truth.truePositives += 1;
    } else if (truth.events % options.decoyEvery === 0) {
      line = setData(eid1, 'Image', 'C:\\Windows\\System32\\inetsrv\\appcmd.exe');
      line = setData(line, 'CommandLine', DECOY_COMMANDS[truth.decoys % DECOY_COMMANDS.length] as string);
      truth.decoys += 1;
    } else {
      line = options.templates[Math.floor(rand() * options.templates.length)] as string;
    }
    line = line
      .replace(/<EventRecordID>\d+</, `<EventRecordID>${truth.events}<`)
      .replace(/SystemTime='[^']*'/, `SystemTime='${new Date(time).toISOString().replace('Z', '0000Z')}'`)
      .replace(/<Data Name='ProcessId'>\d+</, `<Data Name='ProcessId'>${1000 + Math.floor(rand() * 60000)}<`);
    batch.push(line);
    batchBytes += line.length + 1;
    truth.bytes += Buffer.byteLength(line) + 1;
    if (batchBytes > 1024 * 1024) {
      if (!out.write(`${batch.join('\n')}\n`)) await once(out, 'drain');
      batch = [];
      batchBytes = 0;
    }
  }
  if (batch.length > 0) out.write(`${batch.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
  return truth;
}
