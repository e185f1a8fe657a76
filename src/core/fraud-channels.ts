/**
 * Where to report a fraud: official reporting channels per country, shown after a call that looked like a face swap.
 *
 * The built-in table was written in November 2026 from the agencies' own published addresses (government, police
 * or nationally appointed agencies only, never a commercial service). It could not be re-checked online when it was
 * written, and agencies move their pages, so it is deliberately small and every row can be replaced: the user edits
 * the table on the options page and an organisation can set its own through policy (`fraudChannels`). Countries
 * where no single national page was certain (Germany, whose police reporting pages are per state) are left out
 * rather than guessed.
 *
 * Unmask fetches nothing from these addresses: they are plain links, opened in a new tab only when the user clicks.
 */
import { isRecord } from '../shared/guards';
import type { FraudChannel } from '../shared/types';

export const BUILT_IN_FRAUD_CHANNELS: readonly FraudChannel[] = [
  { country: 'US', name: 'FTC — ReportFraud', url: 'https://reportfraud.ftc.gov/', note: 'Scams and fraud, to the Federal Trade Commission' },
  { country: 'US', name: 'FBI Internet Crime Complaint Center (IC3)', url: 'https://www.ic3.gov/', note: 'Internet crime, including business email and impersonation fraud' },
  { country: 'GB', name: 'Action Fraud', url: 'https://www.actionfraud.police.uk/', note: 'National fraud and cybercrime reporting (England, Wales and Northern Ireland)' },
  { country: 'CA', name: 'Canadian Anti-Fraud Centre', url: 'https://antifraudcentre-centreantifraude.ca/', note: 'Fraud and scams, national' },
  { country: 'AU', name: 'ReportCyber', url: 'https://www.cyber.gov.au/report-and-recover/report', note: 'Cybercrime, to the Australian Cyber Security Centre' },
  { country: 'AU', name: 'Scamwatch', url: 'https://www.scamwatch.gov.au/', note: 'Scams, to the National Anti-Scam Centre' },
  { country: 'FR', name: 'Cybermalveillance.gouv.fr', url: 'https://www.cybermalveillance.gouv.fr/', note: 'Help and guidance for victims of cyber attacks' },
  { country: 'FR', name: 'PHAROS', url: 'https://www.internet-signalement.gouv.fr/', note: 'Report illegal online content or behaviour to the police' },
  { country: 'IE', name: 'An Garda Síochána', url: 'https://www.garda.ie/', note: 'National police; report fraud to your local Garda station' },
  { country: 'NL', name: 'Fraudehelpdesk', url: 'https://www.fraudehelpdesk.nl/', note: 'National fraud helpdesk' },
  { country: 'IN', name: 'National Cyber Crime Reporting Portal', url: 'https://cybercrime.gov.in/', note: 'Cybercrime and financial fraud, national' },
  { country: 'NZ', name: 'Netsafe', url: 'https://www.netsafe.org.nz/', note: 'Online safety and scams, national' },
  { country: 'SG', name: 'ScamShield', url: 'https://www.scamshield.gov.sg/', note: 'Scams, national' },
];

/** An organisation's or user's table stays small enough to show and to store in `chrome.storage.local`. */
export const MAX_CHANNELS = 200;
export const MAX_CHANNEL_NAME = 120;
export const MAX_CHANNEL_NOTE = 200;
/** Same bound as the report endpoint: longer addresses are not something a person types or checks. */
export const MAX_CHANNEL_URL = 2000;

const COUNTRY = /^[A-Z]{2}$/;

/**
 * The country (ISO 3166-1 alpha-2) of a BCP 47 language tag, or '' when it names none: 'en-GB' → 'GB', 'fr' → '',
 * 'es-419' → '' (a region, not a country). Used only to pick a default, never to decide anything that matters.
 */
export function countryFromLanguage(lang: string): string {
  try {
    const region = new Intl.Locale(lang).region ?? '';
    return COUNTRY.test(region) ? region : '';
  } catch {
    // Not a well-formed tag (the browser gave something odd): no default country rather than a guess.
    return '';
  }
}

/** The table's rows for one country, in table order. */
export function channelsFor(country: string, table: readonly FraudChannel[]): FraudChannel[] {
  const wanted = country.toUpperCase();
  return wanted ? table.filter((row) => row.country === wanted) : [];
}

/** Why a reporting address is not acceptable, or null. Only https: these open in the user's browser on a click. */
export function channelUrlError(url: string): string | null {
  if (url.length > MAX_CHANNEL_URL) return `the address is longer than ${MAX_CHANNEL_URL} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'the address is not a valid URL';
  }
  if (parsed.protocol !== 'https:') return 'the address must start with https://';
  if (parsed.username || parsed.password) return 'the address must not contain a user name or password';
  return null;
}

/**
 * Checks a table that came from storage, policy or the options page, and returns clean rows (only the four known
 * fields, names and notes trimmed). The whole table is refused on the first bad row, with its row number, so that
 * the person editing it can fix that row rather than lose it silently.
 */
export function validateChannels(rows: unknown): { ok: true; rows: FraudChannel[] } | { ok: false; error: string } {
  if (!Array.isArray(rows)) return { ok: false, error: 'the channels must be a list' };
  if (rows.length > MAX_CHANNELS) return { ok: false, error: `at most ${MAX_CHANNELS} channels are allowed` };
  const clean: FraudChannel[] = [];
  for (const [i, row] of (rows as unknown[]).entries()) {
    const where = `row ${i + 1}`;
    if (!isRecord(row)) return { ok: false, error: `${where}: not a channel` };
    const { country, name, url, note } = row;
    if (typeof country !== 'string' || !COUNTRY.test(country))
      return { ok: false, error: `${where}: the country must be two capital letters (ISO code, e.g. GB)` };
    if (typeof name !== 'string' || !name.trim()) return { ok: false, error: `${where}: the name is missing` };
    if (name.trim().length > MAX_CHANNEL_NAME)
      return { ok: false, error: `${where}: the name is longer than ${MAX_CHANNEL_NAME} characters` };
    if (typeof url !== 'string') return { ok: false, error: `${where}: the address is missing` };
    const urlError = channelUrlError(url.trim());
    if (urlError) return { ok: false, error: `${where}: ${urlError}` };
    // The note is optional: a missing one is an empty one.
    if (note !== undefined && typeof note !== 'string') return { ok: false, error: `${where}: the note must be text` };
    const cleanNote = (note ?? '').trim();
    if (cleanNote.length > MAX_CHANNEL_NOTE)
      return { ok: false, error: `${where}: the note is longer than ${MAX_CHANNEL_NOTE} characters` };
    clean.push({ country, name: name.trim(), url: url.trim(), note: cleanNote });
  }
  return { ok: true, rows: clean };
}
