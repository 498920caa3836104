/**
 * TypeScript types derived from the `as const` playbook schema, so the types cannot drift from the
 * schema. FromSchema covers the subset schema.ts uses: type, const, enum, anyOf/oneOf, items,
 * properties/required/additionalProperties. An untyped schema (`default`, `with`) gives `unknown`.
 */
import type { PLAYBOOK_SCHEMA } from './schema.ts';

type RequiredKeys<S> = S extends { readonly required: readonly (infer R)[] } ? R : never;

type Additional<S> = S extends { readonly additionalProperties: false }
  ? unknown
  : S extends { readonly additionalProperties: infer A extends object }
    ? { readonly [key: string]: FromSchema<A> }
    : S extends { readonly properties: object }
      ? unknown
      : { readonly [key: string]: unknown };

type Props<S> = S extends { readonly properties: infer P }
  ? { readonly [K in keyof P as K extends RequiredKeys<S> ? K : never]: FromSchema<P[K]> } & {
      readonly [K in keyof P as K extends RequiredKeys<S> ? never : K]?: FromSchema<P[K]>;
    }
  : unknown;

type Flatten<T> = T extends object ? { [K in keyof T]: T[K] } : T;

/** The type of the JSON values a schema accepts. */
export type FromSchema<S> = S extends { readonly const: infer C }
  ? C
  : S extends { readonly enum: readonly (infer E)[] }
    ? S extends { readonly type: 'array' }
      ? readonly unknown[]
      : E
    : S extends { readonly anyOf: readonly (infer B)[] }
      ? FromSchema<B>
      : S extends { readonly oneOf: readonly (infer B)[] }
        ? FromSchema<B>
        : S extends { readonly type: 'string' }
          ? string
          : S extends { readonly type: 'integer' | 'number' }
            ? number
            : S extends { readonly type: 'boolean' }
              ? boolean
              : S extends { readonly type: 'array'; readonly items: infer I }
                ? readonly FromSchema<I>[]
                : S extends { readonly type: 'array' }
                  ? readonly unknown[]
                  : S extends { readonly type: 'object' }
                    ? Flatten<Props<S> & Additional<S>>
                    : unknown;

/** A playbook document as written (after schema validation passed). */
export type PlaybookDocument = FromSchema<typeof PLAYBOOK_SCHEMA>;
export type StepDocument = PlaybookDocument['steps'][number];
export type TriggerDocument = NonNullable<PlaybookDocument['triggers']>[number];
export type InputDocument = NonNullable<PlaybookDocument['inputs']>[string];
