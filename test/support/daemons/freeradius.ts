import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsLab } from '../netns.js';
import { LAB_SUBNET4, LAB_SUBNET6 } from '../netns.js';
import { runOk } from '../process.js';
import { hostPort, launch } from './common.js';
import type { DaemonHandle } from './common.js';

/**
 * FreeRADIUS 3 in the foreground with a private copy of Debian's /etc/freeradius/3.0: the stock
 * sites are replaced by one small virtual server (auth + acct listeners), EAP is removed (it needs
 * TLS certificates Debian does not generate), clients.conf holds one subnet and secret, and the
 * files module knows one probe user. As root, so the `user/group = freerad` lines are commented out.
 */

export interface FreeradiusOptions {
  secret?: string;
  /** Answer Status-Server (RFC 5997). Default true, as FreeRADIUS ships. */
  statusServer?: boolean;
  /** Client subnets allowed to talk to the server (default: the lab's IPv4 and IPv6 subnets). */
  clientSubnets?: readonly string[];
  /** Per-client `require_message_authenticator` (Access-Request without MA is then dropped). */
  requireMessageAuthenticator?: boolean;
  authPort?: number;
  acctPort?: number;
  address?: string;
  probeUser?: { name: string; password: string };
}

export interface FreeradiusHandle extends DaemonHandle {
  readonly secret: string;
  readonly authPort: number;
  readonly acctPort: number;
  readonly statusServer: boolean;
  /** A user of the files module, for tests that must send an Access-Request. */
  readonly probeUser: { readonly name: string; readonly password: string };
}

export async function startFreeradius(lab: NetnsLab, host: string, options: FreeradiusOptions = {}): Promise<FreeradiusHandle> {
  const address = options.address ?? lab.addr(host);
  const secret = options.secret ?? 'netcheck-radius-secret';
  const statusServer = options.statusServer ?? true;
  const authPort = options.authPort ?? 1812;
  const acctPort = options.acctPort ?? 1813;
  const probeUser = options.probeUser ?? { name: 'netcheck-probe', password: 'netcheck-probe-password' };
  const dir = lab.tempDir('freeradius');
  const raddb = join(dir, 'raddb');
  // cp -a keeps the relative symlinks of mods-enabled/sites-enabled pointing inside the copy.
  await runOk('cp', ['-a', '/etc/freeradius/3.0', raddb]);
  for (const site of readdirSync(join(raddb, 'sites-enabled'))) rmSync(join(raddb, 'sites-enabled', site));
  rmSync(join(raddb, 'mods-enabled', 'eap'), { force: true });

  const radiusdConf = join(raddb, 'radiusd.conf');
  writeFileSync(
    radiusdConf,
    readFileSync(radiusdConf, 'utf8')
      .replace(/^(\s*)(user|group)\s*=\s*freerad\s*$/gm, '$1#$2 = freerad')
      .replace(/^logdir = .*$/m, `logdir = ${dir}`)
      .replace(/^run_dir = .*$/m, `run_dir = ${dir}`)
      .replace(/^(\s*)status_server = \w+/m, `$1status_server = ${statusServer ? 'yes' : 'no'}`),
  );
  const clients = (options.clientSubnets ?? [LAB_SUBNET4, LAB_SUBNET6]).map((subnet, index) =>
    [
      `client lab${index} {`,
      `  ${subnet.includes(':') ? 'ipv6addr' : 'ipaddr'} = ${subnet}`,
      `  secret = ${secret}`,
      `  require_message_authenticator = ${options.requireMessageAuthenticator ? 'yes' : 'no'}`,
      '}',
    ].join('\n'),
  );
  writeFileSync(join(raddb, 'clients.conf'), `${clients.join('\n')}\n`);
  writeFileSync(join(raddb, 'sites-enabled', 'netcheck'), virtualServer(address, authPort, acctPort));
  const users = join(raddb, 'mods-config', 'files', 'authorize');
  writeFileSync(users, `${probeUser.name} Cleartext-Password := "${probeUser.password}"\n\n${readFileSync(users, 'utf8')}`);

  const daemon = await launch({
    name: 'freeradius',
    lab,
    host,
    address,
    dir,
    command: '/usr/sbin/freeradius',
    args: ['-f', '-d', raddb, '-l', 'stdout'],
    // The log line first: a Status-Server sent before the sockets are bound would cost a full client timeout.
    ready: statusServer
      ? async (child) => {
          if (!/Ready to process requests/.test(child.output())) return false;
          const reply = await lab.exec(host, 'radclient', ['-r', '1', '-t', '1', hostPort(address, authPort), 'status', secret], {
            input: 'Message-Authenticator = 0x00\n',
          });
          return reply.code === 0;
        }
      : async (child) => /Ready to process requests/.test(child.output()) && lab.listening(host, 'udp', authPort),
  });
  return { ...daemon, secret, authPort, acctPort, statusServer, probeUser };
}

function virtualServer(address: string, authPort: number, acctPort: number): string {
  const family = address.includes(':') ? 'ipv6addr' : 'ipaddr';
  return `server netcheck {
  listen {
    type = auth
    ${family} = ${address}
    port = ${authPort}
  }
  listen {
    type = acct
    ${family} = ${address}
    port = ${acctPort}
  }
  authorize {
    files
    pap
  }
  authenticate {
    Auth-Type PAP {
      pap
    }
  }
  preacct {
  }
  accounting {
    ok
  }
}
`;
}
