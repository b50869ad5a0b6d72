import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsLab } from '../netns.js';
import { launch, tcpListening } from './common.js';
import type { DaemonHandle } from './common.js';

/**
 * vsftpd in standalone foreground mode. Variant 'ok' greets with `220 <banner>`; variant 'oops'
 * listens normally but its configuration disables both local and anonymous login, so every
 * connection gets `500 OOPS: vsftpd: both local and anonymous access disabled!` and is closed:
 * "up but misconfigured".
 */

export interface VsftpdOptions {
  variant?: 'ok' | 'oops';
  banner?: string;
  port?: number;
  address?: string;
  extraConfig?: readonly string[];
}

export interface VsftpdHandle extends DaemonHandle {
  readonly port: number;
  readonly variant: 'ok' | 'oops';
  /** The text after `220 ` for 'ok'. */
  readonly banner: string;
  /** The reply line every connection gets for 'oops'. */
  readonly oopsLine: string | undefined;
}

const OOPS_LINE = '500 OOPS: vsftpd: both local and anonymous access disabled!';

export async function startVsftpd(lab: NetnsLab, host: string, options: VsftpdOptions = {}): Promise<VsftpdHandle> {
  const address = options.address ?? lab.addr(host);
  const port = options.port ?? 21;
  const variant = options.variant ?? 'ok';
  const banner = options.banner ?? `netcheck lab ftp on ${host}`;
  const dir = lab.tempDir('vsftpd');
  // vsftpd refuses to run without an empty, root-owned, non-writable secure_chroot_dir.
  const emptyDir = join(dir, 'empty');
  mkdirSync(emptyDir, { mode: 0o755 });
  const ipv6 = address.includes(':');
  const config = [
    ipv6 ? 'listen=NO' : 'listen=YES',
    ipv6 ? 'listen_ipv6=YES' : 'listen_ipv6=NO',
    `listen_address${ipv6 ? '6' : ''}=${address}`,
    `listen_port=${port}`,
    'background=NO',
    'anonymous_enable=NO',
    `local_enable=${variant === 'ok' ? 'YES' : 'NO'}`,
    `secure_chroot_dir=${emptyDir}`,
    'xferlog_enable=NO',
    // The seccomp sandbox kills vsftpd in some container runtimes; the lab gains nothing from it.
    'seccomp_sandbox=NO',
    `ftpd_banner=${banner}`,
    ...(options.extraConfig ?? []),
  ];
  const configPath = join(dir, 'vsftpd.conf');
  writeFileSync(configPath, `${config.join('\n')}\n`);

  const daemon = await launch({
    name: 'vsftpd',
    lab,
    host,
    address,
    dir,
    command: '/usr/sbin/vsftpd',
    args: [configPath],
    ready: tcpListening(lab, host, port),
  });
  return { ...daemon, port, variant, banner, oopsLine: variant === 'oops' ? OOPS_LINE : undefined };
}
