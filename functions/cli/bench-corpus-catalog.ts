/**
 * What the benchmark corpus's hosts run: programs with their version resources and typical command lines, parents,
 * DLLs, registry keys and DNS names. Invented for this project, modelled on what Sysmon logs from Windows 10/Server
 * fleets look like (long browser and PowerShell command lines, WinSxS and NativeImages paths, CallTraces).
 */
import type { SeededRandom } from './bench-corpus-random.ts';

/** A program: its path and the version-resource fields Sysmon copies, plus a command-line maker. */
export interface Program {
  path: string;
  originalFileName: string;
  description: string;
  product: string;
  company: string;
  fileVersion: string;
  commandLine: (r: SeededRandom) => string;
}

/** The corporate DNS suffix of every host. */
export const DOMAIN = 'corp.example.net';
/** The NetBIOS domain in `DOMAIN\user` names. */
export const NETBIOS = 'CORP';

const SYS32 = 'C:\\Windows\\System32\\';
const MS = 'Microsoft Corporation';
const WINDOWS = 'Microsoft® Windows® Operating System';

function windows(name: string, originalFileName: string, description: string, fileVersion: string, commandLine: Program['commandLine']): Program {
  return { path: SYS32 + name, originalFileName, description, product: WINDOWS, company: MS, fileVersion, commandLine };
}

const chromeRenderer = (r: SeededRandom): string =>
  `"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer --lang=en-US --device-scale-factor=1.25 ` +
  `--num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id=${5 + r.int(500)} ` +
  `--time-ticks-at-unix-epoch=-${1_715_000_000_000_000 + r.int(1e9)} --launch-time-ticks=${r.int(1e11)} ` +
  `--field-trial-handle=${1800 + r.int(400)},i,${r.u32()}${r.u32()},${r.u32()}${r.u32()},262144 ` +
  `--enable-features=WinUseBrowserSpellChecker --disable-features=CalculateNativeWinOcclusion,HardwareMediaKeyHandling ` +
  `--variations-seed-version=20240513-${String(r.int(1e6)).padStart(6, '0')}.${String(r.int(1e5)).padStart(5, '0')} ` +
  `--mojo-platform-channel-handle=${3000 + r.int(6000)} /prefetch:1`;

const powershell = (r: SeededRandom): string =>
  r.chance(0.45)
    ? `"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ${r.base64(4 * (80 + r.int(240)))}`
    : `powershell.exe -NoLogo -NoProfile -Command "& {Get-CimInstance -ClassName Win32_LogicalDisk -Filter 'DriveType=3' | ` +
      `Select-Object DeviceID, Size, FreeSpace | ConvertTo-Json -Compress | Set-Content -Encoding utf8 'C:\\ProgramData\\Agent\\cache\\disk-${r.lowerHex(8)}.json'}"`;

/** Programs seen running on every host (their processes fill the per-host process tables). */
export const PROGRAMS: readonly Program[] = [
  windows('svchost.exe', 'svchost.exe', 'Host Process for Windows Services', '10.0.19041.4355 (WinBuild.160101.0800)', (r) =>
    `C:\\Windows\\system32\\svchost.exe -k ${r.pick(['netsvcs', 'LocalService', 'DcomLaunch', 'LocalServiceNetworkRestricted', 'UnistackSvcGroup'])} -p -s ${r.pick(['Schedule', 'BITS', 'wuauserv', 'Dnscache', 'EventLog', 'gpsvc', 'CDPSvc'])}`),
  windows('conhost.exe', 'CONHOST.EXE', 'Console Window Host', '10.0.19041.3636 (WinBuild.160101.0800)', () =>
    '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1'),
  windows('cmd.exe', 'Cmd.Exe', 'Windows Command Processor', '10.0.19041.4355 (WinBuild.160101.0800)', (r) =>
    `C:\\Windows\\system32\\cmd.exe /c ${r.pick([
      '"C:\\ProgramData\\Agent\\scripts\\collect-inventory.cmd"',
      'ipconfig /all > "%TEMP%\\ipconfig.txt" 2>&1',
      'echo %DATE% %TIME% >> C:\\Logs\\heartbeat.log && exit /b 0',
      'robocopy "D:\\Shares\\Finance" "\\\\nas02\\backup\\Finance" /MIR /R:2 /W:5 /NP /LOG+:C:\\Logs\\robocopy.log',
    ])}`),
  windows('WindowsPowerShell\\v1.0\\powershell.exe', 'PowerShell.EXE', 'Windows PowerShell', '10.0.19041.3996 (WinBuild.160101.0800)', powershell),
  {
    path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', originalFileName: 'chrome.exe', description: 'Google Chrome',
    product: 'Google Chrome', company: 'Google LLC', fileVersion: '124.0.6367.208', commandLine: chromeRenderer,
  },
  {
    path: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', originalFileName: 'msedge.exe', description: 'Microsoft Edge',
    product: 'Microsoft Edge', company: MS, fileVersion: '124.0.2478.105', commandLine: (r) =>
      `"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --type=utility --utility-sub-type=network.mojom.NetworkService ` +
      `--lang=en-US --service-sandbox-type=none --field-trial-handle=${2000 + r.int(300)},i,${r.u32()},${r.u32()},262144 ` +
      `--variations-seed-version --mojo-platform-channel-handle=${2000 + r.int(3000)} /prefetch:11`,
  },
  windows('wbem\\WmiPrvSE.exe', 'Wmiprvse.exe', 'WMI Provider Host', '10.0.19041.3636 (WinBuild.160101.0800)', () =>
    'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding'),
  windows('taskhostw.exe', 'taskhostw.exe', 'Host Process for Windows Tasks', '10.0.19041.4123 (WinBuild.160101.0800)', (r) =>
    `taskhostw.exe ${r.pick(['KEYROAMING', 'SYSTEM', 'Install $(Arg0)', '-RegisterDevice -ProtectionStateChanged -FreeNetworkOnly'])}`),
  {
    path: 'C:\\Program Files\\Git\\mingw64\\bin\\git.exe', originalFileName: 'git.exe', description: 'Git for Windows', product: 'Git',
    company: 'The Git Development Community', fileVersion: '2.45.1.windows.1', commandLine: (r) =>
      `"C:\\Program Files\\Git\\mingw64\\bin\\git.exe" -c core.quotepath=false -c color.ui=false log --format=%H%x00%an%x00%at%x00%s -n 100 --no-show-signature -- "src/handlers/${r.lowerHex(6)}.ts"`,
  },
  {
    path: 'C:\\Program Files\\nodejs\\node.exe', originalFileName: 'node.exe', description: 'Node.js JavaScript Runtime', product: 'Node.js',
    company: 'Node.js', fileVersion: '20.13.1', commandLine: (r) =>
      `"C:\\Program Files\\nodejs\\node.exe" "C:\\Users\\s.tanaka\\AppData\\Roaming\\npm\\node_modules\\typescript\\lib\\tsserver.js" ` +
      `--serverMode partialSemantic --useInferredProjectPerProjectRoot --disableAutomaticTypingAcquisition ` +
      `--cancellationPipeName "C:\\Users\\s.tanaka\\AppData\\Local\\Temp\\${r.lowerHex(32)}\\tscancellation*" --locale en --validateDefaultNpmLocation --useNodeIpc`,
  },
  {
    path: 'C:\\Program Files\\Eclipse Adoptium\\jdk-17.0.11.9-hotspot\\bin\\java.exe', originalFileName: 'java.exe',
    description: 'OpenJDK Platform binary', product: 'OpenJDK Platform 17.0.11', company: 'Eclipse Adoptium', fileVersion: '17.0.11.0',
    commandLine: (r) =>
      `"C:\\Program Files\\Eclipse Adoptium\\jdk-17.0.11.9-hotspot\\bin\\java.exe" -Xms512m -Xmx4g -XX:+UseG1GC -Dfile.encoding=UTF-8 ` +
      `-Dlog4j2.formatMsgNoLookups=true -cp "C:\\apps\\billing\\lib\\*;C:\\apps\\billing\\conf" net.example.billing.Server --port ${8080 + r.int(20)} ` +
      `--config "C:\\apps\\billing\\conf\\instance-${r.lowerHex(4)}.yaml"`,
  },
  windows('inetsrv\\w3wp.exe', 'w3wp.exe', 'IIS Worker Process', '10.0.17763.1 (WinBuild.160101.0800)', (r) =>
    `c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "${r.pick(['DefaultAppPool', 'PortalPool', 'ApiPool'])}" -v "v4.0" -l "webengine4.dll" ` +
    `-a \\\\.\\pipe\\iisipm${r.lowerHex(8)}-${r.lowerHex(4)}-${r.lowerHex(4)}-${r.lowerHex(4)}-${r.lowerHex(12)} ` +
    `-h "C:\\inetpub\\temp\\apppools\\DefaultAppPool\\DefaultAppPool.config" -w "" -m 0 -t 20 -ta 0`),
  windows('reg.exe', 'reg.exe', 'Registry Console Tool', '10.0.19041.1 (WinBuild.160101.0800)', (r) =>
    `reg.exe query "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion" /v ${r.pick(['ProductName', 'CurrentBuild', 'UBR', 'DisplayVersion'])}`),
  windows('rundll32.exe', 'RUNDLL32.EXE', 'Windows host process (Rundll32)', '10.0.19041.3636 (WinBuild.160101.0800)', (r) =>
    `C:\\Windows\\system32\\rundll32.exe ${r.pick([
      'C:\\Windows\\System32\\shell32.dll,SHCreateLocalServerRunDll {9aa46009-3ce0-458a-a354-715610a075e6} -Embedding',
      'Windows.Storage.ApplicationData.dll,CleanupTemporaryState',
      'C:\\Windows\\system32\\PcaSvc.dll,PcaPatchSdbTask',
    ])}`),
  {
    path: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', originalFileName: 'Outlook.exe', description: 'Microsoft Outlook',
    product: 'Microsoft Office', company: MS, fileVersion: '16.0.17531.20152', commandLine: () =>
      '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE" /recycle',
  },
  {
    path: 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24040.4-0\\MsMpEng.exe', originalFileName: 'MsMpEng.exe',
    description: 'Antimalware Service Executable', product: WINDOWS, company: MS, fileVersion: '4.18.24040.4 (WinBuild.160101.0800)',
    commandLine: () => '"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24040.4-0\\MsMpEng.exe"',
  },
];

/** Index of cmd.exe and powershell.exe in PROGRAMS (wrapper decoys and the true positives' parents). */
export const CMD = PROGRAMS[2] as Program;
export const POWERSHELL = PROGRAMS[3] as Program;
/** conhost.exe: the child of an appcmd parent in the parent-only decoy. */
export const CONHOST = PROGRAMS[1] as Program;

/** Parents of newly created processes that are not in the host's table (service control manager, shell, scheduler). */
export const LAUNCHERS: ReadonlyArray<{ path: string; commandLine: string }> = [
  { path: `${SYS32}services.exe`, commandLine: 'C:\\Windows\\system32\\services.exe' },
  { path: 'C:\\Windows\\explorer.exe', commandLine: 'C:\\Windows\\Explorer.EXE' },
  { path: `${SYS32}svchost.exe`, commandLine: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule' },
  { path: `${SYS32}userinit.exe`, commandLine: 'C:\\Windows\\system32\\userinit.exe' },
];

/** appcmd.exe paths as they appear in real logs: System32 and SysWOW64, in the case mixes seen. */
export const APPCMD_PATHS: readonly string[] = [
  'C:\\Windows\\System32\\inetsrv\\appcmd.exe',
  'C:\\Windows\\system32\\inetsrv\\APPCMD.EXE',
  'c:\\windows\\system32\\inetsrv\\AppCmd.exe',
  'C:\\Windows\\SysWOW64\\inetsrv\\appcmd.exe',
  'C:\\WINDOWS\\SysWOW64\\inetsrv\\AppCmd.EXE',
];

/** appcmd.exe's version resource. */
export const APPCMD = {
  originalFileName: 'appcmd.exe',
  description: 'Application Server Command Line Admin Tool',
  product: 'Internet Information Services',
  company: MS,
  fileVersion: '10.0.17763.1 (WinBuild.160101.0800)',
} as const;

/** Installers the rule excludes as parents (case varies: the exclusion is case-insensitive). */
export const EXCLUDED_PARENTS: readonly string[] = ['C:\\Windows\\System32\\msiexec.exe', 'C:\\Windows\\System32\\MsiExec.exe', 'C:\\Windows\\System32\\inetsrv\\iissetup.exe'];

/** DLLs in CallTraces and image loads. */
export const DLLS: readonly string[] = [
  'ntdll.dll', 'KERNELBASE.dll', 'kernel32.dll', 'user32.dll', 'combase.dll', 'RPCRT4.dll', 'msvcrt.dll', 'ole32.dll',
  'sechost.dll', 'bcrypt.dll', 'crypt32.dll', 'WINTRUST.dll', 'winhttp.dll', 'ws2_32.dll', 'amsi.dll', 'clr.dll',
  'mscoree.dll', 'DNSAPI.dll', 'IPHLPAPI.DLL', 'uxtheme.dll', 'shell32.dll', 'windows.storage.dll',
];

/** Registry keys that Sysmon EID 13 typically reports (value names appended). */
export const REGISTRY_KEYS: readonly string[] = [
  'HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-21-1004336348-1177238915-682003330-1106\\\\Device\\HarddiskVolume3\\Windows\\System32\\',
  'HKU\\S-1-5-21-1004336348-1177238915-682003330-1106\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.docx\\',
  'HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\',
  'HKLM\\System\\CurrentControlSet\\Services\\W32Time\\Config\\',
  'HKU\\S-1-5-21-1004336348-1177238915-682003330-1106\\Software\\Microsoft\\Office\\16.0\\Common\\Roaming\\Identities\\',
  'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WINEVT\\Publishers\\{5770385f-c22a-43e0-bf4c-06f5698ffbd9}\\',
];

/** DNS names queried (EID 22) and connected to (EID 3). */
export const DNS_NAMES: readonly string[] = [
  'login.microsoftonline.com', 'www.google.com', 'settings-win.data.microsoft.com', 'update.googleapis.com', 'fonts.gstatic.com',
  'outlook.office365.com', 'github.com', 'cdn.contoso.example', 'ctldl.windowsupdate.com', `intranet.${DOMAIN}`, `nas02.${DOMAIN}`,
];

/** Account names (`DOMAIN\name`) and their SIDs, for User fields and Security events. */
export const ACCOUNTS: ReadonlyArray<{ name: string; sid: string }> = [
  { name: 'NT AUTHORITY\\SYSTEM', sid: 'S-1-5-18' },
  { name: 'NT AUTHORITY\\LOCAL SERVICE', sid: 'S-1-5-19' },
  { name: 'NT AUTHORITY\\NETWORK SERVICE', sid: 'S-1-5-20' },
  { name: `${NETBIOS}\\j.mueller`, sid: 'S-1-5-21-1004336348-1177238915-682003330-1106' },
  { name: `${NETBIOS}\\a.okafor`, sid: 'S-1-5-21-1004336348-1177238915-682003330-1143' },
  { name: `${NETBIOS}\\s.tanaka`, sid: 'S-1-5-21-1004336348-1177238915-682003330-1187' },
  { name: `${NETBIOS}\\svc_backup`, sid: 'S-1-5-21-1004336348-1177238915-682003330-1311' },
  { name: `${NETBIOS}\\l.garcia`, sid: 'S-1-5-21-1004336348-1177238915-682003330-1202' },
];

/** Administrators who run appcmd on the IIS servers (true positives and decoys). */
export const IIS_ADMINS: readonly string[] = ['NT AUTHORITY\\SYSTEM', `${NETBIOS}\\svc_iisdeploy`, `${NETBIOS}\\adm.okafor`, `IIS-WEB-03\\Administrator`];
