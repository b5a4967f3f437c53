/**
 * GraphiQL against this gateway's /graphql, with a bar for the caller's token and purpose: the
 * two things every request must carry.
 */
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';
import { GraphQLError } from 'graphql';
import { StrictMode, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createCredentialsBar, type Credentials } from '../shared/credentials';
import './explorer.css';

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
    const { token, purpose } = current();
    if (!token) return Promise.resolve(MISSING_TOKEN);
    const headers: Record<string, string> = { ...options?.headers, authorization: `Bearer ${token}` };
    if (purpose) headers['x-purpose'] = purpose;
    return gatewayFetcher(params, { ...options, headers });
  };
}

const credentials = createCredentialsBar({ page: 'explorer', tokenCommand: TOKEN_COMMAND });

function Explorer() {
  // GraphiQL fetches the schema again whenever its fetcher changes: make a new one once typing
  // pauses rather than on every keystroke, as each fetch is a request the gateway audits.
  const [generation, setGeneration] = useState(0);
  useEffect(() => credentials.onSettled(() => setGeneration((count) => count + 1)), []);
  const fetcher = useMemo(() => credentialFetcher(credentials.current), [generation]);

  return (
    <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} defaultEditorToolsVisibility={false}>
      <GraphiQL.Logo>Worker Graph</GraphiQL.Logo>
    </GraphiQL>
  );
}

document.body.prepend(credentials.element);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Explorer />
  </StrictMode>,
);
