/** `@ates/api/tasks`: the tasks context's use cases, for callers in process (the benchmarks). */
export { createTask, drawPrices } from './create.ts';
export { reassignOpenTasks } from './reassign.ts';
export { type TaskDeps, uuidv7 } from './task-rows.ts';
