/**
 * Flight Control (MSSP): the child CIDs of a parent CID. Routes, parameters and answer shapes from
 * falconpy src/falconpy/_endpoint/_mssp.py (queryChildren, getChildren), gofalcon
 * falcon/client/mssp/query_children_responses.go (msaspec.QueryResponse: ids) and
 * get_children_responses.go (domain.ChildrenResponseV1 of domain.ChildLink: checksum, child_cid,
 * child_of, domains, name, status; falcon/models/domain_child_link.go); scope `mssp:read` from the
 * PSFalcon endpoint definitions ("security = mssp:read"). A child run's token is then requested with
 * `member_cid` = that child (docs/tenants.md).
 */
import type { OperationSpec } from './types.ts';

const SOURCE =
  'falconpy _endpoint/_mssp.py; gofalcon falcon/client/mssp/{query,get}_children_responses.go, falcon/models/domain_child_link.go';

/** MSSP (Flight Control) operations Talon uses: listing a parent's children. */
export const MSSP_OPERATIONS: readonly OperationSpec[] = [
  {
    operationId: 'queryChildren',
    pep8: 'query_children',
    collection: 'mssp',
    method: 'GET',
    path: '/mssp/queries/children/v1',
    scope: 'mssp:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [
      {
        name: 'sort',
        in: 'query',
        type: 'string',
        description: 'The sort expression (last_modified_timestamp|desc by default).',
      },
      { name: 'offset', in: 'query', type: 'integer', minimum: 0, description: 'Starting index.' },
      // falconpy: default 10. The SDKs state no maximum: 1000 is Talon's (and the emulator's) cap.
      {
        name: 'limit',
        in: 'query',
        type: 'integer',
        minimum: 1,
        maximum: 1000,
        description: 'Number of ids to return.',
      },
    ],
    bodyShape: 'none',
    pagination: 'offset',
    limit: { min: 1, max: 1000, default: 10 },
    resources: 'ids',
    summary: 'Query for customers linked as children (child CIDs).',
    source: SOURCE,
  },
  {
    operationId: 'getChildren',
    pep8: 'get_children',
    collection: 'mssp',
    method: 'GET',
    path: '/mssp/entities/children/v1',
    scope: 'mssp:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [
      {
        name: 'ids',
        in: 'query',
        type: 'string[]',
        required: true,
        description: 'CID of a child customer (repeat for several).',
      },
    ],
    bodyShape: 'none',
    pagination: 'none',
    resources: 'entities',
    summary: 'Get the link to child customers by child CID: child_cid, child_of, name, status, domains.',
    source: SOURCE,
  },
];
