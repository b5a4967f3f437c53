/**
 * GraphiQL against this gateway's /graphql, with a bar for the caller's token and purpose: the
 * two things every request must carry.
 */
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';
import { GraphQLError } from 'graphql';
import { StrictMode, useEffect, useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import './explorer.css';

/** The default purposes (src/shared/access/purposes.ts); a hub configured with PURPOSES accepts whatever is typed from its list. */
const PURPOSES = ['Scheme enrolment', 'CIG formation', 'CIG follow-up', 'Licensing', 'Grievance', 'Service delivery', 'Audit', 'Statistics'];

const TOKEN_COMMAND = 'npm run -s token -- --agency labour --role officer';

const DEFAULT_QUERY = `{
  worker(id: "W-0000001") {
    id
    name
    occupation
    city {
      name
    }
    cigMemberships {
      role
      cig {
        name
      }
    }
  }
}
`;

interface Credentials {
  token: string;
  purpose: string;
}

const MISSING_TOKEN = {
  errors: [
    new GraphQLError(`No token yet: paste a bearer token into the Token field above (get one with \`${TOKEN_COMMAND}\`), then run again.`, {
      extensions: { code: 'UNAUTHENTICATED' },
    }),
  ],
};

const gatewayFetcher = createGraphiQLFetcher({ url: '/graphql' });

/** Sends each operation with the credentials in the bar at that moment; without a token, answers for the server. */
function credentialFetcher(current: () => Credentials): Fetcher {
  return (params, options) => {
    const token = current().token.trim().replace(/^Bearer\s+/i, '');
    const purpose = current().purpose.trim();
    if (!token) return Promise.resolve(MISSING_TOKEN);
    const headers: Record<string, string> = { ...options?.headers, authorization: `Bearer ${token}` };
    if (purpose) headers['x-purpose'] = purpose;
    return gatewayFetcher(params, { ...options, headers });
  };
}

/** A value kept in sessionStorage: a token should not outlive the tab it was pasted into. */
function useSessionValue(key: string): [string, (value: string) => void] {
  const [value, setValue] = useState(() => sessionStorage.getItem(key) ?? '');
  const update = (next: string) => {
    setValue(next);
    if (next) sessionStorage.setItem(key, next);
    else sessionStorage.removeItem(key);
  };
  return [value, update];
}

/** `value` once it has stopped changing for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

function Explorer() {
  const [token, setToken] = useSessionValue('worker-graph.explorer.token');
  const [purpose, setPurpose] = useSessionValue('worker-graph.explorer.purpose');
  const credentials = useRef<Credentials>({ token, purpose });
  credentials.current = { token, purpose };
  // GraphiQL fetches the schema again whenever its fetcher changes: make a new one once typing
  // pauses rather than on every keystroke, as each fetch is a request the gateway audits.
  const settled = useSettled(`${token}\n${purpose}`, 400);
  const fetcher = useMemo(() => credentialFetcher(() => credentials.current), [settled]);

  return (
    <>
      <header className="explorer-bar">
        <label>
          Token
          <input
            className="explorer-token"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="Paste a bearer token from npm run -s token -- …"
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
        </label>
        <label>
          Purpose
          <input
            className="explorer-purpose"
            list="explorer-purposes"
            placeholder="Why you need the data"
            value={purpose}
            onChange={(event) => setPurpose(event.target.value)}
          />
          <datalist id="explorer-purposes">
            {PURPOSES.map((label) => (
              <option key={label} value={label} />
            ))}
          </datalist>
        </label>
        <p className="explorer-note">
          Get a token with <code>{TOKEN_COMMAND}</code> (other agencies, roles and jurisdictions: see its options). Both stay in this tab only.
        </p>
      </header>
      <div className="explorer-editor">
        <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} defaultEditorToolsVisibility={false}>
          <GraphiQL.Logo>Worker Graph</GraphiQL.Logo>
        </GraphiQL>
      </div>
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Explorer />
  </StrictMode>,
);
