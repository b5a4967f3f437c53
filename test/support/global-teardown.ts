import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const server = (globalThis as { __embeddedPostgres?: { stop(): Promise<void> } }).__embeddedPostgres;
  await server?.stop();
  // The throwaway folder global-setup made for it (data, password file).
  const dir = (globalThis as { __embeddedPostgresDir?: string }).__embeddedPostgresDir;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
