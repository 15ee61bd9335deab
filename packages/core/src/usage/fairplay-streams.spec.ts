import { continuesFairPlayPlayback, fairPlayStreamSeconds } from './fairplay-streams';

describe('fairPlayStreamSeconds: how long a FairPlay stream lives from its CKC', () => {
  it.each([
    [{ keyType: 'lease', leaseSeconds: 120, rentalSeconds: 0 }, 150],
    [{ keyType: 'leaseAndRental', leaseSeconds: 120, rentalSeconds: 86_400 }, 150],
    [{ keyType: 'leaseAndRental', leaseSeconds: 0, rentalSeconds: 600 }, 630],
    [{ keyType: 'rental', leaseSeconds: 0, rentalSeconds: 7200 }, 7230],
    // No lease and no rental the client enforces: only the grace.
    [{ keyType: 'rental', leaseSeconds: 0, rentalSeconds: 0 }, 30],
    [{ keyType: 'persistence', leaseSeconds: 0, rentalSeconds: 0 }, 30],
    [{ keyType: 'persistenceAndDuration', leaseSeconds: 0, rentalSeconds: 2_592_000 }, 30],
    [{}, 30],
  ])('%p lives %p seconds with a 30 s grace', (ckc, seconds) => {
    expect(fairPlayStreamSeconds(ckc, 30)).toBe(seconds);
  });
});

describe('continuesFairPlayPlayback: a lease renewal, not a new playback', () => {
  it.each([
    ['playing', true],
    ['playing-key-not-required', true],
    ['first-playback', false],
    [undefined, false],
  ])('playback state %p → %p', (state, renewal) => {
    expect(continuesFairPlayPlayback(state)).toBe(renewal);
  });
});
