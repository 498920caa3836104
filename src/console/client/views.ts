/// <reference lib="dom" />
/**
 * The console's four views. Each draws into `root` and returns a function that stops its refresh
 * timer; views that show changing data poll their JSON endpoint (a run's timeline every second while
 * the run is not finished).
 */
import {
  ApiError,
  type Approval,
  getJson,
  type PlaybookEntry,
  postJson,
  type Run,
  type Step,
} from './api.ts';
import { badge, type Child, duration, el, fill, time } from './dom.ts';

export type Stop = () => void;

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
const STATUSES = ['', 'queued', 'running', 'waiting', 'retrying', 'succeeded', 'failed', 'cancelled'];
const TRIGGERS = ['', 'manual', 'cron', 'webhook', 'poll', 'stream'];
const PAGE = 50;

/** Polls `load` every `everyMs` until stopped or `load` says it is done (returns false). */
function poll(load: () => Promise<boolean>, everyMs: number): Stop {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    let again = true;
    try {
      again = await load();
    } catch {
      again = true;
    }
    if (!stopped && again) timer = setTimeout(tick, everyMs);
  };
  void tick();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}

function errorBox(error: unknown): HTMLElement {
  if (error instanceof ApiError) {
    return el('p', { class: 'error', role: 'alert' }, `${error.status} ${error.code}: ${error.message}`);
  }
  return el('p', { class: 'error', role: 'alert' }, String(error));
}

function select(name: string, options: readonly string[], value: string): HTMLElement {
  return el(
    'select',
    { name, id: `f-${name}` },
    ...options.map((o) => el('option', { value: o, selected: o === value }, o === '' ? 'any' : o)),
  );
}

const toLocalInput = (ms: string | null): string =>
  ms ? new Date(Number(ms)).toISOString().slice(0, 16) : '';

/** #/runs?playbook=&status=&trigger=&from=&to=&offset= */
export function runsView(root: HTMLElement, query: URLSearchParams): Stop {
  const form = el(
    'form',
    { class: 'filters', id: 'run-filters' },
    el('label', {}, 'Playbook ', el('input', { name: 'playbook', value: query.get('playbook') ?? '' })),
    el('label', {}, 'Status ', select('status', STATUSES, query.get('status') ?? '')),
    el('label', {}, 'Trigger ', select('trigger', TRIGGERS, query.get('trigger') ?? '')),
    el(
      'label',
      {},
      'From (UTC) ',
      el('input', { name: 'from', type: 'datetime-local', value: toLocalInput(query.get('from')) }),
    ),
    el(
      'label',
      {},
      'To (UTC) ',
      el('input', { name: 'to', type: 'datetime-local', value: toLocalInput(query.get('to')) }),
    ),
    el('button', { type: 'submit' }, 'Filter'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form as HTMLFormElement);
    const next = new URLSearchParams();
    for (const name of ['playbook', 'status', 'trigger']) {
      const value = String(data.get(name) ?? '');
      if (value !== '') next.set(name, value);
    }
    for (const name of ['from', 'to']) {
      const value = String(data.get(name) ?? '');
      if (value !== '') next.set(name, String(Date.parse(`${value}:00Z`)));
    }
    window.location.hash = `#/runs?${next.toString()}`;
  });
  const table = el('div', { id: 'runs' }, 'Loading...');
  fill(root, el('h1', {}, 'Runs'), form, table);
  const offset = Number(query.get('offset') ?? 0);
  const api = new URLSearchParams(query);
  api.set('limit', String(PAGE));
  return poll(async () => {
    try {
      const page = await getJson<{ runs: Run[]; nextOffset: number | null }>(`/console/api/runs?${api}`);
      fill(table, runTable(page.runs), pager(query, offset, page.nextOffset));
    } catch (error) {
      fill(table, errorBox(error));
    }
    return true;
  }, 3000);
}

function runTable(runs: readonly Run[]): HTMLElement {
  if (runs.length === 0) return el('p', { class: 'empty' }, 'No runs match.');
  const head = el(
    'tr',
    {},
    ...['Run', 'Playbook', 'Status', 'Trigger', 'Enqueued', 'Duration', 'Attempts', 'Error'].map((h) =>
      el('th', {}, h),
    ),
  );
  const rows = runs.map((r) =>
    el(
      'tr',
      { 'data-run': r.runId },
      el('td', {}, el('a', { href: `#/runs/${encodeURIComponent(r.runId)}` }, r.runId)),
      el('td', {}, r.playbook, r.dryRun ? el('span', { class: 'tag' }, 'dry run') : null),
      el('td', {}, badge(r.status)),
      el('td', {}, `${r.trigger.type} (${r.trigger.source})`),
      el('td', {}, time(r.enqueuedAt)),
      el('td', {}, duration(r.durationMs)),
      el('td', {}, r.attempts),
      el('td', { class: 'error-cell' }, r.error ? `${r.error.code}: ${r.error.message}` : ''),
    ),
  );
  return el('table', { class: 'runs' }, el('thead', {}, head), el('tbody', {}, ...rows));
}

function pager(query: URLSearchParams, offset: number, nextOffset: number | null): HTMLElement {
  const link = (label: string, to: number) => {
    const q = new URLSearchParams(query);
    q.set('offset', String(to));
    return el('a', { href: `#/runs?${q}`, class: 'button' }, label);
  };
  return el(
    'p',
    { class: 'pager' },
    offset > 0 ? link('Newer', Math.max(0, offset - PAGE)) : null,
    ` runs ${offset + 1}- `,
    nextOffset !== null ? link('Older', nextOffset) : null,
  );
}

/** #/runs/<id>: the run and its steps as a timeline, refreshed every second until it finishes. */
export function runView(root: HTMLElement, runId: string): Stop {
  const body = el('div', { id: 'run' }, 'Loading...');
  fill(root, el('p', {}, el('a', { href: '#/runs' }, 'All runs')), body);
  return poll(async () => {
    try {
      const run = await getJson<Run>(`/runs/${encodeURIComponent(runId)}`);
      fill(body, ...runDetail(run));
      return !FINISHED.has(run.status);
    } catch (error) {
      fill(body, errorBox(error));
      return !(error instanceof ApiError && error.status === 404);
    }
  }, 1000);
}

function runDetail(run: Run): Child[] {
  const facts: [string, Child][] = [
    ['Status', badge(run.status)],
    ['Playbook', `${run.playbook} (${run.file})`],
    ['Trigger', `${run.trigger.type} (${run.trigger.source})`],
    ['Enqueued', time(run.enqueuedAt)],
    ['Started', time(run.startedAt)],
    ['Finished', time(run.finishedAt)],
    ['Duration', duration(run.durationMs)],
    ['Attempts', run.attempts],
    ['API calls', run.apiCalls ?? 0],
  ];
  if (run.waitingFor) {
    facts.push([
      'Waiting for',
      el(
        'span',
        {},
        `approval at step ${run.waitingFor.step} until ${time(run.waitingFor.until)} `,
        el('a', { href: '#/approvals' }, 'decide'),
      ),
    ]);
  }
  return [
    el(
      'h1',
      {},
      'Run ',
      el('code', {}, run.runId),
      run.dryRun ? el('span', { class: 'tag' }, 'dry run') : null,
    ),
    el('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
    run.error ? el('p', { class: 'error' }, `${run.error.code}: ${run.error.message}`) : null,
    el('h2', {}, 'Steps'),
    timeline(run),
    run.dryRun ? el('h2', {}, 'Dry-run plan') : null,
    run.dryRun ? el('pre', { class: 'plan' }, JSON.stringify(run.outputs ?? {}, null, 2)) : null,
    run.inputs && Object.keys(run.inputs).length > 0 ? el('h2', {}, 'Inputs') : null,
    run.inputs && Object.keys(run.inputs).length > 0
      ? el('pre', {}, JSON.stringify(run.inputs, null, 2))
      : null,
  ];
}

/** One row per step: a bar placed by its start and length within the run, then its numbers. */
function timeline(run: Run): HTMLElement {
  const steps = run.steps ?? [];
  if (steps.length === 0) return el('p', { class: 'empty' }, 'No step has started yet.');
  const start = run.startedAt ?? Math.min(...steps.map((s) => s.startedAt ?? Number.POSITIVE_INFINITY));
  const end = Math.max(
    run.finishedAt ?? Date.now(),
    ...steps.map((s) => s.finishedAt ?? s.startedAt ?? 0),
    start + 1,
  );
  const span = end - start;
  return el('ol', { class: 'timeline' }, ...steps.map((s) => stepRow(s, start, span)));
}

function stepRow(step: Step, start: number, span: number): HTMLElement {
  const from = step.startedAt === null ? 0 : ((step.startedAt - start) / span) * 100;
  const length =
    step.startedAt === null ? 0 : (((step.finishedAt ?? Date.now()) - step.startedAt) / span) * 100;
  const bar = el('div', { class: `bar status-${step.status.replace(/[^a-z_]/g, '')}` });
  // Inline style attributes are refused by the CSP (style-src 'self'): position through CSSOM.
  bar.style.marginLeft = `${Math.max(0, Math.min(100, from)).toFixed(2)}%`;
  bar.style.width = `${Math.max(0.5, Math.min(100, length)).toFixed(2)}%`;
  return el(
    'li',
    { 'data-step': step.id, 'data-status': step.status },
    el(
      'div',
      { class: 'step-head' },
      el('strong', {}, step.id),
      ' ',
      badge(step.status),
      step.resumed ? el('span', { class: 'tag' }, 'from checkpoint') : null,
    ),
    el('div', { class: 'track' }, bar),
    el(
      'div',
      { class: 'step-facts' },
      `duration ${duration(step.durationMs)} · attempts ${step.attempts} · API calls ${step.apiCalls}`,
      step.targets !== null ? ` · targets ${step.targets}` : '',
      ` · started ${time(step.startedAt)}`,
    ),
    step.error ? el('p', { class: 'error' }, `${step.error.code}: ${step.error.message}`) : null,
    step.notes && step.notes.length > 0
      ? el('ul', { class: 'notes' }, ...step.notes.map((n) => el('li', {}, n)))
      : null,
  );
}

/** #/approvals: open approvals with a form to decide each (the server checks the operator role). */
export function approvalsView(root: HTMLElement): Stop {
  const list = el('div', { id: 'approvals' }, 'Loading...');
  fill(root, el('h1', {}, 'Approvals waiting for a decision'), list);
  let busy = false;
  return poll(async () => {
    // Do not redraw under someone typing a reason.
    if (busy || list.contains(document.activeElement)) return true;
    try {
      const { approvals } = await getJson<{ approvals: Approval[] }>('/approvals');
      fill(
        list,
        approvals.length === 0
          ? el('p', { class: 'empty' }, 'Nothing waits for a decision.')
          : el('div', {}, ...approvals.map((a) => approvalCard(a, (b) => (busy = b)))),
      );
    } catch (error) {
      fill(list, errorBox(error));
    }
    return true;
  }, 3000);
}

function approvalCard(approval: Approval, setBusy: (busy: boolean) => void): HTMLElement {
  const outcome = el('div', { class: 'outcome' });
  const reason = el('textarea', {
    name: 'reason',
    rows: '2',
    required: approval.requireReason,
    'aria-label': 'reason',
  }) as HTMLTextAreaElement;
  const decide = async (choice: string) => {
    if (approval.requireReason && reason.value.trim() === '') {
      fill(outcome, el('p', { class: 'error', role: 'alert' }, 'This approval needs a reason.'));
      return;
    }
    setBusy(true);
    try {
      const path = `/approvals/${encodeURIComponent(approval.runId)}/${encodeURIComponent(approval.stepId)}`;
      const record = await postJson<Approval>(path, {
        choice,
        reason: reason.value.trim() === '' ? null : reason.value,
      });
      fill(
        outcome,
        el(
          'p',
          { class: 'ok', role: 'status' },
          record.status === 'open'
            ? `Recorded: ${choice}. Waiting for more approvers.`
            : `Recorded: ${choice}. The run goes on.`,
        ),
      );
    } catch (error) {
      fill(outcome, errorBox(error));
    } finally {
      setBusy(false);
    }
  };
  const buttons = approval.choices.map((choice) => {
    const button = el('button', { type: 'button', 'data-choice': choice }, choice);
    button.addEventListener('click', () => void decide(choice));
    return button;
  });
  return el(
    'section',
    { class: 'approval', 'data-run': approval.runId, 'data-step': approval.stepId },
    el(
      'h2',
      {},
      approval.playbook,
      ' · ',
      el('a', { href: `#/runs/${encodeURIComponent(approval.runId)}` }, approval.runId),
      ` · step ${approval.stepId}`,
    ),
    el('p', { class: 'prompt' }, approval.prompt),
    el(
      'p',
      { class: 'meta' },
      `approvers: ${approval.approvers.join(', ')} · needs ${approval.minApprovals} · votes ${approval.votes.length} · open until ${time(approval.deadline)}`,
    ),
    el('label', {}, approval.requireReason ? 'Reason (required)' : 'Reason (optional)', el('br'), reason),
    el('p', { class: 'choices' }, ...buttons),
    outcome,
  );
}

/** #/playbooks: what the server loaded, each file's validation result, triggers and next cron times. */
export function playbooksView(root: HTMLElement): Stop {
  const list = el('div', { id: 'playbooks' }, 'Loading...');
  fill(root, el('h1', {}, 'Playbooks'), list);
  return poll(async () => {
    try {
      const { playbooks } = await getJson<{ playbooks: PlaybookEntry[] }>('/console/api/playbooks');
      fill(list, playbookTable(playbooks));
    } catch (error) {
      fill(list, errorBox(error));
    }
    return true;
  }, 30_000);
}

function playbookTable(playbooks: readonly PlaybookEntry[]): HTMLElement {
  if (playbooks.length === 0) return el('p', { class: 'empty' }, 'This server loaded no playbooks.');
  const head = el('tr', {}, ...['Playbook', 'File', 'Validation', 'Triggers'].map((h) => el('th', {}, h)));
  const rows = playbooks.map((p) =>
    el(
      'tr',
      { 'data-file': p.file },
      el(
        'td',
        {},
        p.name === null ? '-' : el('a', { href: `#/runs?playbook=${encodeURIComponent(p.name)}` }, p.name),
        p.description ? el('div', { class: 'meta' }, p.description) : null,
      ),
      el('td', {}, p.file),
      el(
        'td',
        {},
        badge(p.valid ? 'valid' : 'invalid'),
        p.diagnostics.length > 0
          ? el(
              'ul',
              { class: 'diagnostics' },
              ...p.diagnostics.map((d) =>
                el(
                  'li',
                  { class: d.severity },
                  `${d.line}:${d.column} ${d.severity} ${d.code}: ${d.message}`,
                ),
              ),
            )
          : null,
      ),
      el(
        'td',
        {},
        el(
          'ul',
          { class: 'triggers' },
          ...p.triggers.map((t) =>
            el('li', {}, `${t.type}: ${t.detail}`, t.next !== null ? ` · next ${time(t.next)}` : ''),
          ),
        ),
      ),
    ),
  );
  return el('table', { class: 'playbooks' }, el('thead', {}, head), el('tbody', {}, ...rows));
}
