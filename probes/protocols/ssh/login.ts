import type { AnyAuthMethod, AuthHandlerMiddleware } from 'ssh2';
import type { SshLogin } from '../../../src/core/credentials.js';
import type { Ssh2 } from './library.js';

/**
 * How the probe logs in: each configured credential at most once, and only with a method the
 * server offers. ssh2's default order would try a password twice (`password`, then
 * `keyboard-interactive` with the same password), i.e. two failures in the device's log (and
 * fail2ban's count) for one wrong password.
 */
export function loginStrategy(login: SshLogin): AuthHandlerMiddleware {
  const { username } = login;
  const tried = new Set<string>();
  return (methodsLeft, _partialSuccess, next) => {
    // The first call has no list yet: `none` asks the server which methods it accepts.
    if (methodsLeft === null) {
      tried.add('none');
      next({ type: 'none', username });
      return;
    }
    const offered = (method: string): boolean => methodsLeft.includes(method as never) && !tried.has(method);
    let method: AnyAuthMethod | undefined;
    if (login.privateKey !== undefined && offered('publickey')) {
      method = {
        type: 'publickey',
        username,
        // Secrets leave their wrapper here, straight into ssh2, which signs or sends with them.
        key: login.privateKey.reveal(),
        ...(login.passphrase === undefined ? {} : { passphrase: login.passphrase.reveal() }),
      };
    } else if (login.password !== undefined && offered('password')) {
      method = { type: 'password', username, password: login.password.reveal() };
    } else if (login.password !== undefined && offered('keyboard-interactive') && !tried.has('password')) {
      const password = login.password;
      method = {
        type: 'keyboard-interactive',
        username,
        // Hidden prompts are the password ones; anything shown in clear gets an empty answer.
        prompt: (_name, _instructions, _lang, prompts, finish) =>
          finish(prompts.map((prompt) => (prompt.echo === true ? '' : password.reveal()))),
      };
    }
    if (method === undefined) {
      next(false as unknown as 'none');
      return;
    }
    tried.add(method.type);
    next(method);
  };
}

/** Why the login's private key cannot be used (unparsable, wrong or missing passphrase), if so. */
export function unusableKey(ssh2: Ssh2, login: SshLogin): string | undefined {
  if (login.privateKey === undefined) return undefined;
  const parsed = ssh2.utils.parseKey(login.privateKey.reveal(), login.passphrase?.reveal());
  // ssh2's messages name the problem ("Encrypted private key detected, but no passphrase given"), never the key.
  return parsed instanceof Error ? parsed.message.slice(0, 200) : undefined;
}
