/**
 * `npm start` as a new user meets it: the banner, the samples' findings and ledger lines; then, while it serves, uploads
 * from an ordinary SDK client (default checksums): a gzip log with a true positive under a key with spaces, a
 * re-upload, a corrupt object, an object written into the findings bucket. And the real bundle with --once.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLocalPipeline } from '../../functions/cli/local-pipeline.ts';
import { sampleBytes } from '../support/sample-logs.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'local-pipeline-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Lines printed so far, and a way to wait for one. */
function collector(): { lines: string[]; write: (line: string) => void; waitFor: (test: (line: string) => boolean, ms?: number) => Promise<string> } {
  const lines: string[] = [];
  const waiters: Array<{ test: (line: string) => boolean; resolve: (line: string) => void }> = [];
  return {
    lines,
    write(text) {
      for (const line of text.split('\n')) {
        lines.push(line);
        for (const w of [...waiters]) {
          if (w.test(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    },
    waitFor(test, ms = 20_000) {
      const found = lines.find(test);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no such line after ${ms} ms; got:\n${lines.join('\n')}`)), ms);
        waiters.push({ test, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      });
    },
  };
}

describe('local pipeline (npm start)', () => {
  it('prints the banner, scans the samples, then keeps serving uploads until stopped', async () => {
    const out = collector();
    const stop = new AbortController();
    const running = runLocalPipeline(['--port', '0', '--data-dir', path.join(dir, 'serve'), '--fresh'], { write: out.write, stop: stop.signal });

    const endpointLine = await out.waitFor((l) => l.includes('S3 endpoint'));
    const endpoint = /http:\/\/127\.0\.0\.1:\d+/.exec(endpointLine)?.[0] as string;
    expect(endpoint).toBeTruthy();
    expect(out.lines.join('\n')).toContain('AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER');
    expect(out.lines.join('\n')).toContain(`aws --endpoint-url ${endpoint} s3 cp`);

    // The samples: one finding (the ART true positive), three complete ledger entries.
    const finding = await out.waitFor((l) => l.startsWith('FINDING'));
    expect(finding).toContain('dest=win-dc-emcginnis-47905-664.attackrange.local');
    expect(finding).toContain('user=Administrator');
    expect(finding).toContain('parent=cmd.exe');
    expect(finding).toContain('process_name=appcmd.exe');
    expect(finding).toContain('count=1');
    expect(finding).toContain('first=2022-03-25T17:46:37');
    expect(finding).toContain('/dt=2022-03-25/');
    await out.waitFor((l) => l.startsWith('Watching'));
    for (const key of ['samples/dc01/credential-dumping-via-symlink.log', 'samples/web01/iis module install.xml', 'samples/web02/generic-webshell-exploit.log.gz']) {
      await out.waitFor((l) => l.startsWith('LEDGER') && l.includes(`s3://sysmon-logs/${key} `) && l.includes('complete'));
    }

    // An ordinary client, default settings (flexible checksums, aws-chunked streaming uploads).
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    try {
      const gz = gzipSync(sampleBytes('web01/iis module install.xml'));
      await client.send(new PutObjectCommand({ Bucket: 'sysmon-logs', Key: 'uploads/my host/sysmon 1.log.gz', Body: gz }));
      await out.waitFor((l) => l.startsWith('LEDGER') && l.includes('uploads/my host/sysmon 1.log.gz') && l.includes('1 row'));
      const findings = out.lines.filter((l) => l.startsWith('FINDING')).length;
      const ledgers = out.lines.filter((l) => l.startsWith('LEDGER')).length;

      const corrupt = Buffer.from(gz);
      corrupt.fill(0x5a, 300, 340);
      await client.send(new PutObjectCommand({ Bucket: 'sysmon-logs', Key: 'uploads/corrupt.log.gz', Body: corrupt }));
      const failed = await out.waitFor((l) => l.startsWith('LEDGER') && l.includes('uploads/corrupt.log.gz'));
      expect(failed).toContain('failed');
      expect(failed).toContain('FAILED corrupt-compression');

      await client.send(new PutObjectCommand({ Bucket: 'sysmon-findings', Key: 'uploads/sneaky.xml', Body: sampleBytes('web01/iis module install.xml') }));
      const ignored = await out.waitFor((l) => l.startsWith('IGNORED'));
      expect(ignored).toContain('s3://sysmon-findings/uploads/sneaky.xml');

      // Re-upload of the same bytes: the same finding and ledger keys are rewritten (one more line each, same key).
      await client.send(new PutObjectCommand({ Bucket: 'sysmon-logs', Key: 'uploads/my host/sysmon 1.log.gz', Body: gz }));
      await out.waitFor(() => out.lines.filter((l) => l.startsWith('LEDGER') && l.includes('uploads/my host/sysmon 1.log.gz')).length === 2);
      const again = out.lines.filter((l) => l.startsWith('FINDING')).slice(-1)[0] as string;
      const before = out.lines.filter((l) => l.startsWith('FINDING'))[findings - 1] as string;
      expect(again).toBe(before);
      expect(out.lines.filter((l) => l.startsWith('LEDGER')).length).toBe(ledgers + 2);
    } finally {
      client.destroy();
    }

    stop.abort();
    expect(await running).toBe(0);
    expect(out.lines.some((l) => l.startsWith('Stopped.'))).toBe(true);
    expect(out.lines.filter((l) => l.startsWith('ERROR') || l.startsWith('RETRY'))).toEqual([]);
  }, 60_000);

  it('the built bundle runs with --once and exits 0 (what `npm start -- --once` runs)', async () => {
    const run = promisify(execFile);
    await run(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: path.resolve('.') });
    const { stdout } = await run(process.execPath, ['--openssl-legacy-provider', 'dist/cli/local-pipeline.mjs', '--once', '--port', '0', '--data-dir', path.join(dir, 'once')], {
      cwd: path.resolve('.'),
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(stdout).toContain('FINDING');
    expect(stdout.split('\n').filter((l) => l.startsWith('LEDGER') && l.includes('complete'))).toHaveLength(3);
    expect(stdout).toContain('Samples processed; --once: stopping.');
  }, 60_000);
});
