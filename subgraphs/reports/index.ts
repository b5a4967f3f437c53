/**
 * The hub's reports as a subgraph of their own, served beside the gateway like the access log:
 * the one place where figures spanning agencies are computed, behind the same seal, with every
 * report request written to the access log by the gateway. The reports service is a member of
 * its own: agencies answer statistical questions only when it seals them. It alone holds the
 * cell-key secret that perturbs every count of people it publishes (src/shared/cell-key.ts).
 */
import { MemoryReplayGuard } from '../../src/shared/access/replay.js';
import type { MemberSeals } from '../../src/shared/access/seal.js';
import { REPORTS_MEMBER } from '../../src/shared/access/policy.js';
import { CellKeyMethod, loadCellKeySecret } from '../../src/shared/cell-key.js';
import { config } from '../../src/shared/config.js';
import type { RunningHttpServer } from '../../src/shared/http-server.js';
import { askAgency } from '../../src/shared/statistics.js';
import { loadSchema, serveFederatedSubgraph } from '../../src/shared/subgraph.js';
import { loadCatalogue } from '../../src/shared/schemes.js';
import { readSupergraphConfig } from '../../src/shared/supergraph.js';
import type { Context } from './context.js';
import { ReportMemo } from './memo.js';
import { resolvers } from './resolvers.js';
import { schemesLoader } from './single-window.js';

/** The secret as configured: REPORT_CELL_KEY_SECRET, REPORT_CELL_KEY_SECRET_FILE or the keys directory's. */
export function configuredCellKeySecret(): Buffer {
  return loadCellKeySecret({ secret: config.reportCellKeySecret, file: config.reportCellKeySecretFile, keysDir: config.keysDir });
}

/** `Labour Department` stays, `ICDS (Women Development & Child Welfare)` reads as `ICDS`. */
function shortTitle(title: string): string {
  return title.replace(/\s*\(.*\)$/, '');
}

export function serveReportsSubgraph(options: {
  seals: MemberSeals;
  /** Where an agency's subgraph answers, wherever it ended up listening. */
  agencyUrl: (agency: string) => string;
  listen: { port: number; host: string };
  /** The cell-key secret; the configured one (configuredCellKeySecret) when left out. */
  cellKeySecret?: Uint8Array;
}): Promise<RunningHttpServer> {
  const cellKeys = new CellKeyMethod(options.cellKeySecret ?? configuredCellKeySecret(), config.reportMinimumCount);
  // A catalogue whose rules do not check against the registry's facts stops the service here.
  const registry = readSupergraphConfig();
  const catalogue = loadCatalogue({ subgraphs: registry });
  const agencyTitles = Object.fromEntries(registry.map((entry) => [entry.name, shortTitle(entry.title)]));
  const memo = new ReportMemo(config.reportMemoMb);
  return serveFederatedSubgraph<Context>({
    name: REPORTS_MEMBER,
    typeDefs: loadSchema(__dirname),
    resolvers,
    // The reports keep no database: seal ids are remembered by this one process.
    seals: { member: REPORTS_MEMBER, trust: options.seals.trust, replay: new MemoryReplayGuard() },
    listen: options.listen,
    context: (caller) => {
      const consulted = new Set<string>();
      const context: Context = {
        caller,
        disclosed: new Set(),
        consulted,
        cellKeys,
        catalogue,
        agencyTitles,
        memo,
        ask(agency, request) {
          consulted.add(agency);
          return askAgency({ agency, url: options.agencyUrl(agency), signer: options.seals.signer(), caller, request });
        },
        schemes: undefined as unknown as Context['schemes'],
        standings: new Map(),
      };
      context.schemes = schemesLoader(context);
      return context;
    },
  });
}
