import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { TOOL_VERSION } from '../src/core/version.js';
import { openFileLimit } from '../src/runner/limits.js';
import { nmapVersion } from './nmap.js';

/** What the figures were measured on, for the table's header. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly kernel: string;
  readonly os: string;
  readonly node: string;
  readonly nmap: string;
  readonly tool: string;
  readonly openFiles: number;
  readonly date: string;
}

export function describeMachine(): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? '?',
    cores: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    os: osName(),
    node: process.version,
    nmap: nmapVersion() ?? 'not installed',
    tool: TOOL_VERSION,
    openFiles: openFileLimit(),
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  };
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

/** Whether nft and nmap exist (the suites say plainly what they skip). */
export function hasCommand(command: string, args: readonly string[] = ['--version']): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
