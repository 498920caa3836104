/**
 * Real Time Response state of the emulator: sessions (one per caller and host, expiring 10 minutes
 * after the last init or refresh), batches of sessions, executed commands with their output, files
 * uploaded by `get`, and the custom and Falcon scripts runscript can name. Hosts' contents live in
 * rtr-hosts.ts; which hosts exist and whether they are online comes from the device world (devices.ts).
 */
import { RTR_SESSION_TTL_MS } from '../../falcon/operations/rtr.ts';
import { EntityStore, type Entity } from './entity-store.ts';
import { type Platform, type SimHost, buildHost, initialPwd, sha256Of } from './rtr-hosts.ts';
import { SeededRandom } from './random.ts';
import { toIso } from './seed-context.ts';

export type RtrCommandKind = 'read-only' | 'active-responder' | 'admin';

export interface UploadedFile {
  id: string;
  cloud_request_id: string;
  session_id: string;
  name: string;
  sha256: string;
  size: number;
  created_at: string;
  updated_at: string;
  content: string;
}

export interface RtrCommand {
  cloud_request_id: string;
  task_id: string;
  session_id: string;
  aid: string;
  kind: RtrCommandKind;
  base_command: string;
  command_string: string;
  stdout: string;
  stderr: string;
  /** Sent to an offline host: runs when it comes online (the emulator never brings it online). */
  queued: boolean;
  created_at: string;
}

export interface RtrSession {
  id: string;
  device_id: string;
  hostname: string;
  platform: Platform;
  owner: string;
  created_at: string;
  lastPulseMs: number;
  offline_queued: boolean;
  pwd: string;
  commands: string[];
  files: UploadedFile[];
  origin: string;
}

export interface RtrBatch {
  id: string;
  owner: string;
  /** Host id -> session id (empty when the host got no session). */
  hosts: Map<string, string>;
}

export interface BatchGet {
  id: string;
  batchId: string;
  /** Host id -> the get command run there. */
  commands: Map<string, string>;
}

export type ScriptRecord = Entity & { id: string; name: string; content: string };

/** The host facts RTR needs; undefined when no such host exists. */
export interface HostFacts {
  hostname: string;
  platform: Platform;
  online: boolean;
}

const SEED_SALT = 0x7e57;

export class RtrState {
  readonly sessions = new Map<string, RtrSession>();
  /** `owner\nhost id` -> that caller's session on the host (a batch of 10,000 hosts stays linear). */
  private readonly byHost = new Map<string, string>();
  readonly batches = new Map<string, RtrBatch>();
  readonly commands = new Map<string, RtrCommand>();
  readonly batchGets = new Map<string, BatchGet>();
  readonly scripts = new EntityStore<ScriptRecord>({ name: 'scripts', idOf: (s) => s.id });
  readonly falconScripts = new EntityStore<ScriptRecord>({ name: 'falcon-scripts', idOf: (s) => s.id });
  private readonly hosts = new Map<string, SimHost>();
  private rng = new SeededRandom(SEED_SALT);

  /** Forgets every session and host change; seeds the script library. */
  seed(seed: number, anchorMs: number): void {
    for (const map of [this.sessions, this.byHost, this.batches, this.commands, this.batchGets, this.hosts])
      map.clear();
    this.scripts.clear();
    this.falconScripts.clear();
    this.rng = new SeededRandom(seed ^ SEED_SALT);
    const at = toIso(anchorMs - 5 * 86_400_000);
    const script = (
      name: string,
      content: string,
      platform: string[],
      extra: Record<string, unknown> = {},
    ) => ({
      id: this.id(),
      name,
      content,
      platform,
      sha256: sha256Of(content),
      size: Buffer.byteLength(content),
      description: `Seeded script ${name}.`,
      permission_type: 'group',
      created_timestamp: at,
      modified_timestamp: at,
      ...extra,
    });
    this.scripts.put(
      script('collect-triage', 'Get-Process\nGet-NetTCPConnection\nGet-ScheduledTask', ['windows']),
    );
    this.scripts.put(script('linux-triage', 'ps aux\nss -tanp\ncrontab -l', ['linux', 'mac']));
    this.falconScripts.put(script('Get-AutoRuns', 'Get-CimInstance Win32_StartupCommand', ['windows']));
  }

  /** A fresh id from the emulator's deterministic stream. */
  id(): string {
    return this.rng.uuid();
  }

  /** The simulated contents of a host, built on first use. */
  host(aid: string, platform: Platform): SimHost {
    let host = this.hosts.get(aid);
    if (!host) {
      host = buildHost(aid, platform);
      this.hosts.set(aid, host);
    }
    return host;
  }

  /** A session that exists, belongs to `owner` and has not expired; expired ones are dropped. */
  liveSession(id: string, owner: string, nowMs: number): RtrSession | undefined {
    const session = this.sessions.get(id);
    if (!session || session.owner !== owner) return undefined;
    if (nowMs - session.lastPulseMs > RTR_SESSION_TTL_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  /** The caller's live session on a host, if any. */
  sessionOn(aid: string, owner: string, nowMs: number): RtrSession | undefined {
    const id = this.byHost.get(`${owner}\n${aid}`);
    return id === undefined ? undefined : this.liveSession(id, owner, nowMs);
  }

  /** Opens (or refreshes and returns) the caller's session on a host. */
  openSession(aid: string, facts: HostFacts, owner: string, nowMs: number, origin: string): RtrSession {
    const existing = this.sessionOn(aid, owner, nowMs);
    if (existing) {
      existing.lastPulseMs = nowMs;
      existing.offline_queued = !facts.online;
      return existing;
    }
    const session: RtrSession = {
      id: this.id(),
      device_id: aid,
      hostname: facts.hostname,
      platform: facts.platform,
      owner,
      created_at: toIso(nowMs),
      lastPulseMs: nowMs,
      offline_queued: !facts.online,
      pwd: initialPwd(facts.platform),
      commands: [],
      files: [],
      origin,
    };
    this.sessions.set(session.id, session);
    this.byHost.set(`${owner}\n${aid}`, session.id);
    return session;
  }

  /** Script name -> content, for runscript -CloudFile=. */
  scriptLibrary(): Map<string, string> {
    const library = new Map<string, string>();
    for (const store of [this.falconScripts, this.scripts])
      for (const s of store.values()) library.set(s.name, s.content);
    return library;
  }
}
