import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real sockets and daemons: give slow peers room, but no test asserts on time.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Namespace tests share the kernel's netns list; keep files in separate workers but bounded.
    pool: 'forks',
    maxWorkers: 2,
  },
});
