/** Node only: where report scripts find their connection (the browser pages ask the user instead). */
import type { Connection } from './request';

/** The connection report scripts use: WG_URL (default the local gateway), WG_TOKEN, WG_PURPOSE. */
export function connectionFromEnv(env: NodeJS.ProcessEnv = process.env): Connection {
  if (!env.WG_TOKEN) {
    throw new Error('Set WG_TOKEN to a bearer token: `export WG_TOKEN=$(npm run -s token -- --agency mepma --role analyst --jurisdiction city:VJA --purpose Statistics)`.');
  }
  return { url: env.WG_URL ?? 'http://localhost:4000/graphql', token: env.WG_TOKEN, purpose: env.WG_PURPOSE ?? 'Statistics' };
}
