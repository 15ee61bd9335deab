-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "AccountStatus" AS ENUM ('active', 'disabled');

-- CreateEnum
CREATE TYPE "Environment" AS ENUM ('test', 'production');

-- CreateEnum
CREATE TYPE "Drm" AS ENUM ('wv', 'fp');

-- CreateEnum
CREATE TYPE "AuditKind" AS ENUM ('issuance', 'redemption');

-- CreateTable
CREATE TABLE "accounts" (
    "id" SERIAL NOT NULL,
    "number" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "status" "AccountStatus" NOT NULL DEFAULT 'active',
    "credits" BIGINT,
    "widevine_enabled" BOOLEAN NOT NULL DEFAULT true,
    "fairplay_authorized" BOOLEAN NOT NULL DEFAULT true,
    "fairplay_enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "authenticators" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "environment" "Environment" NOT NULL,
    "secret_hash" BYTEA NOT NULL,
    "label" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "authenticators_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" "AuditKind" NOT NULL,
    "drm" "Drm",
    "environment" "Environment" NOT NULL,
    "account_number" INTEGER,
    "token_id" TEXT,
    "kid" TEXT,
    "cookie" TEXT,
    "result_code" INTEGER NOT NULL,
    "message" TEXT,
    "client_address" TEXT,
    "user_agent" TEXT,
    "request_type" TEXT,
    "device" JSONB,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "accounts_number_key" ON "accounts"("number");

-- CreateIndex
CREATE UNIQUE INDEX "authenticators_secret_hash_key" ON "authenticators"("secret_hash");

-- CreateIndex
CREATE INDEX "authenticators_account_id_environment_idx" ON "authenticators"("account_id", "environment");

-- CreateIndex
CREATE INDEX "audit_events_cookie_idx" ON "audit_events"("cookie");

-- CreateIndex
CREATE INDEX "audit_events_token_id_idx" ON "audit_events"("token_id");

-- CreateIndex
CREATE INDEX "audit_events_account_number_at_idx" ON "audit_events"("account_number", "at");

-- AddForeignKey
ALTER TABLE "authenticators" ADD CONSTRAINT "authenticators_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
