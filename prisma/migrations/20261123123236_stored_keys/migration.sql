-- CreateTable
CREATE TABLE "stored_keys" (
    "id" BIGSERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "kid" BYTEA NOT NULL,
    "ek" BYTEA NOT NULL,
    "kek_id" TEXT NOT NULL,
    "info" TEXT,
    "content_id" TEXT,
    "expiration" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_update" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stored_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "stored_keys_account_id_kid_key" ON "stored_keys"("account_id", "kid");

-- AddForeignKey
ALTER TABLE "stored_keys" ADD CONSTRAINT "stored_keys_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Added by hand, as Prisma's schema cannot say it (datamodel diffs leave CHECK constraints alone): a kid is 16
-- bytes, an ek is a 16-byte key wrapped by RFC 3394 (24 bytes), a kekId is "#1." and 40 upper-case hex digits.
ALTER TABLE "stored_keys" ADD CONSTRAINT "stored_keys_kid_length" CHECK (octet_length("kid") = 16);
ALTER TABLE "stored_keys" ADD CONSTRAINT "stored_keys_ek_length" CHECK (octet_length("ek") = 24);
ALTER TABLE "stored_keys" ADD CONSTRAINT "stored_keys_kek_id_shape" CHECK ("kek_id" ~ '^#1\.[0-9A-F]{40}$');
