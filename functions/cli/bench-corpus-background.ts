/**
 * The benchmark corpus's background: the everyday Sysmon events of a fleet (EID 1, 3, 7, 10, 11, 13, 22 with their real
 * field sets) and a few Security 4688 process creations from the servers. None of them can match the rule: no background
 * process is appcmd.exe.
 */
import { ACCOUNTS, DLLS, DNS_NAMES, NETBIOS, PROGRAMS, REGISTRY_KEYS } from './bench-corpus-catalog.ts';
import { processCreate } from './bench-corpus-process-create.ts';
import type { CorpusEvent } from './bench-corpus-shapes.ts';
import { SECURITY_4688, SYSMON_10, SYSMON_11, SYSMON_13, SYSMON_22, SYSMON_3, SYSMON_7 } from './bench-corpus-shapes.ts';
import type { CorpusWorld, Host } from './bench-corpus-world.ts';
import { utcTime } from './bench-corpus-world.ts';

/** The background event kinds, by what they are in Windows' terms. */
export type BackgroundKind = 'sysmon-1' | 'sysmon-3' | 'sysmon-7' | 'sysmon-10' | 'sysmon-11' | 'sysmon-13' | 'sysmon-22' | 'security-4688';

/** Share of each kind by count (performance-notes.md §2's mix, with 1.5% Security 4688 taken from EID 1, 7 and 10). */
export const BACKGROUND_MIX: ReadonlyArray<readonly [BackgroundKind, number]> = [
  ['sysmon-1', 0.175],
  ['sysmon-3', 0.13],
  ['sysmon-7', 0.215],
  ['sysmon-10', 0.175],
  ['sysmon-11', 0.1],
  ['sysmon-13', 0.12],
  ['sysmon-22', 0.07],
  ['security-4688', 0.015],
];

/** One background event of `kind` on `host`. */
export function backgroundEvent(world: CorpusWorld, host: Host, kind: BackgroundKind): CorpusEvent {
  switch (kind) {
    case 'sysmon-1':
      return normalProcessCreate(world, host);
    case 'sysmon-3':
      return networkConnect(world, host);
    case 'sysmon-7':
      return imageLoad(world, host);
    case 'sysmon-10':
      return processAccess(world, host);
    case 'sysmon-11':
      return fileCreate(world, host);
    case 'sysmon-13':
      return registryValueSet(world, host);
    case 'sysmon-22':
      return dnsQuery(world, host);
    case 'security-4688':
      return securityProcessCreate(world, host);
  }
}

function normalProcessCreate(world: CorpusWorld, host: Host): CorpusEvent {
  const r = world.random;
  const program = r.pick(PROGRAMS);
  const powershell = program.originalFileName === 'PowerShell.EXE';
  return processCreate(world, host, 'background', {
    image: program.path,
    version: program,
    commandLine: program.commandLine(r),
    user: program.path.includes('inetsrv') ? 'IIS APPPOOL\\DefaultAppPool' : r.pick(ACCOUNTS).name,
    parent: world.parentProcess(host),
    ...(powershell && r.chance(0.5) ? { ruleName: 'technique_id=T1059.001,technique_name=PowerShell' } : {}),
  });
}

function networkConnect(world: CorpusWorld, host: Host): CorpusEvent {
  const r = world.random;
  const time = world.tick();
  const p = world.runningProcess(host);
  const outbound = r.chance(0.8);
  const local = `10.${20 + r.int(4)}.${r.int(256)}.${1 + r.int(254)}`;
  const remote = `${r.pick([13, 20, 40, 52, 104, 140, 172])}.${r.int(256)}.${r.int(256)}.${1 + r.int(254)}`;
  const ephemeral = 49152 + r.int(16000);
  const service = r.pick([443, 443, 443, 80, 53, 445, 389, 5985]);
  const serviceName = service === 443 ? 'https' : service === 80 ? 'http' : service === 445 ? 'microsoft-ds' : '-';
  const values = [
    r.chance(0.85) ? '-' : 'technique_id=T1036,technique_name=Masquerading', utcTime(time.timeMs), p.guid, p.pid, p.image, p.user,
    'tcp', outbound, false, outbound ? local : remote, outbound ? host.name : '-', outbound ? ephemeral : service,
    outbound ? '-' : serviceName, false, outbound ? remote : local, outbound ? r.pick(DNS_NAMES) : host.name,
    outbound ? service : ephemeral, outbound ? serviceName : '-',
  ];
  return world.event(host, SYSMON_3, 'background', values, time);
}

/** NativeImages hash folders (one per assembly build). */
const NATIVE_IMAGE_FOLDERS = ['7c2bbd2f8a4e7e0b53e9f3c0a1d6b4e2', '0f3d9b1e6a5c8d2f4b7e1a9c3d5f7b2e', 'c81e728d9d4c2f636f067f89cc14862c'];

function imageLoad(world: CorpusWorld, host: Host): CorpusEvent {
  const r = world.random;
  const time = world.tick();
  const p = world.runningProcess(host);
  let dll = r.pick(DLLS);
  let path = dll === 'clr.dll' ? `C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\${dll}` : `C:\\Windows\\System32\\${dll}`;
  const variant = r.float();
  if (variant < 0.15) {
    const assembly = r.pick(['System.Management.Automation', 'Microsoft.PowerShell.Commands.Utility', 'System.Configuration.Install', 'System.DirectoryServices']);
    dll = `${assembly}.ni.dll`;
    // The hash folder is fixed per assembly and machine; a fixed set keeps the hash cache (and memory) bounded.
    path = `C:\\Windows\\assembly\\NativeImages_v4.0.30319_64\\${assembly.slice(0, 24)}\\${r.pick(NATIVE_IMAGE_FOLDERS)}\\${dll}`;
  } else if (variant < 0.3) {
    dll = r.pick(['comctl32.dll', 'GdiPlus.dll']);
    const side = dll === 'comctl32.dll' ? 'microsoft.windows.common-controls_6595b64144ccf1df_6.0.19041.3636' : 'microsoft.windows.gdiplus_6595b64144ccf1df_1.1.19041.4355';
    path = `C:\\Windows\\WinSxS\\amd64_${side}_none_${dll === 'comctl32.dll' ? '60b6a03d71f818d5' : 'a865f0c28672571c'}\\${dll}`;
  }
  const values = [
    '-', utcTime(time.timeMs), p.guid, p.pid, p.image, path, '10.0.19041.4355 (WinBuild.160101.0800)',
    `${dll.replace(/\.(ni\.)?dll$/i, '')} Library`, 'Microsoft® Windows® Operating System', 'Microsoft Corporation', dll,
    world.hashes(path), 'true', 'Microsoft Windows', 'Valid', p.user,
  ];
  return world.event(host, SYSMON_7, 'background', values, time);
}

/** `C:\Windows\SYSTEM32\ntdll.dll+9d4c4|…`, sometimes ending in unbacked memory as injected code does. */
function callTrace(world: CorpusWorld): string {
  const r = world.random;
  const frames: string[] = [];
  for (let i = 0, n = 5 + r.int(12); i < n; i += 1) frames.push(`C:\\Windows\\SYSTEM32\\${r.pick(DLLS)}+${r.lowerHex(5)}`);
  if (r.chance(0.15)) frames.push(`UNKNOWN(000001${r.hex(10)})`);
  return frames.join('|');
}

function processAccess(world: CorpusWorld, host: Host): CorpusEvent {
  const r = world.random;
  const time = world.tick();
  const source = world.runningProcess(host);
  const target = world.runningProcess(host);
  const lsass = r.chance(0.25);
  const values = [
    r.chance(0.8) ? '-' : 'technique_id=T1003,technique_name=Credential Dumping', utcTime(time.timeMs), source.guid, source.pid,
    4 * r.int(6000), source.image, lsass ? `{${host.guidPrefix}-0000-0000-0000-0C0000000000}` : target.guid, lsass ? 700 + 4 * r.int(50) : target.pid,
    lsass ? 'C:\\Windows\\system32\\lsass.exe' : target.image, r.pick([0x1000, 0x1400, 0x1410, 0x101000, 0x1fffff]), callTrace(world),
    source.user, lsass ? 'NT AUTHORITY\\SYSTEM' : target.user,
  ];
  return world.event(host, SYSMON_10, 'background', values, time);
}

function fileCreate(world: CorpusWorld, host: Host): CorpusEvent {
  const r = world.random;
  const time = world.tick();
  const p = world.runningProcess(host);
  const file = r.pick([
    () => `C:\\Users\\j.mueller\\AppData\\Local\\Temp\\${r.lowerHex(8)}.tmp`,
    () => `C:\\Windows\\Prefetch\\${r.pick(['CHROME', 'SVCHOST', 'CONHOST', 'GIT', 'NODE'])}.EXE-${r.hex(8)}.pf`,
    () => `C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\Service\\DetectionHistory\\${r.hex(2)}\\${r.hex(32)}`,
    () => `C:\\Users\\s.tanaka\\source\\repos\\portal\\node_modules\\.cache\\babel-loader\\${r.lowerHex(32)}.json`,
    () => `C:\\inetpub\\logs\\LogFiles\\W3SVC1\\u_ex${r.pick(['240514', '240515'])}_x.log`,
  ])();
  const values = [
    r.chance(0.9) ? '-' : 'technique_id=T1047,technique_name=Windows Management Instrumentation', utcTime(time.timeMs), p.guid, p.pid,
    p.image, file, utcTime(time.timeMs - r.int(100_000)), p.user,
  ];
  return world.event(host, SYSMON_11, 'background', values, time);
}

function registryValueSet(world: CorpusWorld, host: Host): CorpusEvent {
  const r = world.random;
  const time = world.tick();
  const p = world.runningProcess(host);
  const details = r.pick([
    () => 'DWORD (0x00000001)',
    () => `QWORD (0x01da${r.lowerHex(4)}-0x${r.lowerHex(8)})`,
    () => 'Binary Data',
    () => `C:\\ProgramData\\Microsoft\\Windows Defender\\Definition Updates\\{${r.hex(8)}-${r.hex(4)}-${r.hex(4)}-${r.hex(4)}-${r.hex(12)}}`,
  ])();
  const values = [
    r.chance(0.85) ? '-' : 'technique_id=T1112,technique_name=Modify Registry', 'SetValue', utcTime(time.timeMs), p.guid, p.pid, p.image,
    r.pick(REGISTRY_KEYS) + r.pick(['svchost.exe', 'LastUpdate', 'MRUListEx', 'Enabled', 'SignatureLocation']), details, p.user,
  ];
  return world.event(host, SYSMON_13, 'background', values, time);
}

function dnsQuery(world: CorpusWorld, host: Host): CorpusEvent {
  const r = world.random;
  const time = world.tick();
  const p = world.runningProcess(host);
  const name = r.pick(DNS_NAMES);
  let results = r.chance(0.5) ? `type:  5 ${name}.edgekey.net;type:  5 e${r.int(9999)}.dscx.akamaiedge.net;` : '';
  for (let i = 0, n = 1 + r.int(4); i < n; i += 1) results += `::ffff:${r.pick([13, 20, 40, 52, 142])}.${r.int(256)}.${r.int(256)}.${1 + r.int(254)};`;
  const values = ['-', utcTime(time.timeMs), p.guid, p.pid, name, '0', results, p.image, p.user];
  return world.event(host, SYSMON_22, 'background', values, time);
}

function securityProcessCreate(world: CorpusWorld, host: Host): CorpusEvent {
  const r = world.random;
  const time = world.tick();
  const program = r.pick(PROGRAMS);
  const parent = world.parentProcess(host);
  const account = r.pick(ACCOUNTS);
  const system = account.sid === 'S-1-5-18';
  const child = world.startProcess(host, program, program.commandLine(r), account.name);
  const machine = host.name.slice(0, host.name.indexOf('.'));
  const values = [
    account.sid, system ? `${machine}$` : account.name.slice(account.name.indexOf('\\') + 1), system ? NETBIOS : account.name.slice(0, account.name.indexOf('\\')),
    world.logonId(host, account.name), child.pid, program.path, r.pick(['%%1936', '%%1937', '%%1938']), parent.pid, child.commandLine,
    'S-1-0-0', '-', '-', 0, parent.image, system ? 'S-1-16-16384' : r.pick(['S-1-16-12288', 'S-1-16-8192']),
  ];
  return world.event(host, SECURITY_4688, 'background', values, time);
}
