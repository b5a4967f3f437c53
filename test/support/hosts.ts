/**
 * Hosts of their own for some members, on this machine: Linux network namespaces, each with its
 * own address on a bridge of the test's own, in the range set aside for network tests (RFC 2544,
 * 198.18.0.0/15). The members there reach the database server through a small TCP relay on the
 * bridge. Needs root and iproute2; `hostsUnavailable()` says why not.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import type { MemberPlacement } from '../../src/hub/processes';
import { freePort } from './ports';

const SUBNET = '198.18.0';
/** This host's address on the bridge: the hub's own members listen there. */
export const HUB_ADDRESS = `${SUBNET}.1`;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const tag = `wgh${process.pid % 10000}`;

/** Why members cannot be given hosts of their own here, or undefined when they can. */
export function hostsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'it needs root';
  try {
    ip('netns', 'add', `${tag}-probe`);
    ip('netns', 'del', `${tag}-probe`);
    return undefined;
  } catch (error) {
    return `\`ip netns add\` failed (${String((error as { stderr?: Buffer }).stderr ?? error).trim()}); install iproute2`;
  }
}

export interface TestHosts {
  /** Where each placed member runs, for startProcessHub. */
  placement(member: string): MemberPlacement | undefined;
  address(member: string): string;
  /** Cuts a member's host off the network (packets are dropped, as in a real partition), or joins it again. */
  partition(member: string, cut: boolean): void;
  remove(): Promise<void>;
}

/** Makes a host for each of `members`, reaching the database server `databaseUrl` names. */
export async function makeHosts(members: string[], databaseUrl: string): Promise<TestHosts> {
  const bridge = `${tag}br`;
  const hosts = new Map(members.map((member, i) => [member, { namespace: `${tag}-${i}`, address: `${SUBNET}.${i + 2}`, link: `${tag}v${i}` }]));
  const proxyPort = await freePort();
  const server = new URL(databaseUrl);
  const relay = net.createServer((client) => {
    const upstream = net.connect(Number(server.port || 5432), server.hostname);
    client.pipe(upstream).pipe(client);
    const close = () => (client.destroy(), upstream.destroy());
    client.on('error', close);
    upstream.on('error', close);
  });
  const remove = async () => {
    await new Promise((resolve) => relay.close(resolve));
    // Deleting a namespace takes its end of the veth pair, and so the pair, with it.
    for (const { namespace } of hosts.values()) quietly(() => ip('netns', 'del', namespace));
    quietly(() => ip('link', 'del', bridge));
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${HUB_ADDRESS}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (const { namespace, address, link } of hosts.values()) {
      ip('netns', 'add', namespace);
      ip('link', 'add', link, 'type', 'veth', 'peer', 'name', `${link}p`, 'netns', namespace);
      ip('link', 'set', link, 'master', bridge, 'up');
      ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', `${link}p`);
      ip('-n', namespace, 'link', 'set', `${link}p`, 'up');
      ip('-n', namespace, 'link', 'set', 'lo', 'up');
    }
    await new Promise<void>((resolve) => relay.listen(proxyPort, HUB_ADDRESS, resolve));
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    placement(member) {
      const host = hosts.get(member);
      return host && { address: host.address, launcher: ['ip', 'netns', 'exec', host.namespace], database: `${HUB_ADDRESS}:${proxyPort}` };
    },
    address: (member) => hosts.get(member)!.address,
    partition: (member, cut) => ip('link', 'set', hosts.get(member)!.link, cut ? 'down' : 'up'),
    remove,
  };
}

function quietly(work: () => void): void {
  try {
    work();
  } catch {
    // never made, or gone already
  }
}
