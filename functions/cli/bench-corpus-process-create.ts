/**
 * Sysmon EID 1 (ProcessCreate) events of the benchmark corpus: the background ones, the planted true positives and the
 * decoys are all built here, so they carry the same 23 fields in the same order and differ only in what they plant.
 */
import type { CorpusEvent, EventRole } from './bench-corpus-shapes.ts';
import { SYSMON_1 } from './bench-corpus-shapes.ts';
import type { CorpusWorld, Host, RunningProcess } from './bench-corpus-world.ts';
import { utcTime } from './bench-corpus-world.ts';

/** The version-resource fields Sysmon copies from the image. */
export interface VersionInfo {
  originalFileName: string;
  description: string;
  product: string;
  company: string;
  fileVersion: string;
}

/** What a ProcessCreate event says about the new process and its parent. */
export interface ProcessCreateSpec {
  image: string;
  version: VersionInfo;
  commandLine: string;
  user: string;
  parent: RunningProcess;
  /** The new process's id; drawn when absent. Repeated true positives reuse it (Windows reuses PIDs). */
  pid?: number;
  currentDirectory?: string;
  integrityLevel?: 'System' | 'High' | 'Medium';
  ruleName?: string;
}

/** Builds the EID 1 event and enters the new process in the host's table. */
export function processCreate(world: CorpusWorld, host: Host, role: EventRole, spec: ProcessCreateSpec): CorpusEvent {
  const r = world.random;
  const time = world.tick();
  const child = world.startProcess(host, { path: spec.image }, spec.commandLine, spec.user, spec.pid);
  const system = spec.user === 'NT AUTHORITY\\SYSTEM';
  const values = [
    spec.ruleName ?? '-',
    utcTime(time.timeMs),
    child.guid,
    child.pid,
    spec.image,
    spec.version.fileVersion,
    spec.version.description,
    spec.version.product,
    spec.version.company,
    spec.version.originalFileName,
    spec.commandLine,
    spec.currentDirectory ?? (system ? 'C:\\Windows\\system32\\' : r.pick(['C:\\Windows\\system32\\', `C:\\Users\\Public\\`, 'C:\\ProgramData\\Agent\\'])),
    spec.user,
    system ? `{${host.guidPrefix}-0000-0000-0000-E70300000000}` : host.logonGuid,
    world.logonId(host, spec.user),
    system ? 0 : 1 + r.int(2),
    spec.integrityLevel ?? (system ? 'System' : r.pick(['High', 'Medium', 'Medium'])),
    world.hashes(spec.image),
    spec.parent.guid,
    spec.parent.pid,
    spec.parent.image,
    spec.parent.commandLine,
    spec.parent.user,
  ];
  return world.event(host, SYSMON_1, role, values, time);
}
