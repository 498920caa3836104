/**
 * What happened: the audit log of every write (so tests and benchmarks can count exactly what a run
 * changed), a bounded log of every request (for contract tests), and counters.
 */

/** One write that changed state. */
export interface AuditEntry {
  seq: number;
  /** RFC 3339 time of the write. */
  at: string;
  operationId: string;
  method: string;
  path: string;
  /** Ids of the entities written (created, updated or deleted). */
  ids: readonly string[];
  clientId: string;
  /** The CID the write acted in: the token's member_cid (an MSSP child), else the client's CID. */
  cid: string;
  /** The response action or sub-action, when the route has several (e.g. `contain`, `hide_host`). */
  action?: string;
}

/** One request as it arrived (no headers: they carry tokens). */
export interface RequestLogEntry {
  seq: number;
  at: string;
  method: string;
  path: string;
  query: Record<string, string[]>;
  /** Parsed JSON body, the form with secrets redacted, or undefined. */
  body: unknown;
  /** Matched operation, or undefined for unknown routes and admin calls. */
  operationId: string | undefined;
  status: number;
  clientId: string | undefined;
  traceId: string;
}

export interface EmulatorStats {
  requests: number;
  byOperation: Record<string, number>;
  byStatus: Record<string, number>;
  /** Answers with status 429 (budget or injected). */
  rateLimited: number;
  writes: number;
}

/** Audit log, request log and counters of one emulator. */
export class Journal {
  private auditLog: AuditEntry[] = [];
  private requestLog: RequestLogEntry[] = [];
  private auditSeq = 0;
  private requestSeq = 0;
  private counters: EmulatorStats = emptyStats();
  private readonly maxRequests: number;

  constructor(maxRequests: number) {
    this.maxRequests = maxRequests;
  }

  audit(entry: Omit<AuditEntry, 'seq'>): void {
    this.auditLog.push({ seq: ++this.auditSeq, ...entry });
    this.counters.writes++;
  }

  request(entry: Omit<RequestLogEntry, 'seq'>): void {
    this.requestLog.push({ seq: ++this.requestSeq, ...entry });
    if (this.requestLog.length > this.maxRequests)
      this.requestLog.splice(0, this.requestLog.length - this.maxRequests);
    const stats = this.counters;
    stats.requests++;
    if (entry.operationId)
      stats.byOperation[entry.operationId] = (stats.byOperation[entry.operationId] ?? 0) + 1;
    stats.byStatus[String(entry.status)] = (stats.byStatus[String(entry.status)] ?? 0) + 1;
    if (entry.status === 429) stats.rateLimited++;
  }

  /** Audit entries, optionally only those after `sinceSeq`. */
  audits(sinceSeq = 0): AuditEntry[] {
    return this.auditLog.filter((e) => e.seq > sinceSeq);
  }

  /** Logged requests, optionally only those after `sinceSeq`. */
  requests(sinceSeq = 0): RequestLogEntry[] {
    return this.requestLog.filter((e) => e.seq > sinceSeq);
  }

  stats(): EmulatorStats {
    return structuredClone(this.counters);
  }

  /** Clears everything (reset). Sequence numbers keep growing so old cursors stay meaningful. */
  clear(): void {
    this.auditLog = [];
    this.requestLog = [];
    this.counters = emptyStats();
  }
}

function emptyStats(): EmulatorStats {
  return { requests: 0, byOperation: {}, byStatus: {}, rateLimited: 0, writes: 0 };
}
