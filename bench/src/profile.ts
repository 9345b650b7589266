/**
 * Optional CPU profile of a measured section: set RATEL_BENCH_PROFILE=<file.cpuprofile> and the
 * section between start() and stop() is written there (open it in Chrome DevTools).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

export interface SectionProfile {
  stop(): Promise<void>;
}

export async function profileSection(): Promise<SectionProfile> {
  const file = process.env.RATEL_BENCH_PROFILE;
  if (!file) return { stop: async () => {} };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      process.stderr.write(`profile written to ${file}\n`);
    },
  };
}
