/**
 * The gateway's own GraphiQL at /graphiql: served with its bundle and a strict CSP beside /graphql,
 * and, in headless Chromium, usable with a pasted token and purpose, loading nothing from elsewhere.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { webPagesRoute } from '../gateway/web/serve';
import { describeInBrowser, launchBrowser, openPage } from './support/browser';
import { startTestStack, type TestStack } from './support/stack';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const PURPOSE = 'Service delivery';
const SCREENSHOT = path.join(__dirname, 'output', 'graphiql.png');

let stack: TestStack;
let origin: string;

beforeAll(async () => {
  stack = await startTestStack('explorer');
  origin = new URL(stack.gatewayUrl).origin;
}, 120_000);
afterAll(() => stack?.stop());

function get(pathname: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(origin + pathname, { headers, redirect: 'manual' });
}

describe('serving the pages', () => {
  test('/graphiql is HTML under a CSP that allows nothing from elsewhere', async () => {
    for (const pathname of ['/graphiql', '/graphiql/']) {
      const response = await get(pathname, { accept: BROWSER_ACCEPT });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const policy = (response.headers.get('content-security-policy') ?? '').split(/;\s*/);
      expect(policy).toEqual(
        expect.arrayContaining([
          "default-src 'self'",
          "connect-src 'self'",
          "img-src 'self' data:",
          "font-src 'self' data:",
          "style-src 'self' 'unsafe-inline'",
          "script-src 'self'",
          "frame-ancestors 'none'",
        ]),
      );
      expect(await response.text()).toContain('src="/graphiql/main.js"');
    }
  });

  test('the bundle is JavaScript and CSS built on demand, the same for concurrent first requests', async () => {
    const [script, again, style] = await Promise.all([get('/graphiql/main.js'), get('/graphiql/main.js'), get('/graphiql/main.css')]);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('content-security-policy')).toContain("default-src 'self'");
    const code = await script.text();
    expect(code.length).toBeGreaterThan(100_000);
    expect(await again.text()).toBe(code);
    expect(style.status).toBe(200);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await style.text()).toContain('.graphiql-container');

    const unchanged = await get('/graphiql/main.js', { 'if-none-match': script.headers.get('etag')! });
    expect(unchanged.status).toBe(304);
  }, 120_000);

  test('/ and a browser opening /graphql are sent to a page', async () => {
    const home = existsSync(path.join(__dirname, '..', 'gateway', 'web', 'dashboard', 'index.html')) ? '/dashboard' : '/graphiql';
    const root = await get('/', { accept: BROWSER_ACCEPT });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe(home);

    const opened = await get('/graphql', { accept: BROWSER_ACCEPT });
    expect(opened.status).toBe(302);
    expect(opened.headers.get('location')).toBe('/graphiql');
  });

  test('everything else is left to the other routes', async () => {
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/graphiql/nope.js')).status).toBe(404);
    expect((await get('/graphiql/main.js/x')).status).toBe(404);
    expect((await get('/graphql', { accept: 'application/json' })).status).not.toBe(302);
    expect((await get('/health')).status).toBe(200);

    const answer = await stack.query(`{ worker(id: "W-0000001") { id name } }`);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.worker.id).toBe('W-0000001');
  });

  test('a page that does not build answers 500, and the next request builds again', async () => {
    const webDir = mkdtempSync(path.join(os.tmpdir(), 'worker-graph-web-'));
    mkdirSync(path.join(webDir, 'broken'));
    writeFileSync(path.join(webDir, 'broken', 'index.html'), '<!doctype html><script src="/broken/main.js"></script>');
    writeFileSync(path.join(webDir, 'broken', 'main.ts'), `import './missing';`);
    const route = webPagesRoute({ webDir });
    const server = http.createServer(async (req, res) => {
      if (!(await route(req, res))) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const logged = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const failed = await fetch(`${base}/broken/main.js`);
      expect(failed.status).toBe(500);
      expect(await failed.text()).toMatch(/Could not build the broken page/);
      expect(String(logged.mock.calls[0])).toMatch(/Could not resolve "\.\/missing"/);

      writeFileSync(path.join(webDir, 'broken', 'main.ts'), `document.title = 'fixed';`);
      const fixed = await fetch(`${base}/broken/main.js`);
      expect(fixed.status).toBe(200);
      expect(await fixed.text()).toContain('fixed');
      expect((await fetch(`${base}/broken/main.css`)).status).toBe(404); // no CSS imported, none served
    } finally {
      logged.mockRestore();
      server.close();
      rmSync(webDir, { recursive: true, force: true });
    }
  });
});

describeInBrowser('GraphiQL in a browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = (await launchBrowser())!;
  }, 60_000);
  afterAll(() => browser?.close());

  /** A fresh tab on /graphiql, with every request it makes and every problem it logs. */
  async function openExplorer() {
    const { page, requests, problems } = await openPage(browser, `${origin}/graphiql`, { width: 1280, height: 800 });
    await page.getByRole('button', { name: /Execute query/ }).waitFor({ timeout: 60_000 });
    return { page, requests, problems };
  }

  /** The text of a GraphiQL editor (a CodeMirror) inside `selector`. */
  function editorText(page: Page, selector: string): Promise<string> {
    // A function, not a string: the page's CSP forbids evaluating strings, for tests as for anyone.
    return page.locator(`${selector} .CodeMirror`).evaluate((editor: any) => editor.CodeMirror.getValue() as string);
  }

  /** Runs the operation in the editor with the run button and returns the result pane's text once it contains `expected`. */
  async function run(page: Page, expected: string): Promise<string> {
    // The pane may already hold the schema fetch's answer: empty it, so what appears comes from this run.
    await page.locator('.result-window .CodeMirror').evaluate((editor: any) => editor.CodeMirror.setValue(''));
    await page.getByRole('button', { name: /Execute query/ }).click();
    await page.locator('.result-window').filter({ hasText: expected }).waitFor({ timeout: 30_000 });
    return editorText(page, '.result-window');
  }

  test('runs the default query with a pasted token and purpose, loading nothing from elsewhere', async () => {
    const { page, requests, problems } = await openExplorer();
    const token = (await stack.headersFor()).authorization.replace(/^Bearer /, '');

    // Pasting the credentials makes GraphiQL fetch the schema again, this time with them.
    const schemaFetched = page.waitForRequest(
      (request) => request.postData()?.includes('IntrospectionQuery') === true && request.headers().authorization === `Bearer ${token}` && request.headers()['x-purpose'] === PURPOSE,
      { timeout: 30_000 },
    );
    // Purpose first: with no token the page asks nothing of the gateway. The other way round, a
    // loaded machine can let the token settle alone, and the fetch without a purpose is refused.
    await page.getByLabel('Purpose').fill(PURPOSE);
    await page.getByLabel('Token').fill(token);
    await schemaFetched;

    const shown = JSON.parse(await run(page, '"worker"'));
    const query = await editorText(page, '.graphiql-query-editor');
    expect(query).toContain('worker(id: "W-0000001")');
    const expected = await stack.query(query);
    expect(expected.errors).toBeUndefined();
    expect(shown.data.worker.name).toBe(expected.data.worker.name);
    expect(shown.data.worker).toEqual(expected.data.worker);

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    const screenshot = await page.screenshot();
    writeFileSync(SCREENSHOT, screenshot);
    const image = PNG.sync.read(screenshot);
    expect(image.width).toBeGreaterThan(0);
    expect(image.height).toBeGreaterThan(0);
    expect(distinctColours(image)).toBeGreaterThan(32);

    const sent = requests.find((request) => request.postData()?.includes('W-0000001'));
    expect(sent?.headers()).toMatchObject({ authorization: `Bearer ${token}`, 'x-purpose': PURPOSE });

    // GraphiQL's dialogs add a <style> element: the one thing the CSP's style-src 'unsafe-inline' is for.
    await page.getByRole('button', { name: /settings/i }).click();
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');

    const urls = requests.map((request) => request.url());
    expect(urls).toEqual(expect.arrayContaining([`${origin}/graphiql`, `${origin}/graphiql/main.js`, `${origin}/graphiql/main.css`, `${origin}/graphql`]));
    expect(urls.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    // A CSP violation is logged as a console error: none means the policy did not have to block anything.
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  test('without a token, running asks for one instead of calling the gateway', async () => {
    const { page, requests, problems } = await openExplorer();
    const shown = JSON.parse(await run(page, 'paste a bearer token'));
    expect(shown.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(requests.filter((request) => new URL(request.url()).pathname === '/graphql')).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});

function distinctColours(image: PNG): number {
  const colours = new Set<number>();
  for (let offset = 0; offset < image.data.length; offset += 4) colours.add(image.data.readUInt32BE(offset));
  return colours.size;
}
