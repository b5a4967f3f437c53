/**
 * The bar the gateway's pages start with: the caller's bearer token and declared purpose, the two
 * things every request to /graphql carries. Both stay in sessionStorage, so they last as long as
 * the tab: the token is shared by the pages (one person, one identity), the purpose is each page's
 * own (the explorer serves casework, the dashboard statistics).
 */
import { h } from './dom';
import './credentials.css';

/** The default purposes (src/shared/access/purposes.ts); a hub configured with PURPOSES accepts whatever is typed from its list. */
const PURPOSES = ['Scheme enrolment', 'CIG formation', 'CIG follow-up', 'Licensing', 'Grievance', 'Service delivery', 'Audit', 'Statistics'];

const TOKEN_KEY = 'worker-graph.token';

/** Each keystroke is not a new identity: listeners hear of a change once typing pauses this long. */
const SETTLE_MS = 400;

export interface Credentials {
  /** The bearer token, without a `Bearer ` someone may have pasted with it; empty when none. */
  token: string;
  /** The declared purpose; empty when none. */
  purpose: string;
}

export interface CredentialsBar {
  element: HTMLElement;
  /** What the fields hold now. */
  current(): Credentials;
  /** Calls `listener` whenever either field has changed and typing has paused; returns what stops it. */
  onSettled(listener: () => void): () => void;
}

export interface CredentialsBarOptions {
  /** Names the page's own purpose in sessionStorage. */
  page: string;
  /** The purpose shown until the person types another. */
  defaultPurpose?: string;
  /** How to get a token suited to the page, e.g. `npm run -s token -- --agency mepma --role analyst`. */
  tokenCommand: string;
}

export function createCredentialsBar({ page, defaultPurpose = '', tokenCommand }: CredentialsBarOptions): CredentialsBar {
  const purposeKey = `worker-graph.${page}.purpose`;
  const token = h('input', {
    class: 'credentials-token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'Paste a bearer token from npm run -s token -- …',
  });
  token.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
  const purpose = h('input', { class: 'credentials-purpose', list: 'credentials-purposes', placeholder: 'Why you need the data' });
  purpose.value = sessionStorage.getItem(purposeKey) ?? defaultPurpose;

  const element = h(
    'header',
    { class: 'credentials-bar' },
    h('label', {}, 'Token', token),
    h('label', {}, 'Purpose', purpose, h('datalist', { id: 'credentials-purposes' }, PURPOSES.map((label) => h('option', { value: label })))),
    h('p', { class: 'credentials-note' }, 'Get a token with ', h('code', {}, tokenCommand), ' (other agencies, roles and jurisdictions: see its options). Both stay in this tab only.'),
  );

  const listeners = new Set<() => void>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const keep = (input: HTMLInputElement, key: string) =>
    input.addEventListener('input', () => {
      if (input.value) sessionStorage.setItem(key, input.value);
      else sessionStorage.removeItem(key);
      clearTimeout(timer);
      timer = setTimeout(() => listeners.forEach((listener) => listener()), SETTLE_MS);
    });
  keep(token, TOKEN_KEY);
  keep(purpose, purposeKey);

  return {
    element,
    current: () => ({ token: token.value.trim().replace(/^Bearer\s+/i, ''), purpose: purpose.value.trim() }),
    onSettled: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
