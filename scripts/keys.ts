/**
 * `npm run keys -- <command>`: the hub's member keys in KEYS_DIR, and the trust file every member
 * of a laptop hub reads (running members take changes up within TRUST_RELOAD_SECONDS).
 *
 *   list                        each member's published keys (the first is the newest)
 *   add <member>                rotation step 1: publish a new key; every member trusts old and new
 *   activate <member>           rotation step 2: the member signs with the new key
 *   withdraw <member> <kid>     rotation step 3, or a revocation: nobody accepts that key any more
 */
import { readFileSync } from 'node:fs';
import { activateMemberKey, addMemberKey, memberJwksFile, withdrawMemberKey } from '../src/shared/access/members.js';
import { config } from '../src/shared/config.js';
import { prepareKeysDir, writeHubTrust } from '../src/hub/member-keys.js';
import { memberNames } from '../src/hub/members.js';

const USAGE = 'Usage: npm run keys -- list | add <member> | activate <member> | withdraw <member> <kid>';

async function main(): Promise<void> {
  const [command, member, kid] = process.argv.slice(2);
  const members = memberNames();
  const dir = config.keysDir;
  if (member !== undefined && !members.includes(member)) throw new Error(`Unknown member "${member}": one of ${members.join(', ')}.`);
  await prepareKeysDir(dir, members);
  if (command === 'list') {
    for (const name of members) {
      const { keys } = JSON.parse(readFileSync(memberJwksFile(dir, name), 'utf8')) as { keys: { kid: string }[] };
      console.log(`${name.padEnd(10)} ${keys.map((key) => key.kid).join(', ')}`);
    }
    return;
  }
  if (command === 'add' && member) console.log(`${member}: published ${await addMemberKey(dir, member)}; activate it once every member trusts it.`);
  else if (command === 'activate' && member) console.log(`${member}: now signs with ${activateMemberKey(dir, member)}.`);
  else if (command === 'withdraw' && member && kid) {
    withdrawMemberKey(dir, member, kid);
    console.log(`${member}: ${kid} withdrawn.`);
  } else throw new Error(USAGE);
  console.log(`Trust file rewritten: ${writeHubTrust(dir, members)}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
});
