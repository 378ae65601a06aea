/** `@ates/db/schema`: the tables other packages reach through drizzle (better-auth's, and the tasks' channel). */
export { apikey, authTables, user } from './identity.ts';
export { EMPLOYEES_CHANGED_CHANNEL } from './tasks.ts';
