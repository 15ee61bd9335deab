-- W3C Clear Key as a third DRM (docs/decisions/0010-clear-key.md): `ck` in the DRM enum of the audit rows, and the
-- account switch, on by default like the Widevine and FairPlay switches. The new enum value is not used in this
-- migration, so adding it inside the migration's transaction is allowed (PostgreSQL 12 and later).
-- AlterEnum
ALTER TYPE "Drm" ADD VALUE 'ck';

-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "clear_key_enabled" BOOLEAN NOT NULL DEFAULT true;
