/** `npm run serve -- <member>`: one member of Worker Graph, configured from the environment (src/hub/serve.ts). */
import { MisconfiguredError, serve } from '../src/hub/serve.js';

const member = process.argv[2];
if (!member) {
  console.error('Usage: npm run serve -- <member>   (an agency such as labour, or audit, reports, gateway)');
  process.exit(2);
}
serve(member).catch((error) => {
  // One line a person can act on; driver errors can carry whole SQL batches.
  const message = error instanceof Error ? error.message : String(error);
  const prefix = error instanceof MisconfiguredError ? `${member} is misconfigured:` : `${member} failed to start:`;
  console.error(prefix, message.split('\n')[0].slice(0, 400));
  process.exit(1);
});
