import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_FRAUD_CHANNELS,
  MAX_CHANNELS,
  channelsFor,
  countryFromLanguage,
  validateChannels,
} from '../../src/core/fraud-channels';

const ROW = { country: 'GB', name: 'Action Fraud', url: 'https://www.actionfraud.police.uk/', note: 'National' };

describe('BUILT_IN_FRAUD_CHANNELS', () => {
  it('passes its own validation (so a user who resets gets a table that can be saved)', () => {
    const checked = validateChannels(BUILT_IN_FRAUD_CHANNELS);
    expect(checked).toEqual({ ok: true, rows: BUILT_IN_FRAUD_CHANNELS });
  });

  it('links only to government, police or national agency sites over https', () => {
    const hosts = BUILT_IN_FRAUD_CHANNELS.map((row) => new URL(row.url).hostname);
    for (const host of hosts)
      expect(host).toMatch(/(\.gov|\.gov\.au|\.gouv\.fr|\.police\.uk|\.gov\.in|\.gov\.sg|^www\.garda\.ie|fraudehelpdesk\.nl|netsafe\.org\.nz|antifraudcentre-centreantifraude\.ca)$/);
  });

  it('covers the countries it promises', () => {
    const countries = new Set(BUILT_IN_FRAUD_CHANNELS.map((row) => row.country));
    for (const c of ['US', 'GB', 'CA', 'AU', 'FR', 'IE', 'NL', 'IN', 'NZ', 'SG']) expect(countries).toContain(c);
  });
});

describe('countryFromLanguage', () => {
  it('takes the region of a language tag', () => {
    expect(countryFromLanguage('en-GB')).toBe('GB');
    expect(countryFromLanguage('en-us')).toBe('US');
    expect(countryFromLanguage('zh-Hant-TW')).toBe('TW');
  });

  it('gives no country for a bare language, a numeric region or a malformed tag', () => {
    expect(countryFromLanguage('fr')).toBe('');
    expect(countryFromLanguage('es-419')).toBe('');
    expect(countryFromLanguage('')).toBe('');
    expect(countryFromLanguage('not a tag!')).toBe('');
  });
});

describe('channelsFor', () => {
  it('returns the country’s rows in table order, whatever the case of the code', () => {
    const us = channelsFor('us', BUILT_IN_FRAUD_CHANNELS);
    expect(us.map((r) => r.name)).toEqual(['FTC — ReportFraud', 'FBI Internet Crime Complaint Center (IC3)']);
    expect(channelsFor('GB', [ROW, { ...ROW, country: 'FR' }])).toEqual([ROW]);
  });

  it('returns nothing for no country or an unknown one', () => {
    expect(channelsFor('', BUILT_IN_FRAUD_CHANNELS)).toEqual([]);
    expect(channelsFor('ZZ', BUILT_IN_FRAUD_CHANNELS)).toEqual([]);
  });
});

describe('validateChannels', () => {
  it('accepts good rows, trims text, fills a missing note and drops unknown fields', () => {
    const checked = validateChannels([{ country: 'GB', name: '  Action Fraud ', url: ' https://www.actionfraud.police.uk/ ', extra: 1 }]);
    expect(checked).toEqual({ ok: true, rows: [{ country: 'GB', name: 'Action Fraud', url: 'https://www.actionfraud.police.uk/', note: '' }] });
  });

  it('accepts an empty table', () => {
    expect(validateChannels([])).toEqual({ ok: true, rows: [] });
  });

  it.each([
    ['not a list', { rows: [] }, 'must be a list'],
    ['a row that is not an object', ['x'], 'row 1: not a channel'],
    ['a lower-case country', [{ ...ROW, country: 'gb' }], 'row 1: the country'],
    ['a three-letter country', [{ ...ROW, country: 'GBR' }], 'row 1: the country'],
    ['an empty name', [ROW, { ...ROW, name: '  ' }], 'row 2: the name is missing'],
    ['a long name', [{ ...ROW, name: 'x'.repeat(121) }], 'longer than 120'],
    ['a long note', [{ ...ROW, note: 'x'.repeat(201) }], 'longer than 200'],
    ['a note that is not text', [{ ...ROW, note: 3 }], 'the note must be text'],
    ['plain http', [{ ...ROW, url: 'http://www.actionfraud.police.uk/' }], 'https://'],
    ['a javascript: link', [{ ...ROW, url: 'javascript:alert(1)' }], 'https://'],
    ['credentials in the address', [{ ...ROW, url: 'https://a:b@example.gov/' }], 'user name or password'],
    ['no address', [{ ...ROW, url: undefined }], 'the address is missing'],
    ['a malformed address', [{ ...ROW, url: 'https://' }], 'not a valid URL'],
  ])('refuses %s', (_what, rows, message) => {
    const checked = validateChannels(rows);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.error).toContain(message);
  });

  it('allows 200 rows and no more', () => {
    expect(validateChannels(Array.from({ length: MAX_CHANNELS }, () => ROW)).ok).toBe(true);
    expect(validateChannels(Array.from({ length: MAX_CHANNELS + 1 }, () => ROW)).ok).toBe(false);
  });
});
