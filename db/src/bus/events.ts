/** The data of each event at its current version: the TypeScript face of `schemas/*.json`. */

export type Role = 'admin' | 'manager' | 'accountant' | 'worker';

export interface EmployeeData {
  employee_id: string;
  full_name: string;
  role: Role;
  email: string;
}

export interface TaskData {
  task_id: string;
  title: string;
  jira_id: string | null;
  description: string | null;
  status: 'open' | 'done';
  fee: number;
  reward: number;
  assignee: string;
  completed_at: string | null;
}

export interface TaskMoneyData {
  task_id: string;
  employee_id: string;
  amount: number;
  at: string;
}

export interface LedgerEventData {
  transaction_id: string;
  task_id: string | null;
  employee_id: string;
  amount: number;
  at: string;
  business_day: string;
}

/** A business day closed (on demand or by the schedule): what is posted after it belongs to a later day. */
export interface BusinessDayClosedData {
  business_day: string;
  closed_at: string;
  closed_by: string;
  payout_count: number;
  payout_total: number;
}

export interface EventDataByName {
  'Employee.Created': EmployeeData;
  'Employee.Updated': EmployeeData;
  'Employee.Deleted': EmployeeData;
  'Task.Created': TaskData;
  'Task.Updated': TaskData;
  TaskAssigned: TaskMoneyData;
  TaskCompleted: TaskMoneyData;
  AccountDebited: LedgerEventData;
  AccountCredited: LedgerEventData;
  PayoutMade: LedgerEventData;
  BusinessDayClosed: BusinessDayClosedData;
}

export type EventName = keyof EventDataByName;

/**
 * An event as the bus carries it: a union discriminated by `event_name`, so code that narrows on
 * the name (a `switch`, an `if`, `eventsNamed`) reads `data` with its type.
 */
export type Envelope<N extends EventName = EventName> = {
  [K in N]: {
    event_id: string;
    event_name: K;
    event_version: number;
    event_time: string;
    producer: string;
    data: EventDataByName[K];
  };
}[N];

/** What a producer hands to `publish`: the rest of the envelope is filled in for it. */
export type NewEvent = { [N in EventName]: { name: N; data: EventDataByName[N]; version?: number } }[EventName];

/** The events of `events` named one of `names`, in order, typed as such: how a handler of mixed events picks its own. */
export function eventsNamed<E extends Envelope, N extends E['event_name']>(
  events: readonly E[],
  ...names: N[]
): Extract<E, { event_name: N }>[] {
  const wanted = new Set<string>(names);
  return events.filter((event): event is Extract<E, { event_name: N }> => wanted.has(event.event_name));
}
