import type { TrackKind } from './protect';

/** W3C's Clear Key system ID as DASH names it (dashif.org's registry). */
export const CLEAR_KEY_DASH_SCHEME = 'urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e';

export interface DashTrack {
  /** Representation id; its segments are `<name>-init.mp4` and `<name>-<n>.m4s`, n from 1. */
  readonly name: string;
  readonly kind: TrackKind;
  readonly codecs: string;
  readonly timescale: number;
  /** Each segment's start and duration, in the timescale. */
  readonly segments: ReadonlyArray<{ readonly start: number; readonly duration: number }>;
}

/** The key ID as the manifest writes it: a UUID. */
export const kidUuid = (kid: Buffer): string =>
  kid.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/**
 * A static DASH manifest (SegmentTemplate with a SegmentTimeline) of CENC tracks under one key ID: each adaptation
 * set names the 'cenc' scheme with its default KID and the Clear Key system, which is what Shaka Player, dash.js and
 * a browser's Clear Key CDM need to ask for the key.
 */
export function dashManifest(tracks: readonly DashTrack[], kid: Buffer, durationSeconds: number): string {
  const sets = tracks.map((track) => {
    const attributes =
      track.kind === 'video'
        ? 'bandwidth="1000000" width="640" height="360"'
        : 'bandwidth="64000" audioSamplingRate="48000"';
    const timeline = track.segments.map((s) => `<S t="${s.start}" d="${s.duration}"/>`).join('');
    return `
    <AdaptationSet contentType="${track.kind}" mimeType="${track.kind}/mp4" segmentAlignment="true">
      <ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" cenc:default_KID="${kidUuid(kid)}"/>
      <ContentProtection schemeIdUri="${CLEAR_KEY_DASH_SCHEME}" value="ClearKey1.0"/>
      <Representation id="${track.name}" codecs="${track.codecs}" ${attributes}>
        <SegmentTemplate timescale="${track.timescale}" initialization="${track.name}-init.mp4" media="${track.name}-$Number$.m4s">
          <SegmentTimeline>${timeline}</SegmentTimeline>
        </SegmentTemplate>
      </Representation>
    </AdaptationSet>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013" type="static"
     profiles="urn:mpeg:dash:profile:isoff-live:2011" mediaPresentationDuration="PT${durationSeconds}S" minBufferTime="PT1S">
  <Period start="PT0S">${sets.join('')}
  </Period>
</MPD>
`;
}
