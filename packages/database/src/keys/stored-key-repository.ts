import type { PrismaClient } from '../generated/client';

/** A key as the store holds it: wrapped under the customer's KEK (never in clear, never with the KEK). */
export interface StoredKeyRecord {
  /** 16 bytes. */
  readonly kid: Buffer;
  /** RFC 3394 wrap of the 16-byte content key under the KEK: 24 bytes. */
  readonly ek: Buffer;
  /** `#1.` + 40 upper-case hex digits. */
  readonly kekId: string;
  readonly info: string | null;
  readonly contentId: string | null;
  readonly expiration: Date | null;
  readonly createdAt: Date;
  readonly lastUpdate: Date;
}

export interface NewStoredKey {
  readonly kid: Buffer;
  readonly ek: Buffer;
  readonly kekId: string;
  readonly info?: string | null;
  readonly contentId?: string | null;
  readonly expiration?: Date | null;
}

/** A partial update: absent fields stay, `null` clears. `ek` and `kekId` change together. */
export interface StoredKeyChanges {
  readonly wrapped?: { readonly ek: Buffer; readonly kekId: string };
  readonly info?: string | null;
  readonly contentId?: string | null;
  readonly expiration?: Date | null;
}

export interface StoredKeyPage {
  /** Keys whose kid sorts after this one (the last kid of the previous page); none: from the start. */
  readonly after?: Buffer | null;
  readonly limit: number;
}

const keySelect = {
  kid: true,
  ek: true,
  kekId: true,
  info: true,
  contentId: true,
  expiration: true,
  createdAt: true,
  lastUpdate: true,
} as const;

type Row = {
  kid: Uint8Array;
  ek: Uint8Array;
  kekId: string;
  info: string | null;
  contentId: string | null;
  expiration: Date | null;
  createdAt: Date;
  lastUpdate: Date;
};

function toRecord(row: Row): StoredKeyRecord {
  return { ...row, kid: Buffer.from(row.kid), ek: Buffer.from(row.ek) };
}

/**
 * The key store of each account. Every method takes the account's id and sees only that account's keys: another
 * account's kid is simply not there. Nothing here checks a KEK; the caller wraps and unwraps.
 */
export class StoredKeyRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * The key stored under `key.kid`, created from `key` when there is none. Safe under concurrency: the insert is
   * `INSERT … ON CONFLICT DO NOTHING` (createMany with skipDuplicates), so of racing creators exactly one gets
   * `created: true` and all of them read back the same row.
   */
  async getOrCreate(accountId: number, key: NewStoredKey): Promise<{ created: boolean; key: StoredKeyRecord }> {
    for (let attempt = 0; ; attempt++) {
      const { count } = await this.prisma.storedKey.createMany({
        data: [
          {
            accountId,
            kid: new Uint8Array(key.kid),
            ek: new Uint8Array(key.ek),
            kekId: key.kekId,
            info: key.info ?? null,
            contentId: key.contentId ?? null,
            expiration: key.expiration ?? null,
          },
        ],
        skipDuplicates: true,
      });
      const stored = await this.find(accountId, key.kid);
      if (stored) return { created: count === 1, key: stored };
      // Deleted between the insert and the read: try again (a delete racing a create is rare, so is a retry).
      if (attempt >= 3) throw new Error('stored key vanished under concurrent deletes');
    }
  }

  async find(accountId: number, kid: Buffer): Promise<StoredKeyRecord | null> {
    const row = await this.prisma.storedKey.findUnique({
      where: { accountId_kid: { accountId, kid: new Uint8Array(kid) } },
      select: keySelect,
    });
    return row ? toRecord(row) : null;
  }

  /** The stored keys among `kids`, in no particular order; duplicates and absent kids are the caller's to map. */
  async findMany(accountId: number, kids: readonly Buffer[]): Promise<StoredKeyRecord[]> {
    if (kids.length === 0) return [];
    const rows = await this.prisma.storedKey.findMany({
      where: { accountId, kid: { in: kids.map((kid) => new Uint8Array(kid)) } },
      select: keySelect,
    });
    return rows.map(toRecord);
  }

  /** The updated key, or null when the account has none under `kid`. Sets `lastUpdate`. */
  async update(accountId: number, kid: Buffer, changes: StoredKeyChanges): Promise<StoredKeyRecord | null> {
    const { count } = await this.prisma.storedKey.updateMany({
      where: { accountId, kid: new Uint8Array(kid) },
      data: {
        ...(changes.wrapped ? { ek: new Uint8Array(changes.wrapped.ek), kekId: changes.wrapped.kekId } : {}),
        ...(changes.info !== undefined ? { info: changes.info } : {}),
        ...(changes.contentId !== undefined ? { contentId: changes.contentId } : {}),
        ...(changes.expiration !== undefined ? { expiration: changes.expiration } : {}),
        lastUpdate: new Date(),
      },
    });
    return count === 1 ? this.find(accountId, kid) : null;
  }

  /** False when the account has no key under `kid`. */
  async delete(accountId: number, kid: Buffer): Promise<boolean> {
    const { count } = await this.prisma.storedKey.deleteMany({ where: { accountId, kid: new Uint8Array(kid) } });
    return count === 1;
  }

  /** One page of the account's keys in kid order (byte order: the order of their hex). */
  async list(accountId: number, page: StoredKeyPage): Promise<StoredKeyRecord[]> {
    // Raw because Prisma has no `gt` on Bytes; (account_id, kid) is the unique index, so this is one index range scan.
    const after = new Uint8Array(page.after ?? Buffer.alloc(0));
    const rows = await this.prisma.$queryRaw<Row[]>`
      SELECT kid, ek, kek_id AS "kekId", info, content_id AS "contentId", expiration,
             created_at AS "createdAt", last_update AS "lastUpdate"
        FROM stored_keys
       WHERE account_id = ${accountId} AND kid > ${after}
       ORDER BY kid
       LIMIT ${page.limit}`;
    return rows.map(toRecord);
  }

  count(accountId: number): Promise<number> {
    return this.prisma.storedKey.count({ where: { accountId } });
  }
}
