/** Playbook tests (`talon test`): *.test.yaml files run against an embedded emulator. */
export { parseTestFile } from './test-file.ts';
export type { PlaybookTest, TestFile, WriteExpectation } from './test-file.ts';
export { runTestFile } from './run-tests.ts';
export type { TestOutcome } from './run-tests.ts';
export { renderJunit } from './junit.ts';
export { buildRecordedTest, checkRecordable } from './record-run.ts';
export type { RecordedTest } from './record-run.ts';
