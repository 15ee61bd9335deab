import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString } from 'class-validator';
import { Absent, AccountNumber } from './admin-fields';

export const USAGE_DRMS = ['wv', 'fp', 'ck'] as const;

/** `GET /admin/usage` (and the CLI's `usage`): the hourly usage roll-up of one account or of all, in a time range. */
export class UsageQueryDto {
  @Absent()
  @AccountNumber({ required: false, description: 'only this account; absent: every account summed' })
  account?: number;

  @Absent()
  @IsString({ message: 'from must be an RFC 3339 date-time' })
  @ApiProperty({
    type: 'string',
    format: 'date-time',
    required: false,
    description: 'hours from this time (down to its hour); default: to − 24 h',
  })
  from?: string;

  @Absent()
  @IsString({ message: 'to must be an RFC 3339 date-time' })
  @ApiProperty({
    type: 'string',
    format: 'date-time',
    required: false,
    description: 'hours before this time; default: now. At most 92 days after from.',
  })
  to?: string;

  @Absent()
  @IsIn(USAGE_DRMS, { message: 'drm must be wv, fp or ck' })
  @ApiProperty({ enum: USAGE_DRMS, required: false, description: 'only this DRM' })
  drm?: (typeof USAGE_DRMS)[number];
}
