import { usageHours, type UsageHour, type UsageRange } from '@openplay/core';
import type { Drm, UsageQuery } from '@openplay/database';

/** The answer of `GET /admin/usage` and `GET /cmiapi/usage` (docs/api.md). */
export interface UsageResponse {
  readonly account: number | null;
  readonly from: string;
  readonly to: string;
  /** The account's balance; null: unlimited, or every account. */
  readonly credits: number | null;
  readonly hours: readonly UsageHour[];
}

/** One account's usage (with its balance), or every account's summed (`account` null), from the hourly roll-up. */
export async function usageResponse(
  usage: UsageQuery,
  account: { readonly number: number; readonly credits: bigint | null } | null,
  range: UsageRange,
  drm: Drm | undefined,
): Promise<UsageResponse> {
  const counters = await usage.counters({ ...range, accountNumber: account?.number, drm });
  return {
    account: account?.number ?? null,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    credits: account?.credits === null || account === null ? null : Number(account.credits),
    hours: usageHours(counters),
  };
}
