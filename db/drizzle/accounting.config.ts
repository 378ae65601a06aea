import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/accounting.ts',
  out: './migrations/accounting',
  schemaFilter: ['accounting'],
});
