import { describe, expectTypeOf, it } from 'vitest';
import type {
  InputDocument,
  PlaybookDocument,
  StepDocument,
  TriggerDocument,
} from '../../src/playbook/schema-types.ts';

// These assertions are checked by `tsc --noEmit`: they fail to compile when the derived types drift.
describe('FromSchema types', () => {
  it('derive the playbook document from the schema', () => {
    expectTypeOf<PlaybookDocument['name']>().toEqualTypeOf<string>();
    expectTypeOf<PlaybookDocument['concurrency']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<StepDocument['id']>().toEqualTypeOf<string>();
    expectTypeOf<StepDocument['on_error']>().toEqualTypeOf<'fail' | 'continue' | undefined>();
    expectTypeOf<InputDocument['type']>().toEqualTypeOf<
      'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object'
    >();
    expectTypeOf<Extract<TriggerDocument, { cron: string }>['overlap']>().toEqualTypeOf<
      'skip' | 'queue' | undefined
    >();
    expectTypeOf<Extract<TriggerDocument, { manual: true }>['manual']>().toEqualTypeOf<true>();
  });
});
