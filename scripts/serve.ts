/** `npm run serve -- <member>`: one member of Worker Graph, configured from the environment (src/hub/serve.ts). */
import { ConfigError } from '../src/shared/errors.js';

const member = process.argv[2];
if (!member) {
  console.error('Usage: npm run serve -- <member>   (an agency such as labour, or audit, reports, gateway)');
  process.exit(2);
}
// Imported here, not above, so that a setting refused while the configuration loads is said in one line too.
import('../src/hub/serve.js')
  .then(({ serve }) => serve(member))
  .catch((error) => {
    // One line a person can act on; driver errors can carry whole SQL batches.
    const message = error instanceof Error ? error.message : String(error);
    console.error(error instanceof ConfigError ? `${member} is misconfigured:` : `${member} failed to start:`, message.split('\n')[0].slice(0, 400));
    process.exit(1);
  });
