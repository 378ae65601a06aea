import { defineConsumer } from '@ates/db/bus';

/** A consumer of Employee events the tests subscribe, in the test process and in crashing children. */
export const TEST_CONSUMER = defineConsumer('test.identity-employees', {
  'Employee.Created': 1,
  'Employee.Updated': 1,
  'Employee.Deleted': 1,
});
