/**
 * Runs the typed client's generation (codegen.ts) without writing anything, and prints what it
 * would write as JSON: `[{ filename, content }]`. An argument replaces the operations' glob.
 * Run as a child process: @graphql-codegen/cli is an ES module that Jest's CommonJS runtime
 * cannot load.
 */
import { generate } from '@graphql-codegen/cli';
import codegenConfig from '../../codegen';

const CLIENT_OUTPUT = 'client/generated/';

async function main() {
  const entry = (codegenConfig.generates as Record<string, object>)[CLIENT_OUTPUT];
  const documents = process.argv[2];
  const outputs = await generate(
    { ...codegenConfig, silent: true, generates: { [CLIENT_OUTPUT]: { ...entry, ...(documents ? { documents } : {}) } } },
    false,
  );
  process.stdout.write(JSON.stringify(outputs.map(({ filename, content }: { filename: string; content: string }) => ({ filename, content }))));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
