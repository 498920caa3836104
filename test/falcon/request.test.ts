import { describe, expect, it } from 'vitest';
import { buildRequest, FalconApiError, findOperation, type OperationSpec } from '../../src/falcon/index.ts';

function op(name: string): OperationSpec {
  const found = findOperation(name);
  if (!found) throw new Error(`no operation ${name}`);
  return found;
}

function badParams(fn: () => unknown): FalconApiError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FalconApiError);
    expect((error as FalconApiError).code).toBe('SOAR_FALCON_BAD_PARAMS');
    return error as FalconApiError;
  }
  throw new Error('expected SOAR_FALCON_BAD_PARAMS');
}

describe('buildRequest', () => {
  it('sends query lists as repeated keys, from a list or a comma string', () => {
    const a = buildRequest(op('indicator_get_v1'), { ids: ['a', 'b'] });
    const b = buildRequest(op('indicator_get_v1'), { ids: 'a, b' });
    expect(a.searchParams.toString()).toBe('ids=a&ids=b');
    expect(b.searchParams.toString()).toBe('ids=a&ids=b');
    expect(a.body).toBeUndefined();
    expect(a.method).toBe('GET');
    expect(a.path).toBe('/iocs/entities/indicators/v1');
  });

  it('encodes FQL so + and quotes survive', () => {
    const r = buildRequest(op('QueryDetects'), {
      filter: "status:'new'+max_severity:>=70",
      limit: 50,
      offset: 0,
    });
    expect(r.searchParams.toString()).toBe(
      'filter=status%3A%27new%27%2Bmax_severity%3A%3E%3D70&limit=50&offset=0',
    );
    expect(r.searchParams.get('filter')).toBe("status:'new'+max_severity:>=70");
  });

  it('writes booleans in lower case', () => {
    const r = buildRequest(op('indicator_create_v1'), {
      retrodetects: true,
      ignore_warnings: 'FALSE',
      indicators: [{ type: 'domain', value: 'x.com' }],
    });
    expect(r.searchParams.get('retrodetects')).toBe('true');
    expect(r.searchParams.get('ignore_warnings')).toBe('false');
    expect(r.body).toEqual({ indicators: [{ type: 'domain', value: 'x.com' }] });
  });

  it('builds an ids body for the POST .../GET/v1 reads', () => {
    const r = buildRequest(op('GetDetectSummaries'), { ids: 'ldt:1,ldt:2' });
    expect(r.method).toBe('POST');
    expect(r.body).toEqual({ ids: ['ldt:1', 'ldt:2'] });
    expect([...r.searchParams.keys()]).toEqual([]);
  });

  it('turns action keywords into action_parameters and keeps query flags in the query', () => {
    const r = buildRequest(op('perform_incident_action'), {
      ids: ['inc:1'],
      update_status: '40',
      add_tag: ['a', 'b'],
      unassign: true,
      update_detects: true,
    });
    expect(r.searchParams.toString()).toBe('update_detects=true');
    expect(r.body).toEqual({
      ids: ['inc:1'],
      action_parameters: [
        { name: 'update_status', value: '40' },
        { name: 'add_tag', value: 'a' },
        { name: 'add_tag', value: 'b' },
        { name: 'unassign' },
      ],
    });
  });

  it('appends action keywords to explicit action_parameters on the alerts v3 PATCH', () => {
    const r = buildRequest(op('alerts.update_alerts_v3'), {
      composite_ids: 'c1',
      action_parameters: [{ name: 'append_comment', value: 'seen' }],
      update_status: 'closed',
      include_hidden: false,
    });
    expect(r.searchParams.toString()).toBe('include_hidden=false');
    expect(r.body).toEqual({
      composite_ids: ['c1'],
      action_parameters: [
        { name: 'append_comment', value: 'seen' },
        { name: 'update_status', value: 'closed' },
      ],
    });
  });

  it('wraps aggregate fields in a list where the API wants a list, and not for IOC', () => {
    expect(buildRequest(op('GetAggregateDetects'), { field: 'status', type: 'terms', size: 5 }).body).toEqual(
      [{ field: 'status', type: 'terms', size: 5 }],
    );
    expect(buildRequest(op('aggregate_scans'), { body: { field: 'status', type: 'terms' } }).body).toEqual([
      { field: 'status', type: 'terms' },
    ]);
    const ioc = buildRequest(op('indicator_aggregate_v1'), {
      field: 'type',
      type: 'terms',
      filter: "type:'domain'",
    });
    expect(ioc.body).toEqual({ field: 'type', type: 'terms' });
    expect(ioc.searchParams.get('filter')).toBe("type:'domain'");
  });

  it('passes body and parameters through, keywords overriding parameters', () => {
    const r = buildRequest(op('indicator_search_v1'), {
      parameters: { filter: "type:'md5'", limit: 10 },
      limit: 20,
    });
    expect(r.searchParams.toString()).toBe('filter=type%3A%27md5%27&limit=20');
    const b = buildRequest(op('create_scan'), { body: { hosts: ['h1'], file_paths: ['C:\\'] } });
    expect(b.body).toEqual({ hosts: ['h1'], file_paths: ['C:\\'] });
  });

  it('sends an empty object body when a POST has no fields', () => {
    expect(
      buildRequest(op('GetIndicatorsReport'), { body: { report_format: 'csv', search: {} } }).body,
    ).toEqual({
      report_format: 'csv',
      search: {},
    });
  });

  it('refuses unknown, missing, mistyped and oversized parameters before sending', () => {
    expect(badParams(() => buildRequest(op('QueryDetects'), { fitler: 'x' })).message).toMatch(
      /unknown parameter 'fitler'/,
    );
    expect(badParams(() => buildRequest(op('indicator_get_v1'), {})).message).toMatch(
      /missing required parameter 'ids'/,
    );
    expect(badParams(() => buildRequest(op('QueryDetects'), { limit: 'ten' })).message).toMatch(
      /'limit' must be an integer/,
    );
    expect(badParams(() => buildRequest(op('GetDetectSummaries'), { ids: [] })).message).toMatch(
      /'ids' must not be empty/,
    );
    const many = Array.from({ length: 1001 }, (_, i) => `ldt:${i}`);
    expect(badParams(() => buildRequest(op('GetDetectSummaries'), { ids: many })).message).toMatch(
      /at most 1000.*callBatched/,
    );
    expect(badParams(() => buildRequest(op('QueryDetects'), { body: {} })).message).toMatch(/takes no body/);
    expect(
      badParams(() => buildRequest(op('GetDetectSummaries'), { body: { ids: ['a'] }, ids: ['b'] })).message,
    ).toMatch(/either 'body'/);
    expect(badParams(() => buildRequest(op('schedule_scan'), { schedule: 'weekly' })).message).toMatch(
      /'schedule' must be an object/,
    );
    expect(badParams(() => buildRequest(op('QueryDetects'), { filter: { a: 1 } })).message).toMatch(
      /'filter' must be a string/,
    );
  });
});
