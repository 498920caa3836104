/**
 * Checks a request against its OperationSpec before the handler runs: required and typed query
 * parameters, enums, the ids cap (§2.6, §9.9), the body shape and its fields. Unknown body fields
 * are rejected (the real API answers 400 for fields it does not know); unknown query parameters
 * are ignored, as SDKs add their own. Every failure is a 400 naming the parameter.
 */
import type { OperationSpec, ParamSpec } from '../../falcon/operations/index.ts';
import type { QueryParams } from './query-params.ts';
import { badRequest } from './reply-error.ts';

/** Throws a 400 FalconReplyError for the first problem found. */
export function validateRequest(op: OperationSpec, query: QueryParams, body: unknown): void {
  for (const param of op.params) if (param.in === 'query') checkQueryParam(param, query);
  if (op.bodyShape === 'object') checkObjectBody(op, body);
  if (op.bodyShape === 'array') checkArrayBody(op, body);
  checkIdsCap(op, query, body);
}

function checkQueryParam(param: ParamSpec, query: QueryParams): void {
  const { name } = param;
  if (query.string(name) === undefined) {
    if (param.required) throw badRequest(`missing required query parameter ${name}`);
    return;
  }
  switch (param.type) {
    case 'integer': {
      const value = query.integer(name) as number;
      if (param.minimum !== undefined && value < param.minimum) {
        throw badRequest(`query parameter ${name} must be at least ${param.minimum} (got ${value})`);
      }
      if (param.maximum !== undefined && value > param.maximum) {
        throw badRequest(`query parameter ${name} must be at most ${param.maximum} (got ${value})`);
      }
      break;
    }
    case 'boolean':
      query.boolean(name);
      break;
    case 'string[]': {
      const items = query.list(name);
      if (param.maxItems !== undefined && items.length > param.maxItems) {
        throw badRequest(`too many ${name}: ${items.length} (at most ${param.maxItems} per request)`);
      }
      if (param.enum) for (const item of items) checkEnum(param, item, 'query parameter');
      break;
    }
    default:
      if (param.enum) checkEnum(param, query.string(name) as string, 'query parameter');
  }
}

function checkEnum(param: ParamSpec, value: string, where: string): void {
  if (!param.enum?.some((allowed) => allowed.toLowerCase() === value.toLowerCase())) {
    throw badRequest(`${where} ${param.name} must be one of ${param.enum?.join(', ')} (got "${value}")`);
  }
}

function bodyParams(op: OperationSpec): ParamSpec[] {
  return op.params.filter((p) => p.in === 'body');
}

function checkObjectBody(op: OperationSpec, body: unknown): void {
  const params = bodyParams(op);
  if (body === undefined) {
    const required = params.filter((p) => p.required).map((p) => p.name);
    if (required.length > 0) throw badRequest(`a JSON body is required (with ${required.join(', ')})`);
    return;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('the request body must be a JSON object');
  }
  checkFields(params, body as Record<string, unknown>, 'body');
}

// Aggregate routes: falconpy sends an array of specs, falconjs/gofalcon a single object (§0, §9.10).
function checkArrayBody(op: OperationSpec, body: unknown): void {
  if (body === undefined) throw badRequest('a JSON body with at least one aggregate spec is required');
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) throw badRequest('a JSON body with at least one aggregate spec is required');
  const params = bodyParams(op);
  items.forEach((item, index) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw badRequest(`body[${index}] must be a JSON object (an aggregate spec)`);
    }
    if (params.length > 0) checkFields(params, item as Record<string, unknown>, `body[${index}]`);
  });
}

function checkFields(params: readonly ParamSpec[], body: Record<string, unknown>, where: string): void {
  if (params.length > 0) {
    const known = new Set(params.map((p) => p.name));
    for (const key of Object.keys(body)) {
      if (!known.has(key)) {
        throw badRequest(`unknown field "${key}" in ${where}; known fields: ${[...known].join(', ')}`);
      }
    }
  }
  for (const param of params) {
    const value = body[param.name];
    if (value === undefined || value === null) {
      if (param.required) throw badRequest(`${where}.${param.name} is required`);
      continue;
    }
    const problem = typeProblem(param, value);
    if (problem) throw badRequest(`${where}.${param.name} ${problem}`);
  }
}

function typeProblem(param: ParamSpec, value: unknown): string | undefined {
  switch (param.type) {
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (param.enum && !param.enum.some((e) => e.toLowerCase() === value.toLowerCase())) {
        return `must be one of ${param.enum.join(', ')} (got "${value}")`;
      }
      return undefined;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return 'must be an integer';
      if (param.minimum !== undefined && value < param.minimum)
        return `must be at least ${param.minimum} (got ${value})`;
      if (param.maximum !== undefined && value > param.maximum)
        return `must be at most ${param.maximum} (got ${value})`;
      return undefined;
    case 'number':
      return typeof value === 'number' ? undefined : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'object':
      return typeof value === 'object' && !Array.isArray(value) ? undefined : 'must be a JSON object';
    case 'string[]':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
        return 'must be an array of strings';
      return tooMany(param, value.length);
    case 'object[]':
      if (
        !Array.isArray(value) ||
        value.some((v) => v === null || typeof v !== 'object' || Array.isArray(v))
      ) {
        return 'must be an array of JSON objects';
      }
      return tooMany(param, value.length);
    default:
      return undefined;
  }
}

function tooMany(param: ParamSpec, count: number): string | undefined {
  return param.maxItems !== undefined && count > param.maxItems
    ? `has ${count} items (at most ${param.maxItems} per request)`
    : undefined;
}

function checkIdsCap(op: OperationSpec, query: QueryParams, body: unknown): void {
  if (!op.ids) return;
  const { param, max } = op.ids;
  const fromBody =
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)[param]
      : undefined;
  const count = Array.isArray(fromBody) ? fromBody.length : query.list(param).length;
  if (count > max) throw badRequest(`too many ${param}: ${count} (at most ${max} per request)`);
}
