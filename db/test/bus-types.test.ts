import {
  type BusinessDayClosedData,
  type ConsumerHandler,
  type EmployeeData,
  type Envelope,
  type EventBus,
  eventsNamed,
  type LedgerEventData,
  type TaskData,
} from '@ates/db/bus';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type DefinedConsumer,
  LEDGER_CONSUMER,
  type PAYOUT_MAIL_CONSUMER,
  type ReadName,
  type TASKS_EMPLOYEES_CONSUMER,
} from '../src/bus/topology.ts';

// What these tests check, tsc checks (`pnpm check`): at run time expectTypeOf does nothing.
describe('the types of the bus', () => {
  it('give a handler that narrows on an event name that event’s data', () => {
    const handle = (event: Envelope) => {
      switch (event.event_name) {
        case 'Employee.Created':
        case 'Employee.Deleted':
          expectTypeOf(event.data).toEqualTypeOf<EmployeeData>();
          break;
        case 'Task.Updated':
          expectTypeOf(event.data).toEqualTypeOf<TaskData>();
          break;
        case 'BusinessDayClosed':
          expectTypeOf(event.data).toEqualTypeOf<BusinessDayClosedData>();
          break;
      }
      if (event.event_name === 'PayoutMade') expectTypeOf(event.data).toEqualTypeOf<LedgerEventData>();
    };
    expectTypeOf(handle).toBeFunction();
  });

  it('give eventsNamed’s events the data of the names it picked', () => {
    const picked = (events: Envelope[]) => eventsNamed(events, 'AccountDebited', 'PayoutMade');
    expectTypeOf(picked).returns.toEqualTypeOf<Envelope<'AccountDebited' | 'PayoutMade'>[]>();
    expectTypeOf<Envelope<'AccountDebited' | 'PayoutMade'>['data']>().toEqualTypeOf<LedgerEventData>();
  });

  it('give a consumer’s handler only the events the topology says it reads', () => {
    expectTypeOf<Parameters<ConsumerHandler<typeof PAYOUT_MAIL_CONSUMER>>[1]>().toEqualTypeOf<
      Envelope<'PayoutMade'>[]
    >();
    expectTypeOf<ReadName<typeof TASKS_EMPLOYEES_CONSUMER>>().toEqualTypeOf<
      'Employee.Created' | 'Employee.Updated' | 'Employee.Deleted'
    >();
    expectTypeOf<ReadName<typeof LEDGER_CONSUMER>>().toEqualTypeOf<
      | 'Employee.Created'
      | 'Employee.Updated'
      | 'Employee.Deleted'
      | 'Task.Created'
      | 'Task.Updated'
      | 'TaskAssigned'
      | 'TaskCompleted'
    >();
    expectTypeOf<ReadName<DefinedConsumer<{ 'Employee.Created': 1 }>>>().toEqualTypeOf<'Employee.Created'>();
  });

  it('refuse a consumer that does not exist and a handler of fewer events than its consumer reads', () => {
    const subscribeWrongly = async (bus: EventBus) => {
      // @ts-expect-error: no consumer is called that
      await bus.subscribe('accounting.ledgr', async () => {});
      // @ts-expect-error: the ledger reads more than PayoutMade
      await bus.subscribe(LEDGER_CONSUMER, async (_tx, _events: Envelope<'PayoutMade'>[]) => {});
      // A handler of every event serves any consumer.
      await bus.subscribe(LEDGER_CONSUMER, async (_tx, _events: Envelope[]) => {});
    };
    expectTypeOf(subscribeWrongly).toBeFunction();
  });
});
