import { describe, expect, it } from 'vitest';
import { MispValidationError, mispFeedEventPath, mispFeedEventsSince, mispFeedLatestTimestamp, parseMispFeedManifest } from '../index.ts';

// Shape of a MISP feed manifest.json (event uuid → summary), as served by e.g. the CIRCL OSINT feed.
const manifest = {
  '5e6f3a8c-2b1d-4c7e-9f4a-0d2c8b7a6e51': {
    Orgc: { name: 'Example Election ISAC', uuid: '6a1f2e3d-4c5b-4a69-8f7e-1d2c3b4a5f60' },
    Tag: [{ colour: '#339900', name: 'tlp:green' }],
    info: 'Phishing campaign targeting county election officials',
    date: '2024-10-28',
    analysis: '2',
    threat_level_id: '2',
    timestamp: '1730210400',
  },
  '0b7e4d4e-7d59-4f5a-9c1e-1c9f3a7d2b10': { Orgc: { name: 'CIRCL' }, Tag: [], info: 'Older event', date: '2024-01-02', timestamp: 1704153600 },
  'a0c22599-9e58-4da4-96ac-7051603fa951': { info: 'Newest', timestamp: '1730300000', published: true },
};

describe('MISP feed manifest', () => {
  const entries = parseMispFeedManifest(manifest);
  it('flattens and sorts by timestamp', () => {
    expect(entries.map((e) => e.info)).toEqual(['Older event', 'Phishing campaign targeting county election officials', 'Newest']);
    expect(entries[1]).toEqual({
      uuid: '5e6f3a8c-2b1d-4c7e-9f4a-0d2c8b7a6e51',
      info: 'Phishing campaign targeting county election officials',
      timestamp: 1730210400,
      date: '2024-10-28',
      orgcName: 'Example Election ISAC',
      orgcUuid: '6a1f2e3d-4c5b-4a69-8f7e-1d2c3b4a5f60',
      tags: ['tlp:green'],
      threatLevelId: '2',
      analysis: '2',
    });
  });
  it('selects events changed strictly after a timestamp or Date', () => {
    expect(mispFeedEventsSince(entries, 1730210400).map((e) => e.info)).toEqual(['Newest']);
    expect(mispFeedEventsSince(entries, new Date(1730210399 * 1000)).map((e) => e.info)).toEqual([
      'Phishing campaign targeting county election officials',
      'Newest',
    ]);
    expect(mispFeedEventsSince(entries, null)).toHaveLength(3);
    expect(mispFeedLatestTimestamp(entries)).toBe(1730300000);
    expect(mispFeedLatestTimestamp([])).toBeNull();
  });
  it('reports the JSON path of a bad entry', () => {
    const bad = structuredClone(manifest) as Record<string, Record<string, unknown>>;
    bad['0b7e4d4e-7d59-4f5a-9c1e-1c9f3a7d2b10'].timestamp = 'soon';
    expect(() => parseMispFeedManifest(bad)).toThrow(MispValidationError);
    try {
      parseMispFeedManifest(bad);
    } catch (e) {
      expect((e as MispValidationError).issues[0].path).toBe('["0b7e4d4e-7d59-4f5a-9c1e-1c9f3a7d2b10"].timestamp');
    }
    expect(() => parseMispFeedManifest({ 'not-a-uuid': { info: 'x', timestamp: 1 } })).toThrow(MispValidationError);
    expect(() => parseMispFeedManifest('[]')).toThrow(MispValidationError);
  });
  it('event file path', () => {
    expect(mispFeedEventPath('5E6F3A8C-2B1D-4C7E-9F4A-0D2C8B7A6E51')).toBe('5e6f3a8c-2b1d-4c7e-9f4a-0d2c8b7a6e51.json');
    expect(() => mispFeedEventPath('../../etc/passwd')).toThrow(MispValidationError);
  });
});
