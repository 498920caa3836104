// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * Steps that reach other services, in the engine: one intent and one checkpoint per call, what a
 * crash between the send and the checkpoint means (a notification is sent again, at-least-once; a
 * POST fails the run for a person to check), foreach items, dry runs. The action runner is the real
 * one, posting to a local Slack stand-in; the checkpoint store is the engine's in-memory fake.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActionRunner } from '../../src/actions/index.ts';
import { readSecretSources } from '../../src/config/index.ts';
import { runPlaybook } from '../../src/engine/index.ts';
import { createSecretStore } from '../../src/secrets/index.ts';
import { type StandIn, startSlackStandIn } from '../helpers/service-standins.ts';
import { FakeCheckpointStore, fakeFalcon, manualRun, playbook, ports, step } from './fakes.ts';

let slack: StandIn;
let api: Server;
let apiUrl = '';
let apiPosts = 0;

beforeAll(async () => {
  slack = await startSlackStandIn();
  api = createServer((req, res) => {
    if (req.method === 'POST') apiPosts += 1;
    req.resume();
    req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"t-1"}'));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/tickets`;
});

afterAll(async () => {
  await slack?.close();
  await new Promise((resolve) => api?.close(resolve));
});

function world(store = new FakeCheckpointStore()) {
  const wired = ports(fakeFalcon({}), store);
  wired.ports.actions = createActionRunner({
    secrets: createSecretStore(readSecretSources({ TALON_SECRET_SLACK_HOOK: slack.url })),
    policy: { allowPrivate: true, allowHosts: null },
  });
  return wired;
}

const say = (overrides: Parameters<typeof step>[2] = {}) =>
  step('say', 'notify.slack', {
    action: { kind: 'action', name: 'notify.slack' },
    with: { webhook_url: { $secret: 'SLACK_HOOK' }, text: 'host ${{ item }} contained' },
    ...overrides,
  });
const post = step('ticket', 'http.request', {
  action: { kind: 'action', name: 'http.request' },
  with: { method: 'POST', url: '', json: { title: 'x' } },
});

describe('steps that call other services', () => {
  it('marks an intent, sends, and checkpoints each foreach item', async () => {
    const { ports: p, store } = world();
    const before = slack.received.length;
    const plan = playbook([say({ foreach: { items: '["h-1","h-2"]', concurrency: 1 } })]);
    const result = await runPlaybook(plan, manualRun('run-a'), p);
    expect(result.status).toBe('succeeded');
    expect(slack.received.slice(before).map((r) => (r.body as { text: string }).text)).toEqual([
      'host h-1 contained',
      'host h-2 contained',
    ]);
    expect(store.order).toEqual([
      'intent step:say:item:0:call',
      'save step:say:item:0:call',
      'intent step:say:item:1:call',
      'save step:say:item:1:call',
      'save step:say',
    ]);
  });

  it('after a crash between send and checkpoint, sends a notification again and says so', async () => {
    const store = new FakeCheckpointStore();
    await store.markIntent('run-b', 'step:say:item:0:call', { action: 'notify.slack', at: 1 });
    const { ports: p, events } = world(store);
    const before = slack.received.length;
    const plan = playbook([say({ foreach: { items: '["h-1"]', concurrency: 1 } })]);
    const result = await runPlaybook(plan, manualRun('run-b'), p);
    expect(result.status).toBe('succeeded');
    expect(slack.received.length).toBe(before + 1);
    const record = events.steps.filter((s) => s.id === 'say').at(-1);
    expect(record?.notes?.[0]).toContain('sent again after a crash');
  });

  it('does not send again a call whose checkpoint was saved', async () => {
    const store = new FakeCheckpointStore();
    await store.save('run-c', {
      key: 'step:say:call',
      status: 'succeeded',
      output: { sent: true, status: 200 },
      at: 1,
    });
    const { ports: p } = world(store);
    const before = slack.received.length;
    const result = await runPlaybook(
      playbook([say({ with: { webhook_url: { $secret: 'SLACK_HOOK' } } })]),
      manualRun('run-c'),
      p,
    );
    expect(result.status).toBe('succeeded');
    expect(slack.received.length).toBe(before);
  });

  it('fails a run whose POST may have been sent before a crash, and sends nothing', async () => {
    const store = new FakeCheckpointStore();
    await store.markIntent('run-d', 'step:ticket:call', { action: 'http.request', at: 1 });
    const { ports: p } = world(store);
    apiPosts = 0;
    const plan = playbook([{ ...post, with: { ...post.with, url: apiUrl } }]);
    const result = await runPlaybook(plan, manualRun('run-d'), p);
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('SOAR_ENGINE_UNKNOWN_OUTCOME');
    expect(apiPosts).toBe(0);
    // The same crash with resend_if_unknown: true sends it again.
    const again = playbook([{ ...post, with: { ...post.with, url: apiUrl, resend_if_unknown: true } }]);
    const resent = await runPlaybook(again, manualRun('run-d'), p);
    expect(resent.status).toBe('succeeded');
    expect(apiPosts).toBe(1);
  });

  it('a dry run sends nothing and lists the call', async () => {
    const { ports: p } = world();
    const before = slack.received.length;
    const result = await runPlaybook(
      playbook([say({ with: { webhook_url: { $secret: 'SLACK_HOOK' }, text: 'hi' } })]),
      manualRun('run-e', { dryRun: true }),
      p,
    );
    expect(result.status).toBe('succeeded');
    expect(slack.received.length).toBe(before);
    expect(result.changes).toEqual([
      {
        step: 'say',
        uses: 'notify.slack',
        operation: 'notify.slack',
        targets: 1,
        requests: 1,
        sample: [],
        params: { webhook_url: { $secret: 'SLACK_HOOK' }, text: 'hi' },
        requestParams: [{ webhook_url: { $secret: 'SLACK_HOOK' }, text: 'hi' }],
        placeholders: false,
      },
    ]);
  });

  it('fails the step with SOAR_ENGINE_UNKNOWN_ACTION where no action runner is wired', async () => {
    const { ports: p } = world();
    delete p.actions;
    const result = await runPlaybook(playbook([say()]), manualRun('run-f'), p);
    expect(result.error?.code).toBe('SOAR_ENGINE_UNKNOWN_ACTION');
  });
});
