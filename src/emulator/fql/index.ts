export { tokenizeFql, FqlSyntaxError } from './lexer.ts';
export type { FqlOperator, FqlToken } from './lexer.ts';
export { parseFql, MAX_FQL_ATOMS } from './parser.ts';
export type { FqlNode, FqlScalar, FqlValue } from './parser.ts';
export { compileFql } from './compile.ts';
export type { CompileFqlOptions, FieldResolver, FqlPredicate } from './compile.ts';
export { parseFqlDate, parseIsoDate } from './dates.ts';
