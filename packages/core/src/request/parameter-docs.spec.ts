import { readEnvelope } from './parse-envelope';
import { envelopeParameterDocs, type ParameterDoc, tokenParameterDocs } from './parameter-docs';
import { attempt, refusal } from './testing/requests';

const byName = (docs: readonly ParameterDoc[]) => new Map(docs.map((doc) => [doc.name, doc]));

describe('tokenParameterDocs', () => {
  it("lists each DRM its own parameters, the envelope first, with the rows' required flags", () => {
    const wv = tokenParameterDocs('wv');
    const fp = tokenParameterDocs('fp');
    expect(wv.slice(0, 2).map((doc) => doc.name)).toEqual(['errorFormat', 'customerAuthenticator']);
    expect(wv.filter((doc) => doc.required).map((doc) => doc.name)).toEqual([
      'customerAuthenticator',
      'kid',
      'securityLevel',
      'hdcpOutputControl',
    ]);
    expect(fp.filter((doc) => doc.required).map((doc) => doc.name)).toEqual(['customerAuthenticator', 'iv']);
    expect(wv.map((doc) => doc.name)).toEqual(
      expect.arrayContaining([
        'kid',
        'contentKey',
        'kek',
        'ek',
        'wvExtension',
        'cookie',
        'expirationTime',
        'generalFlags',
      ]),
    );
    expect(wv.map((doc) => doc.name)).not.toContain('iv');
    expect(fp.map((doc) => doc.name)).toEqual(
      expect.arrayContaining(['iv', 'rentalDuration', 'fpExtension', 'rightsType', 'analogVideoOPL']),
    );
    expect(fp.map((doc) => doc.name)).not.toContain('securityLevel');
    expect(byName(wv).get('wvExtension')?.maxCount).toBeGreaterThan(1);
  });

  it('describes every parameter and names every code of its row in the description', () => {
    for (const doc of [...tokenParameterDocs('wv'), ...tokenParameterDocs('fp')]) {
      expect(doc.description.length).toBeGreaterThan(20);
      for (const code of [doc.missing, ...doc.invalid])
        if (code !== null)
          expect({ name: doc.name, text: doc.description }).toEqual({
            name: doc.name,
            text: expect.stringContaining(String(code)),
          });
    }
    expect(byName(tokenParameterDocs('wv')).get('securityLevel')?.description).toMatch(
      /Codes: missing or empty -7003; invalid -7004\.$/,
    );
  });

  it('documents the codes parsing answers (a sample of each kind)', () => {
    const wv = byName(tokenParameterDocs('wv'));
    const fp = byName(tokenParameterDocs('fp'));
    expect(wv.get('securityLevel')?.missing).toBe(refusal('wv', { securityLevel: null }).code);
    expect(wv.get('securityLevel')?.invalid).toContain(refusal('wv', { securityLevel: '9' }).code);
    // The codes besides a row's main one: a kid of the wrong length, a name that is too long.
    expect(wv.get('kid')?.invalid).toContain(refusal('wv', { kid: 'ab' }).code);
    expect(wv.get('kid')?.invalid).toContain(refusal('wv', { kid: `^${'n'.repeat(65)}` }).code);
    expect(fp.get('iv')?.missing ?? fp.get('iv')?.invalid[0]).toBe(refusal('fp', { iv: null }).code);
    expect(fp.get('rightsType')?.missing).toBe(refusal('fp', { rightsType: '' }).code);
  });
});

describe('envelopeParameterDocs', () => {
  it('is errorFormat, then customerAuthenticator (required), with the codes readEnvelope answers', () => {
    const docs = envelopeParameterDocs();
    expect(docs.map((doc) => [doc.name, doc.required])).toEqual([
      ['errorFormat', false],
      ['customerAuthenticator', true],
    ]);
    expect(docs[1]?.missing).toBe(attempt(() => readEnvelope([])).code);
    expect(docs[0]?.invalid).toContain(attempt(() => readEnvelope([['errorFormat', 'xml']])).code);
  });
});
