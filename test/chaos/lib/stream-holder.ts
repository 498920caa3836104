/**
 * A scheduler process that only runs the stream trigger (the chaos suite kills it with -9).
 * Argument: JSON {redisUrl, prefix, falconUrl, clientId, clientSecret, playbook, holderId, leaseMs}.
 */
import { createFalconClient } from '../../../src/falcon/index.ts';
import { loadPlaybookFile } from '../../../src/playbook/index.ts';
import { openTalonQueue } from '../../../src/queue/index.ts';
import { Secret } from '../../../src/shared/index.ts';
import { startStreamTrigger } from '../../../src/triggers/index.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as Record<string, string | number>;
const loaded = await loadPlaybookFile(String(config['playbook']));
if (!loaded.playbook) throw new Error('the stream playbook does not compile');
const talon = openTalonQueue({ redisUrl: String(config['redisUrl']), prefix: String(config['prefix']) });
const handle = startStreamTrigger({
  playbooks: [loaded.playbook],
  talon,
  api: createFalconClient({
    baseUrl: String(config['falconUrl']),
    clientId: String(config['clientId']),
    clientSecret: new Secret(String(config['clientSecret'])),
    memberCid: null,
  }),
  tenant: 'chaos',
  holderId: String(config['holderId']),
  leaseMs: Number(config['leaseMs']),
  idleTimeoutMs: 3000,
  backoffBaseMs: 50,
  backoffMaxMs: 500,
});
process.stdout.write('{"msg":"ready"}\n');
process.once('SIGTERM', () => {
  void (async () => {
    await handle?.stop();
    await talon.close();
    process.exit(0);
  })();
});
