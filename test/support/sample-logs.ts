/**
 * The sample logs (test/fixtures/samples, see SOURCES.md there) as the tests upload them, and what a scan of them must
 * produce, worked out by hand from the events and the ESCU search (not from this code's output).
 */
import { readFileSync } from 'node:fs';
import type { S3Harness } from './s3rver-harness.ts';

/** A sample file's bytes. */
export function sampleBytes(relative: string): Buffer {
  return readFileSync(new URL(`../fixtures/samples/${relative}`, import.meta.url));
}

/** Sample keys as `npm start` and the events/ payloads name them. */
export const SAMPLE_KEYS = {
  dc01: 'samples/dc01/credential-dumping-via-symlink.log',
  web01: 'samples/web01/iis module install.xml',
  web02: 'samples/web02/generic-webshell-exploit.log.gz',
  /** The web01 bytes again under the key of events/s3-put-key-with-spaces-unicode.json. */
  web01Unicode: 'samples/web01/Prüfung 2022-03-25/iis module install +1 ✓.xml',
} as const;

const FILES: Record<keyof typeof SAMPLE_KEYS, string> = {
  dc01: 'dc01/credential-dumping-via-symlink.log',
  web01: 'web01/iis module install.xml',
  web02: 'web02/generic-webshell-exploit.log.gz',
  web01Unicode: 'web01/iis module install.xml',
};

/** Uploads every sample under its key. */
export async function uploadSamples(s3: S3Harness, bucket: string): Promise<void> {
  for (const [name, key] of Object.entries(SAMPLE_KEYS)) await s3.put(bucket, key, sampleBytes(FILES[name as keyof typeof SAMPLE_KEYS]));
}

/** The Atomic Red Team T1505.004 command placed into the web01 sample. */
export const ART_COMMAND =
  'C:\\Windows\\system32\\inetsrv\\appcmd.exe install module /name:DefaultDocumentModule_Atomic /image:C:\\Windows\\system32\\inetsrv\\defdoc.dll';

/** The one row the web01 sample must produce (Splunk columns, in Splunk's column order). */
export const WEB01_ROW = {
  dest: 'win-dc-emcginnis-47905-664.attackrange.local',
  user: 'Administrator',
  parent_process_name: 'cmd.exe',
  process_name: 'appcmd.exe',
  original_file_name: 'appcmd.exe',
  process: ART_COMMAND,
  process_id: '4116',
  parent_process_id: '4888',
  count: 1,
  firstTime: '2022-03-25T17:46:37',
  lastTime: '2022-03-25T17:46:37',
};

/** Event counts of the samples (SOURCES.md / MANIFEST.md): events and Sysmon EID 1 events. */
export const SAMPLE_COUNTS = {
  dc01: { events: 4, processEvents: 4, bytes: 11160 },
  web01: { events: 24, processEvents: 8, bytes: 45205 },
  web02: { events: 3, processEvents: 3, bytes: 1770, decoded: 6350 },
};
