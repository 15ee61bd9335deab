import { ExpressPlayError } from '../errors';
import {
  assertReleasable,
  RELEASE_GRACE_SECONDS,
  RELEASE_MAX_AGE_SECONDS,
  releaseDeadline,
  TOKEN_EXPIRED_RELEASE_TOO_LATE,
} from '.';

const ISSUED = 1767225600; // 2026-01-01T00:00:00Z
const DAY = 86400;

function refusal(fn: () => unknown): ExpressPlayError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressPlayError);
    return error as ExpressPlayError;
  }
  throw new Error('expected an error');
}

describe('releaseDeadline', () => {
  it('a license with bounded rental and playback: its end plus the grace', () => {
    expect(releaseDeadline(ISSUED, 7 * DAY, 2 * DAY)).toBe(ISSUED + 9 * DAY + RELEASE_GRACE_SECONDS);
    expect(releaseDeadline(ISSUED, 1, 1)).toBe(ISSUED + 2 + RELEASE_GRACE_SECONDS);
  });

  it('a license that may play indefinitely (either duration 0, a streaming license): the maximum age', () => {
    for (const [rental, playback] of [
      [0, 0],
      [0, 3600],
      [7 * DAY, 0],
    ]) {
      expect(releaseDeadline(ISSUED, rental, playback)).toBe(ISSUED + RELEASE_MAX_AGE_SECONDS);
    }
  });

  it('never later than the maximum age, however long the license lives', () => {
    expect(releaseDeadline(ISSUED, 2147483647, 2147483647)).toBe(ISSUED + RELEASE_MAX_AGE_SECONDS);
    expect(releaseDeadline(ISSUED, RELEASE_MAX_AGE_SECONDS - RELEASE_GRACE_SECONDS - 10, 10)).toBe(
      ISSUED + RELEASE_MAX_AGE_SECONDS,
    );
    expect(releaseDeadline(ISSUED, RELEASE_MAX_AGE_SECONDS - RELEASE_GRACE_SECONDS - 11, 10)).toBe(
      ISSUED + RELEASE_MAX_AGE_SECONDS - 1,
    );
  });
});

describe('assertReleasable', () => {
  it('answers up to and including the deadline', () => {
    const deadline = releaseDeadline(ISSUED, DAY, DAY);
    for (const now of [ISSUED, ISSUED + 2 * DAY, deadline]) {
      expect(() => assertReleasable(ISSUED, DAY, DAY, now)).not.toThrow();
    }
    expect(() => assertReleasable(ISSUED, 0, 0, ISSUED + RELEASE_MAX_AGE_SECONDS)).not.toThrow();
  });

  it('refuses after the deadline with -4010, saying why', () => {
    const cases: Array<[number, number, number]> = [
      [DAY, DAY, releaseDeadline(ISSUED, DAY, DAY) + 1],
      [0, 0, ISSUED + RELEASE_MAX_AGE_SECONDS + 1],
      [DAY, DAY, NaN],
    ];
    for (const [rental, playback, now] of cases) {
      const error = refusal(() => assertReleasable(ISSUED, rental, playback, now));
      expect([error.code, error.details]).toEqual([-4010, TOKEN_EXPIRED_RELEASE_TOO_LATE]);
    }
  });
});
