/**
 * The authentication exchange of the connection phase (and of COM_CHANGE_USER), after the
 * client's first response. See README "Authentication flows" for the diagrams.
 */
import type { Account, Handler } from '../handler';
import { PayloadBuilder } from './buffer';
import { AuthPlugin } from './constants';
import type { AuthPluginName } from './constants';
import {
  decryptSha2Password,
  sha2FastAuthDigest,
  stripNul,
  verifyNative,
  verifySha2Password,
  verifySha2Scramble,
} from './credentials';
import type { Sha2AuthCache } from './credentials';

/** How the exchange talks to the client: one payload out, one payload in. */
export interface AuthChannel {
  send(payload: Uint8Array): Promise<void>;
  receive(): Promise<Buffer>;
  /** The connection is TLS (full authentication may send the password in the clear). */
  readonly secure: boolean;
}

export interface AuthKeys {
  /** PEM of the RSA key pair for caching_sha2 full authentication without TLS. */
  readonly rsaPrivateKey: string | undefined;
  readonly rsaPublicKey: string | undefined;
}

export interface AuthRequest {
  readonly user: string;
  readonly host: string;
  /** The plugin the client used for `response` (undefined: mysql_native_password). */
  readonly clientPlugin: string | undefined;
  readonly response: Buffer;
  readonly scramble: Uint8Array;
}

const AUTH_MORE_DATA = 0x01;
const AUTH_SWITCH_REQUEST = 0xfe;
const REQUEST_PUBLIC_KEY = 0x02;
const FAST_AUTH_SUCCESS = 0x03;
const PERFORM_FULL_AUTHENTICATION = 0x04;

function isSupported(plugin: string | undefined): plugin is AuthPluginName {
  return plugin === AuthPlugin.NATIVE || plugin === AuthPlugin.CACHING_SHA2;
}

function authSwitchRequest(plugin: AuthPluginName, scramble: Uint8Array): Buffer {
  return Buffer.from(
    new PayloadBuilder(64).int1(AUTH_SWITCH_REQUEST).strNul(plugin).bytes(scramble).int1(0).view(),
  );
}

function moreData(data: Uint8Array): Buffer {
  return Buffer.from(new PayloadBuilder(data.length + 1).int1(AUTH_MORE_DATA).bytes(data).view());
}

export class Authenticator {
  constructor(
    private readonly handler: Handler,
    private readonly cache: Sha2AuthCache,
    private readonly keys: AuthKeys,
  ) {}

  /**
   * Runs the exchange to its end: the account whose password the client proved, or undefined
   * (refused). The caller sends the final OK or ERR.
   */
  async authenticate(req: AuthRequest, io: AuthChannel): Promise<Account | undefined> {
    const account = await this.handler.lookupAccount(req.user, req.host);
    return (await this.proves(req, io, account)) ? account : undefined;
  }

  private async proves(
    req: AuthRequest,
    io: AuthChannel,
    account: Account | undefined,
  ): Promise<boolean> {
    // An unknown user is refused with the same answer as a wrong password; the exchange is run
    // with the client's own plugin so its shape does not reveal which accounts exist.
    const plugin: AuthPluginName =
      account?.plugin ??
      (isSupported(req.clientPlugin) ? req.clientPlugin : AuthPlugin.CACHING_SHA2);
    let response = req.response;
    if ((req.clientPlugin ?? AuthPlugin.NATIVE) !== plugin) {
      await io.send(authSwitchRequest(plugin, req.scramble));
      response = await io.receive();
    }
    if (account === undefined) return false;
    switch (plugin) {
      case AuthPlugin.NATIVE:
        return verifyNative(account.credential, req.scramble, response);
      case AuthPlugin.CACHING_SHA2:
        return this.cachingSha2(req, account, response, io);
    }
  }

  private async cachingSha2(
    req: AuthRequest,
    account: Account,
    response: Buffer,
    io: AuthChannel,
  ): Promise<boolean> {
    if (account.credential === '' || response.length === 0) {
      return account.credential === '' && response.length === 0;
    }
    const digest = this.cache.get(req.user, req.host, account.credential);
    if (digest !== undefined && verifySha2Scramble(digest, req.scramble, response)) {
      await io.send(moreData(Uint8Array.of(FAST_AUTH_SUCCESS)));
      return true;
    }
    await io.send(moreData(Uint8Array.of(PERFORM_FULL_AUTHENTICATION)));
    let message = await io.receive();
    let password: Buffer | undefined;
    if (io.secure) {
      password = stripNul(message);
    } else {
      const { rsaPrivateKey, rsaPublicKey } = this.keys;
      if (rsaPrivateKey === undefined || rsaPublicKey === undefined) return false;
      if (message.length === 1 && message[0] === REQUEST_PUBLIC_KEY) {
        await io.send(moreData(Buffer.from(rsaPublicKey, 'utf8')));
        message = await io.receive();
      }
      password = decryptSha2Password(rsaPrivateKey, req.scramble, message);
    }
    if (password === undefined) return false;
    const ok = await verifySha2Password(account.credential, password);
    if (ok) this.cache.set(req.user, req.host, account.credential, sha2FastAuthDigest(password));
    return ok;
  }
}
