import { Inject, Injectable } from '@nestjs/common';
import {
  ExpressPlayError,
  type KeyJson,
  keyJson,
  keyMaterial,
  type KeyObjectBody,
  KeystoreError,
  keyValue,
  openStoredKey,
  parseKeyPathKid,
  parseKidList,
  type RawParams,
  readKek,
  readKeyObject,
  readKeyPage,
  readKeystoreAuthenticator,
} from '@openplay/core';
import { type AccountView, type StoredKeyRecord, StoredKeyRepository } from '@openplay/database';
import { randomBytes } from 'node:crypto';
import { AccountGate } from '../auth/account-gate';

export interface KeyPage {
  readonly keys: KeyJson[];
  /** The kid to continue after when the page is full, else null. */
  readonly next: string | null;
  readonly limit: number;
}

/**
 * The key store (ExpressPlay's SKM API) of the authenticated account. Every call checks, in this order: the
 * authenticator (-2017/-2018) and the account's status (-2031), then `kek` (-4024), then the kids of the path,
 * then the body's key object, then the key material; only then does it touch the store (404 for a kid the account
 * does not have, whoever else has it; -4024 for a kek that does not open a stored key). The rules are core's.
 */
@Injectable()
export class KeystoreService {
  constructor(
    @Inject(AccountGate) private readonly gate: AccountGate,
    @Inject(StoredKeyRepository) private readonly keys: StoredKeyRepository,
  ) {}

  private account(params: RawParams): Promise<AccountView> {
    return this.gate.authenticate(readKeystoreAuthenticator(params));
  }

  /** `POST /keystore/keys`: get-or-create. `created` false means the kid was stored already (left unchanged). */
  async create(params: RawParams, body: KeyObjectBody): Promise<{ created: boolean; key: KeyJson }> {
    const account = await this.account(params);
    const kek = readKek(params);
    const input = readKeyObject(body);
    const material = keyMaterial(input, kek, true)!;
    const { created, key } = await this.keys.getOrCreate(account.id, {
      kid: input.kid ?? randomBytes(16),
      ek: material.ek,
      kekId: material.kekId,
      info: input.info ?? null,
      contentId: input.contentId ?? null,
      expiration: input.expiration ?? null,
    });
    if (created) return { created, key: keyJson(key, material.k) };
    return { created, key: keyJson(key, kek ? openStoredKey(key, kek) : null) };
  }

  /** `PUT /keystore/keys/{kid}`: a partial update. With a kek and no new key, the kek must open the stored key. */
  async update(params: RawParams, kidSegment: string, body: KeyObjectBody): Promise<KeyJson> {
    const account = await this.account(params);
    const kek = readKek(params);
    const kid = parseKeyPathKid(kidSegment);
    const input = readKeyObject(body);
    if (input.kid && !input.kid.equals(kid))
      throw new ExpressPlayError(-4022, 'the body names another kid than the path');
    const material = keyMaterial(input, kek, false);
    let k = material?.k ?? null;
    if (!material && kek) {
      const current = await this.keys.find(account.id, kid);
      if (!current) throw notFound(kid);
      k = openStoredKey(current, kek);
    }
    const updated = await this.keys.update(account.id, kid, {
      ...(material ? { wrapped: { ek: material.ek, kekId: material.kekId } } : {}),
      info: input.info,
      contentId: input.contentId,
      expiration: input.expiration,
    });
    if (!updated) throw notFound(kid);
    return keyJson(updated, k);
  }

  /** `GET /keystore/keys/{kid}[,{kid}…]`: one key object for one kid, an array for several; 404 if any is missing. */
  async get(params: RawParams, kidsSegment: string): Promise<KeyJson | KeyJson[]> {
    const found = await this.fetch(params, kidsSegment);
    const keys = found.map(({ key, k }) => keyJson(key, k));
    return keys.length === 1 ? keys[0] : keys;
  }

  /** `GET /keystore/keys/{kid}[,{kid}…]/value`: hex keys (with the kek) or `#<ek>` (without), comma-separated. */
  async value(params: RawParams, kidsSegment: string): Promise<string> {
    const found = await this.fetch(params, kidsSegment);
    return found.map(({ key, k }) => keyValue(key, k)).join(',');
  }

  private async fetch(
    params: RawParams,
    kidsSegment: string,
  ): Promise<Array<{ key: StoredKeyRecord; k: Buffer | null }>> {
    const account = await this.account(params);
    const kek = readKek(params);
    const kids = parseKidList(kidsSegment);
    const stored = new Map((await this.keys.findMany(account.id, kids)).map((key) => [key.kid.toString('hex'), key]));
    return kids.map((kid) => {
      const key = stored.get(kid.toString('hex'));
      if (!key) throw notFound(kid);
      return { key, k: kek ? openStoredKey(key, kek) : null };
    });
  }

  /** `DELETE /keystore/keys/{kid}`. */
  async delete(params: RawParams, kidSegment: string): Promise<void> {
    const account = await this.account(params);
    const kid = parseKeyPathKid(kidSegment);
    if (!(await this.keys.delete(account.id, kid))) throw notFound(kid);
  }

  /** `GET /keystore/keys`: a page in kid order; with a kek, `k` for the keys it opens (the others come without). */
  async list(params: RawParams): Promise<KeyPage> {
    const account = await this.account(params);
    const kek = readKek(params);
    const { after, limit } = readKeyPage(params);
    const rows = await this.keys.list(account.id, { after, limit });
    const keys = rows.map((key) => keyJson(key, kek ? openIfItsKek(key, kek) : null));
    const last = rows[rows.length - 1];
    return { keys, next: rows.length === limit && last ? last.kid.toString('hex').toUpperCase() : null, limit };
  }

  /** `GET /keystore/keycount`. */
  async count(params: RawParams): Promise<{ keyCount: number }> {
    const account = await this.account(params);
    return { keyCount: await this.keys.count(account.id) };
  }
}

function notFound(kid: Buffer): KeystoreError {
  // The same answer whether another account has this kid or nobody has: the store is per account.
  return new KeystoreError(404, `no key is stored under kid ${kid.toString('hex').toUpperCase()}`);
}

function openIfItsKek(key: StoredKeyRecord, kek: Buffer): Buffer | null {
  try {
    return openStoredKey(key, kek);
  } catch (error) {
    if (error instanceof ExpressPlayError) return null;
    throw error;
  }
}
