import { TASKS_EMPLOYEES_CONSUMER } from '@ates/db/bus';
import type { JobsDeps } from '../deps.ts';
import { onEmployeeChanged } from './on-employee-changed.ts';

/** Subscribes the tasks context's consumers and schedules. */
export async function startTasksWorkers({ bus }: JobsDeps): Promise<void> {
  await bus.subscribe(TASKS_EMPLOYEES_CONSUMER, onEmployeeChanged);
}
