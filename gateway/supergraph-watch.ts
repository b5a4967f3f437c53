/**
 * Live reload: the gateway watches its supergraph file and serves a new composition without a
 * restart. Requests in flight finish on the plan they started with. A supergraph that does not
 * load (a bad file, a policy that does not parse) is refused with one log line, and the previous
 * one keeps serving.
 */
import { createHash } from 'node:crypto';
import { readFileSync, watch } from 'node:fs';
import path from 'node:path';

export interface SupergraphWatch {
  stop(): void;
}

export function watchSupergraph(
  file: string,
  initialSdl: string,
  apply: (sdl: string) => void,
  log: { info(line: string): void; error(line: string): void } = { info: (line) => console.log(line), error: (line) => console.error(line) },
): SupergraphWatch {
  let serving = hash(initialSdl);
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    let sdl: string;
    try {
      sdl = readFileSync(file, 'utf8');
    } catch {
      return; // mid-replace: the rename that follows brings another event
    }
    const next = hash(sdl);
    if (next === serving) return;
    try {
      apply(sdl);
      serving = next;
      log.info(`[gateway] serving the new supergraph from ${file} (${next.slice(0, 12)})`);
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      log.error(`[gateway] refused the new supergraph in ${file}: ${reason}. Still serving ${serving.slice(0, 12)}.`);
    }
  };
  // The directory, not the file: editors and `compose` may replace the file rather than write it.
  const watcher = watch(path.dirname(file), (_event, name) => {
    if (name !== path.basename(file)) return;
    clearTimeout(timer);
    timer = setTimeout(reload, 100);
  });
  return {
    stop() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
