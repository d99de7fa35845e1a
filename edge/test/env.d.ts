// What `env` from cloudflare:test holds in the edge project (vitest.config.ts miniflare bindings).
import type { Bindings } from '../src/env.ts';

declare module 'cloudflare:test' {
  interface ProvidedEnv extends Bindings {
    /** The control server of edge/test/setup/global-setup.ts. */
    TEST_CONTROL_URL: string;
  }
}
