/**
 * The hub's log lines, printed as they are. Jest's own console adds the call site and a code
 * frame to every line, so each warning a test provokes on purpose (a replayed seal, a duplicate
 * registration) reads like a stack trace in a run that passed. A failing test still shows its
 * own stack through Jest's report.
 */
import { Console } from 'node:console';

globalThis.console = new Console({ stdout: process.stdout, stderr: process.stderr });
