import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/tasks.ts',
  out: './migrations/tasks',
  schemaFilter: ['tasks'],
});
