import { createNetnsLab, type NetnsLab } from './netns.js';
import { runOk } from './process.js';

/**
 * A routed chain on top of the namespace lab (netns.ts, which names, isolates and cleans up):
 *
 *   vantage --(198.51.100.0/26, 2001:db8:a::/64)-- r1 --(.64/26, 2001:db8:b::/64)-- r2
 *           --(.128/26, 2001:db8:c::/64)-- target
 *
 * Each link is a veth pair between two host namespaces; the flat lab bridge is taken down in
 * these hosts, so every packet goes through the routers. No namespace has a default route: each
 * knows only the lab's subnets. The routers forward and reply with ICMP (rate limit off).
 */
export interface RoutedLab {
  readonly lab: NetnsLab;
  /** Addresses by role; a router's address is the one facing the vantage (the source of its ICMP errors). */
  readonly addr: {
    readonly vantage: { readonly 4: string; readonly 6: string };
    readonly r1: { readonly 4: string; readonly 6: string };
    readonly r2: { readonly 4: string; readonly 6: string };
    readonly target: { readonly 4: string; readonly 6: string };
  };
}

const LINKS = [
  { a: 'vantage', b: 'r1', v4: ['198.51.100.2', '198.51.100.1'], v6: ['2001:db8:a::2', '2001:db8:a::1'], p4: 26 },
  { a: 'r1', b: 'r2', v4: ['198.51.100.65', '198.51.100.66'], v6: ['2001:db8:b::1', '2001:db8:b::2'], p4: 26 },
  { a: 'r2', b: 'target', v4: ['198.51.100.129', '198.51.100.130'], v6: ['2001:db8:c::1', '2001:db8:c::2'], p4: 26 },
] as const;

/** Routes per host: [destination, gateway] in both families (no default route anywhere). */
const ROUTES: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  vantage: [['198.51.100.64/26', '198.51.100.1'], ['198.51.100.128/25', '198.51.100.1'], ['2001:db8:b::/64', '2001:db8:a::1'], ['2001:db8:c::/48', '2001:db8:a::1']],
  r1: [['198.51.100.128/25', '198.51.100.66'], ['2001:db8:c::/48', '2001:db8:b::2']],
  r2: [['198.51.100.0/26', '198.51.100.65'], ['2001:db8:a::/64', '2001:db8:b::1']],
  target: [['198.51.100.0/25', '198.51.100.129'], ['2001:db8:a::/64', '2001:db8:c::1'], ['2001:db8:b::/64', '2001:db8:c::1']],
};

export async function createRoutedLab(): Promise<RoutedLab> {
  const lab = await createNetnsLab({
    hosts: ['vantage', 'r1', 'r2', 'target'],
    sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '1' },
  });
  try {
    for (const host of lab.hosts) {
      await lab.execOk(host, 'ip', ['addr', 'flush', 'dev', 'eth0']);
      await lab.execOk(host, 'ip', ['link', 'set', 'eth0', 'down']);
    }
    for (const [index, link] of LINKS.entries()) {
      const aIf = `l${index}a`;
      const bIf = `l${index}b`;
      await runOk('ip', ['-n', lab.ns(link.a), 'link', 'add', aIf, 'type', 'veth', 'peer', 'name', bIf, 'netns', lab.ns(link.b)]);
      for (const [side, ifName, i] of [[link.a, aIf, 0], [link.b, bIf, 1]] as const) {
        await runOk('ip', ['-n', lab.ns(side), 'addr', 'add', `${link.v4[i]}/${link.p4}`, 'dev', ifName]);
        await runOk('ip', ['-n', lab.ns(side), 'addr', 'add', `${link.v6[i]}/64`, 'dev', ifName, 'nodad']);
        await runOk('ip', ['-n', lab.ns(side), 'link', 'set', ifName, 'up']);
      }
    }
    for (const [host, routes] of Object.entries(ROUTES)) {
      for (const [destination, gateway] of routes) {
        await runOk('ip', ['-n', lab.ns(host), ...(destination.includes(':') ? ['-6'] : []), 'route', 'add', destination, 'via', gateway]);
      }
    }
  } catch (error) {
    await lab.destroy();
    throw error;
  }
  return {
    lab,
    addr: {
      vantage: { 4: '198.51.100.2', 6: '2001:db8:a::2' },
      r1: { 4: '198.51.100.1', 6: '2001:db8:a::1' },
      r2: { 4: '198.51.100.66', 6: '2001:db8:b::2' },
      target: { 4: '198.51.100.130', 6: '2001:db8:c::2' },
    },
  };
}
