/**
 * The gateway's own browser pages, with nothing loaded from anywhere else (the hub runs on
 * machines without internet). Every folder `gateway/web/<page>/` holding `index.html` and an entry
 * `main.ts` or `main.tsx` is served at `/<page>`; the entry is bundled by esbuild, with its CSS and
 * assets, on the first request for the page and kept in memory.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { build } from 'esbuild';
import type { ExtraRoute } from '../../src/shared/http-server.js';

/**
 * Everything comes from the gateway itself. GraphiQL needs no more than this: its fonts and icons
 * are data: URLs inside its CSS, and its dialogs (settings, short keys) add a <style> element when
 * they open, hence 'unsafe-inline' for styles only; scripts stay 'self', with no eval.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = { 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' };

/** Pages the root path leads to, the first that exists. */
const HOME_PAGES = ['dashboard', 'graphiql'];

const ENTRY_FILES = ['main.tsx', 'main.ts'];

/** A page's name is one path segment of plain characters, so it can never reach outside the web folder. */
const PAGE_NAME = /^[a-z0-9][a-z0-9_-]*$/i;

interface Page {
  dir: string;
  entry: string;
}

interface BundleFile {
  body: Uint8Array;
  etag: string;
}

type Bundle = Partial<Record<'main.js' | 'main.css', BundleFile>>;

export function webPagesRoute(options: { webDir?: string } = {}): ExtraRoute {
  const webDir = options.webDir ?? __dirname;
  const bundles = new Map<string, Promise<Bundle>>();

  function findPage(name: string): Page | undefined {
    if (!PAGE_NAME.test(name)) return undefined;
    const dir = path.join(webDir, name);
    if (!existsSync(path.join(dir, 'index.html'))) return undefined;
    const entry = ENTRY_FILES.map((file) => path.join(dir, file)).find((file) => existsSync(file));
    return entry ? { dir, entry } : undefined;
  }

  /** One build per page, shared by concurrent first requests; a failed build is forgotten so the next request retries. */
  function bundleOf(name: string, page: Page): Promise<Bundle> {
    let bundle = bundles.get(name);
    if (!bundle) {
      bundle = buildPage(page);
      bundles.set(name, bundle);
      bundle.catch(() => bundles.delete(name));
    }
    return bundle;
  }

  return async (req, res) => {
    if (req.method !== 'GET') return false;
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');

    if (pathname === '/') {
      const home = HOME_PAGES.find((name) => findPage(name));
      return home ? redirect(res, `/${home}`) : false;
    }
    if (pathname === '/graphql') {
      // A person opening the endpoint in a browser wants the explorer; clients are left to Apollo.
      return prefersHtml(req.headers.accept) && findPage('graphiql') ? redirect(res, '/graphiql') : false;
    }

    const [, name, file = '', ...rest] = pathname.split('/');
    const page = findPage(name);
    if (!page || rest.length > 0) return false;
    if (file === '') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(await readFile(path.join(page.dir, 'index.html')));
      return true;
    }
    if (file !== 'main.js' && file !== 'main.css') return false;

    let bundle: Bundle;
    try {
      bundle = await bundleOf(name, page);
    } catch (error) {
      console.error(`[web] could not build the ${name} page`, error);
      res.writeHead(500, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`Could not build the ${name} page; the gateway's log has the details.`);
      return true;
    }
    const served = bundle[file];
    if (!served) return false; // a page whose code imports no CSS has no main.css
    const headers = {
      ...SECURITY_HEADERS,
      'content-type': file === 'main.js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
      // Rebuilt only when the gateway restarts: browsers check back, and the ETag spares the download.
      'cache-control': 'no-cache',
      etag: served.etag,
    };
    if (req.headers['if-none-match'] === served.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    res.writeHead(200, headers);
    res.end(served.body);
    return true;
  };
}

async function buildPage(page: Page): Promise<Bundle> {
  const started = Date.now();
  const result = await build({
    entryPoints: [page.entry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    outdir: path.join(page.dir, 'dist'), // never written: it only names the outputs main.js and main.css
    jsx: 'automatic',
    // Assets go inside the bundle, so a page never fetches anything but its two files.
    loader: { '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl', '.jpg': 'dataurl', '.gif': 'dataurl' },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const bundle: Bundle = {};
  for (const output of result.outputFiles) {
    const file = path.basename(output.path);
    if (file === 'main.js' || file === 'main.css') {
      bundle[file] = { body: output.contents, etag: `"${createHash('sha256').update(output.contents).digest('base64url')}"` };
    }
  }
  const sizes = Object.entries(bundle).map(([file, { body }]) => `${file} ${(body.length / 1024).toFixed(1)} KiB`);
  console.log(`[web] built ${path.basename(page.dir)} in ${Date.now() - started} ms (${sizes.join(', ')})`);
  return bundle;
}

/** Whether the client ranks text/html first among what it accepts, as a browser navigating to a URL does. */
function prefersHtml(accept: string | undefined): boolean {
  const ranked = (accept ?? '')
    .split(',')
    .map((entry, index) => {
      const [type, ...params] = entry.trim().toLowerCase().split(';');
      const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)?.[1]).find(Boolean);
      return { type: type.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.type && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked[0]?.type === 'text/html';
}

function redirect(res: http.ServerResponse, location: string): true {
  res.writeHead(302, { location, 'cache-control': 'no-store' });
  res.end();
  return true;
}
