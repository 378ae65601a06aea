import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/analytics.ts',
  out: './migrations/analytics',
  schemaFilter: ['analytics'],
});
