import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/bus.ts',
  out: './migrations/bus',
  schemaFilter: ['bus'],
});
