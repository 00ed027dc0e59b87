/**
 * The benchmark corpus's simulated fleet: 52 hosts (40 workstations, 8 IIS servers, 4 domain controllers), each with its
 * own EventRecordID counter, Sysmon service process, logon session and table of running processes (GUIDs and PIDs are
 * reused by later events, as in real logs), one clock for all, and hashes stable per image path.
 */
import { ACCOUNTS, DOMAIN, LAUNCHERS, PROGRAMS, type Program } from './bench-corpus-catalog.ts';
import type { SeededRandom } from './bench-corpus-random.ts';
import { isoMillis } from './bench-corpus-time.ts';
import type { CorpusEvent, EventRole, EventShape, FieldValue } from './bench-corpus-shapes.ts';

/** A running process as later events see it. */
export interface RunningProcess {
  guid: string;
  pid: number;
  image: string;
  commandLine: string;
  user: string;
}

/** One simulated host. */
export interface Host {
  name: string;
  role: 'workstation' | 'iis' | 'dc';
  /** First GUID group of every Sysmon GUID on this host (Sysmon derives it from the machine). */
  guidPrefix: string;
  recordId: number;
  sysmonPid: number;
  sysmonTid: number;
  logonGuid: string;
  logonId: number;
  processes: RunningProcess[];
}

const PROCESS_TABLE_SIZE = 60;
/** 2024-05-14T06:00:00Z: the corpus's first event (fixed, so every seed's times are comparable). */
const START_MS = Date.UTC(2024, 4, 14, 6, 0, 0);

/** Hosts, clock and the helpers every event builder shares. */
export class CorpusWorld {
  readonly hosts: Host[] = [];
  readonly iisHosts: Host[] = [];
  /** Hosts that audit process creation (Security 4688): the servers. */
  readonly auditedHosts: Host[] = [];
  #clockMs = START_MS;
  readonly #hashes = new Map<string, string>();

  constructor(readonly random: SeededRandom) {
    const r = random;
    const add = (name: string, role: Host['role']): Host => {
      const prefix = r.hex(8);
      const host: Host = {
        name: `${name}.${DOMAIN}`,
        role,
        guidPrefix: prefix,
        recordId: 10_000 + r.int(4_000_000),
        sysmonPid: 4 * (400 + r.int(1500)),
        sysmonTid: 4 * (600 + r.int(1500)),
        logonGuid: `{${prefix}-${r.hex(4)}-${r.hex(4)}-${r.hex(4)}-${r.hex(12)}}`,
        logonId: 0x10000 + r.int(0x7ffffff),
        processes: [],
      };
      this.hosts.push(host);
      return host;
    };
    const departments = ['FIN', 'HR', 'ENG', 'OPS', 'SLS'];
    for (let i = 0; i < 40; i += 1) add(`WS-${r.pick(departments)}-${String(1000 + i * 13)}`, 'workstation');
    for (let i = 1; i <= 8; i += 1) this.iisHosts.push(add(`IIS-WEB-${String(i).padStart(2, '0')}`, 'iis'));
    for (let i = 1; i <= 4; i += 1) add(`DC-${String(i).padStart(2, '0')}`, 'dc');
    this.auditedHosts.push(...this.hosts.filter((h) => h.role !== 'workstation'));
  }

  /** Advances the clock (0–39 ms between events) and returns the new TimeCreated. */
  tick(): { timeMs: number; ticks: number } {
    this.#clockMs += this.random.int(40);
    return { timeMs: this.#clockMs, ticks: this.random.int(10_000) };
  }

  /** A new Sysmon GUID on `host`. */
  guid(host: Host): string {
    const r = this.random;
    return `{${host.guidPrefix}-${r.hex(4)}-${r.hex(4)}-${r.hex(4)}-${r.hex(12)}}`;
  }

  /** `SHA1=…,MD5=…,SHA256=…,IMPHASH=…`, the same every time for one path (a file's hashes do not change). */
  hashes(path: string): string {
    let hashes = this.#hashes.get(path);
    if (hashes === undefined) {
      const r = this.random;
      hashes = `SHA1=${r.hex(40)},MD5=${r.hex(32)},SHA256=${r.hex(64)},IMPHASH=${r.hex(32)}`;
      this.#hashes.set(path, hashes);
    }
    return hashes;
  }

  /** A process that starts now on `host` (entered in its table, replacing an old one when full). */
  startProcess(host: Host, program: Pick<Program, 'path'>, commandLine: string, user: string, pid?: number): RunningProcess {
    const process: RunningProcess = { guid: this.guid(host), pid: pid ?? 4 * (100 + this.random.int(9000)), image: program.path, commandLine, user };
    if (host.processes.length < PROCESS_TABLE_SIZE) host.processes.push(process);
    else host.processes[this.random.int(PROCESS_TABLE_SIZE)] = process;
    return process;
  }

  /** A process already running on `host` (now and then a new one, so the table turns over). */
  runningProcess(host: Host): RunningProcess {
    if (host.processes.length < PROCESS_TABLE_SIZE || this.random.chance(0.04)) {
      const program = this.random.pick(PROGRAMS);
      return this.startProcess(host, program, program.commandLine(this.random), this.random.pick(ACCOUNTS).name);
    }
    return this.random.pick(host.processes);
  }

  /** The parent of a new process: a running one, or a launcher (services.exe, explorer.exe…) that is not in the table. */
  parentProcess(host: Host): RunningProcess {
    if (this.random.chance(0.7)) return this.runningProcess(host);
    const launcher = this.random.pick(LAUNCHERS);
    return { guid: this.guid(host), pid: 4 * (100 + this.random.int(400)), image: launcher.path, commandLine: launcher.commandLine, user: 'NT AUTHORITY\\SYSTEM' };
  }

  /** LogonId of a user's session on `host` (the well-known ids for the service accounts). */
  logonId(host: Host, user: string): number {
    switch (user) {
      case 'NT AUTHORITY\\SYSTEM':
        return 0x3e7;
      case 'NT AUTHORITY\\LOCAL SERVICE':
        return 0x3e5;
      case 'NT AUTHORITY\\NETWORK SERVICE':
        return 0x3e4;
      default:
        return host.logonId;
    }
  }

  /** A CorpusEvent on `host` at `time` (from tick(), taken before the values so UtcTime can agree) with the next record id. */
  event(host: Host, shape: EventShape, role: EventRole, values: FieldValue[], time: { timeMs: number; ticks: number }): CorpusEvent {
    host.recordId += 1;
    const sysmon = shape.provider.channel !== 'Security';
    return {
      shape,
      recordId: host.recordId,
      timeMs: time.timeMs,
      ticks: time.ticks,
      // Sysmon logs from its service process; the Security log from the kernel (System, pid 4).
      processId: sysmon ? host.sysmonPid : 4,
      threadId: sysmon ? host.sysmonTid + 4 * this.random.int(6) : 4 * (20 + this.random.int(3000)),
      computer: host.name,
      userId: sysmon ? 'S-1-5-18' : null,
      values,
      role,
    };
  }
}

/** Sysmon's UtcTime field: `YYYY-MM-DD HH:MM:SS.mmm`. */
export function utcTime(timeMs: number): string {
  const iso = isoMillis(timeMs);
  return `${iso.slice(0, 10)} ${iso.slice(11)}`;
}
