/**
 * Thin per-collection service objects: `client.service('ioc').indicator_create({...})`. Every
 * operation of the collection is a method under its PEP 8 name and its operationId; each method is
 * just `call` with the name filled in, so behaviour (retries, batching limits, errors) is identical.
 */
import type { FalconCallOptions, FalconResult } from '../engine/ports.ts';
import { FalconApiError } from './errors.ts';
import { COLLECTIONS, operationsByCollection } from './operations/index.ts';

/** One operation bound to a client. */
export type ServiceMethod = (
  params?: Record<string, unknown>,
  options?: FalconCallOptions,
) => Promise<FalconResult>;

/** A collection's operations by PEP 8 name and by operationId. */
export type CollectionService = Readonly<Record<string, ServiceMethod>>;

/** Anything with FalconClient's call. */
interface Caller {
  call(
    operation: string,
    params?: Record<string, unknown>,
    options?: FalconCallOptions,
  ): Promise<FalconResult>;
}

/**
 * Builds the service object of `collection` (detects, incidents, ioc, iocs, ods, identity_protection,
 * alerts, cases).
 * @throws FalconApiError SOAR_FALCON_UNKNOWN_OPERATION for an unknown collection.
 */
export function createService(caller: Caller, collection: string): CollectionService {
  if (!COLLECTIONS.includes(collection)) {
    throw new FalconApiError(
      'SOAR_FALCON_UNKNOWN_OPERATION',
      `unknown Falcon collection '${collection}'; known: ${COLLECTIONS.join(', ')}`,
    );
  }
  const service: Record<string, ServiceMethod> = {};
  for (const op of operationsByCollection(collection)) {
    const method: ServiceMethod = (params = {}, options = {}) => caller.call(op.operationId, params, options);
    service[op.pep8] = method;
    service[op.operationId] = method;
  }
  return Object.freeze(service);
}
