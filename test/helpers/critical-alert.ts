/** Trigger data for contain-critical-alert-host.yaml found in a seeded world. */
import type { FalconClient } from '../../src/falcon/index.ts';

/** The composite id of a critical, new endpoint alert whose host is not a domain controller. */
export async function criticalAlertPayload(falcon: FalconClient): Promise<{ composite_id: string }> {
  const ids = await falcon.call('GetQueriesAlertsV2', {
    filter: "product:'epp'+severity:>=90+status:'new'",
    limit: 50,
  });
  const alerts = await falcon.call('PostEntitiesAlertsV2', { composite_ids: ids.resources });
  for (const alert of alerts.resources as { composite_id: string; agent_id: string }[]) {
    const [host] = (await falcon.call('PostDeviceDetailsV2', { ids: [alert.agent_id] })).resources as {
      product_type_desc: string;
    }[];
    if (host && host.product_type_desc !== 'Domain Controller') return { composite_id: alert.composite_id };
  }
  throw new Error('the seeded world has no critical new alert on a host that is not a domain controller');
}
