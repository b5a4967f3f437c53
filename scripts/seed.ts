/**
 * `npm run seed -- --workers 100000 [--seed 2024]` rebuilds every agency's database with a demo
 * population of that size (for benchmarks), showing progress. It replaces what is there.
 */
import { config } from '../src/shared/config.js';
import { locateDatabases, recreateDatabase } from '../src/shared/database.js';
import { provisionMemberDatabase } from '../src/shared/database-roles.js';
import { openAgencyOrm } from '../src/shared/orm.js';
import { seedAgency } from '../src/shared/seeding.js';
import { agencyMigrations } from '../src/shared/subgraph.js';
import { hubAgencies } from '../subgraphs/index.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} takes a whole number, got "${process.argv[at + 1] ?? ''}"`);
    process.exit(2);
  }
  return value;
}

async function main() {
  const demo = { seed: option('seed', config.demo.seed), workers: option('workers', config.demo.workers) };
  console.log(`Seeding ${demo.workers.toLocaleString('en-IN')} workers (seed ${demo.seed}) into every agency's database...`);
  const databases = await locateDatabases();
  const agencies = hubAgencies();
  const done = new Map(agencies.map((agency) => [agency.name, 0]));
  const draw = () => {
    const parts = [...done].map(([name, n]) => `${name} ${String(Math.floor((100 * n) / demo.workers)).padStart(3)}%`);
    process.stdout.write(`\r  ${parts.join('  ')}`);
  };
  const timer = setInterval(draw, 500);
  const started = Date.now();
  try {
    await Promise.all(
      agencies.map(async (agency) => {
        const url = databases.urlFor(agency.name);
        await recreateDatabase(url);
        // As the hub runs it: migrated and loaded by the owner role, the runtime role granted its rights.
        const { orm } = await openAgencyOrm({
          database: await provisionMemberDatabase(url),
          entities: agency.entities,
          migrations: agencyMigrations(agency),
          asOwner: async (em) => {
            await seedAgency(agency, em, demo, (n) => done.set(agency.name, n));
            done.set(agency.name, demo.workers);
          },
        });
        await orm.close();
      }),
    );
    draw();
    console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  } finally {
    clearInterval(timer);
    await databases.close();
  }
}

main().catch((error) => {
  console.error('\nSeeding failed:', String(error instanceof Error ? error.message : error).split('\n')[0].slice(0, 300));
  process.exit(1);
});
