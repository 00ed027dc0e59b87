/**
 * One temporary directory per test run, removed at its end: every test's temporary files go there (TMPDIR, which
 * os.tmpdir() reads and the workers and child processes inherit), and so do the empty `cdk.out*` directories aws-cdk-lib's
 * App makes whenever it is built without an outdir (a full run used to leave about 200 of them in the system's temp dir).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'sysmon-s3-detect-test-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
