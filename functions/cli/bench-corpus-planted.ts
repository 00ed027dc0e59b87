/**
 * What the benchmark corpus plants for the rule (ESCU "Windows IIS Components Add New Module"): true positives — Sysmon
 * EID 1 of appcmd.exe (mixed case, System32 and SysWOW64) running the Atomic Red Team T1505.004 command or a variant,
 * with `install `, `module ` and `image` — and decoys that each miss the rule in exactly one way.
 */
import { APPCMD, APPCMD_PATHS, CMD, CONHOST, EXCLUDED_PARENTS, IIS_ADMINS, POWERSHELL } from './bench-corpus-catalog.ts';
import { processCreate } from './bench-corpus-process-create.ts';
import type { SeededRandom } from './bench-corpus-random.ts';
import type { CorpusEvent, DecoyKind } from './bench-corpus-shapes.ts';
import { SYSMON_11 } from './bench-corpus-shapes.ts';
import type { CorpusWorld, Host, RunningProcess } from './bench-corpus-world.ts';
import { utcTime } from './bench-corpus-world.ts';

/** A true positive's process: what repeated launches (same PID, parent, command line) keep. */
export interface PlantedLaunch {
  host: Host;
  image: string;
  commandLine: string;
  user: string;
  parent: RunningProcess;
  pid: number;
}

/** The Atomic Red Team T1505.004 test #1 command, as the rule's reference runs it. */
export const ART_COMMAND =
  '%windir%\\system32\\inetsrv\\appcmd.exe install module /name:DefaultDocumentModule_Atomic /image:%windir%\\system32\\inetsrv\\defdoc.dll';

function moduleDll(r: SeededRandom): string {
  const folder = r.pick(['C:\\Windows\\Temp\\', 'C:\\inetpub\\wwwroot\\bin\\', 'C:\\ProgramData\\IIS\\', '%windir%\\System32\\inetsrv\\', 'C:\\inetpub\\modules\\R&D\\']);
  return folder + r.pick(['iisext.dll', 'HttpHelper.dll', 'cachsvc.dll', 'urlrw64.dll', 'defdoc.dll']);
}

/** How the command line names appcmd: its full path, quoted or not, or just its name. */
function appcmdToken(r: SeededRandom, image: string): string {
  return r.pick([image, `"${image}"`, 'appcmd.exe', 'appcmd', 'APPCMD.EXE', '%windir%\\system32\\inetsrv\\appcmd.exe']);
}

/** A command line the rule matches: `install ` or `module `, and `image`, in any case. */
function installModuleCommand(r: SeededRandom, image: string): string {
  const exe = appcmdToken(r, image);
  const name = r.pick(['IsapiFilterModule2', 'HttpLoggingExt', 'CacheHelper', 'UrlRewriteHelper', 'DefaultDocumentModule_Atomic']);
  const dll = moduleDll(r);
  switch (r.int(5)) {
    case 0:
      return ART_COMMAND;
    case 1:
      return `${exe} install module /name:${name} /image:${dll}`;
    case 2:
      return `${exe} install module /name:"${name}" /image:"${dll}" /add:true`;
    case 3:
      return `${exe.toUpperCase()} INSTALL MODULE /NAME:${name.toUpperCase()} /IMAGE:${dll.toUpperCase()}`;
    default:
      return `${exe}  install   module /image:${dll} /name:${name}`;
  }
}

/** The shell a true positive or decoy ran from (ART runs under command_prompt; admins also use PowerShell). */
function adminShell(world: CorpusWorld, host: Host, user: string): RunningProcess {
  const r = world.random;
  const powershell = r.chance(0.35);
  const program = powershell ? POWERSHELL : CMD;
  const commandLine = powershell
    ? 'powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\ProgramData\\Deploy\\iis-modules.ps1'
    : r.pick(['"C:\\Windows\\system32\\cmd.exe"', 'C:\\Windows\\system32\\cmd.exe /c C:\\ProgramData\\Deploy\\iis-modules.cmd']);
  return world.startProcess(host, program, commandLine, user);
}

/** A new true-positive launch on one of the IIS servers (its first event is `launchEvent(world, launch)`). */
export function plantLaunch(world: CorpusWorld): PlantedLaunch {
  const r = world.random;
  const host = r.pick(world.iisHosts);
  const image = r.pick(APPCMD_PATHS);
  const user = r.pick(IIS_ADMINS);
  return { host, image, commandLine: installModuleCommand(r, image), user, parent: adminShell(world, host, user), pid: 4 * (100 + r.int(9000)) };
}

/** One EID 1 event of a planted launch; called again for a repetition (new GUID and time, same PID and command line). */
export function launchEvent(world: CorpusWorld, launch: PlantedLaunch): CorpusEvent {
  return processCreate(world, launch.host, 'true-positive', {
    image: launch.image,
    version: APPCMD,
    commandLine: launch.commandLine,
    user: launch.user,
    parent: launch.parent,
    pid: launch.pid,
    currentDirectory: 'C:\\Windows\\system32\\inetsrv\\',
  });
}

/** One decoy of `kind`. */
export function decoyEvent(world: CorpusWorld, host: Host, kind: DecoyKind): CorpusEvent {
  const r = world.random;
  const image = r.pick(APPCMD_PATHS);
  const user = r.pick(IIS_ADMINS);
  const appcmd = { image, version: APPCMD, user };
  switch (kind) {
    case 'appcmd-other-verb': {
      const exe = appcmdToken(r, image);
      const commandLine = r.pick([
        `${exe} list site /state:Started`,
        `${exe} list modules /app.name:"Default Web Site/"`,
        `${exe} set config "Default Web Site" -section:system.webServer/httpLogging /dontLog:False /commit:apphost`,
        `${exe} set config -section:system.webServer/globalModules /+[name='CacheHelper',image='C:\\inetpub\\bin\\cachehlp.dll']`,
        `${exe} recycle apppool /apppool.name:"DefaultAppPool"`,
        `${exe} add backup "pre-patch-${r.lowerHex(6)}"`,
      ]);
      return processCreate(world, host, kind, { ...appcmd, commandLine, parent: adminShell(world, host, user) });
    }
    case 'appcmd-install-without-image':
      return processCreate(world, host, kind, {
        ...appcmd,
        commandLine: `${appcmdToken(r, image)} install module /name:${r.pick(['DefaultDocumentModule', 'StaticCompressionModule', 'WebDAVModule'])}`,
        parent: adminShell(world, host, user),
      });
    case 'appcmd-in-wrapper-command': {
      const powershell = r.chance(0.5);
      return processCreate(world, host, kind, {
        image: powershell ? POWERSHELL.path : CMD.path,
        version: powershell ? POWERSHELL : CMD,
        commandLine: powershell
          ? `powershell.exe -NoProfile -Command "Select-String -Path C:\\Logs\\iis-changes.log -Pattern 'appcmd.exe install module /image:'"`
          : `C:\\Windows\\system32\\cmd.exe /c "echo appcmd install module /name:Test /image:C:\\Temp\\x.dll >> C:\\Logs\\change-notes.txt"`,
        user,
        parent: world.parentProcess(host),
      });
    }
    case 'appcmd-as-parent': {
      const parent = world.startProcess(host, { path: image }, installModuleCommand(r, image), user);
      return processCreate(world, host, kind, { image: CONHOST.path, version: CONHOST, commandLine: CONHOST.commandLine(r), user, parent });
    }
    case 'appcmd-in-file-name': {
      const time = world.tick();
      const editor = world.startProcess(host, { path: 'C:\\Windows\\System32\\notepad.exe' }, 'notepad.exe', user);
      const values = [
        '-', utcTime(time.timeMs), editor.guid, editor.pid, editor.image,
        `C:\\Users\\adm.okafor\\Documents\\runbooks\\appcmd install module image notes ${r.lowerHex(4)}.txt`, utcTime(time.timeMs), user,
      ];
      return world.event(host, SYSMON_11, kind, values, time);
    }
    case 'excluded-parent': {
      const installer = r.pick(EXCLUDED_PARENTS);
      const parent = world.startProcess(host, { path: installer }, `${installer} /V`, 'NT AUTHORITY\\SYSTEM');
      return processCreate(world, host, kind, { ...appcmd, commandLine: installModuleCommand(r, image), parent });
    }
  }
}
