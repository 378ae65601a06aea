import type { Reads } from '@ates/db/bus/topology';

/** A consumer of Employee events the tests subscribe, in the test process and in crashing children. */
export const TEST_CONSUMER = 'test.identity-employees';
export const EMPLOYEE_READS: Reads = { 'Employee.Created': 1, 'Employee.Updated': 1, 'Employee.Deleted': 1 };
