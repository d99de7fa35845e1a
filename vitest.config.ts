import { defineWorkersProject, type WorkerPoolOptionsContext } from '@cloudflare/vitest-pool-workers/config';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          globalSetup: ['test/support/build-setup.ts'],
          include: ['shared/**/*.test.ts', 'cli/**/*.test.ts', 'machines/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      // The Worker inside workerd, against the real NATS, machine and mail servers of edge/test/setup/global-setup.ts.
      defineWorkersProject({
        test: {
          name: 'edge',
          include: ['edge/**/*.test.ts'],
          globalSetup: ['test/support/build-setup.ts', 'edge/test/setup/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          poolOptions: {
            workers: ({ inject }: WorkerPoolOptionsContext) => ({
              wrangler: { configPath: './wrangler.toml' },
              // One worker, storage shared across files: the hub's WebSocket outlives a test, which
              // isolated storage cannot snapshot. Tests use their own keys and addresses instead.
              singleWorker: true,
              isolatedStorage: false,
              miniflare: {
                bindings: {
                  NATS_URL: inject('natsWsUrl'),
                  MACHINE_TOKEN: inject('machineToken'),
                  CHECK_WAIT_MS: '10000',
                  NATS_CONNECT_TIMEOUT_MS: '2000',
                  // Read by tests through `env`, like the bindings above.
                  TEST_CONTROL_URL: inject('controlUrl'),
                },
              },
            }),
          },
        },
      }),
    ],
  },
});
