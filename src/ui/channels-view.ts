/**
 * The official places to report a fraud for the user's country (core/fraud-channels; the table is editable in the
 * options, and by policy). Plain links that open only when the user clicks: Unmask itself fetches nothing.
 */
import { BUILT_IN_FRAUD_CHANNELS, channelsFor, countryFromLanguage } from '../core/fraud-channels';
import type { Settings } from '../shared/types';

export function renderChannels(list: HTMLElement, settings: Settings): number {
  const country = settings.country || countryFromLanguage(navigator.language);
  const rows = channelsFor(country, settings.fraudChannels ?? BUILT_IN_FRAUD_CHANNELS);
  list.replaceChildren(
    ...rows.map((c) => {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = c.url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.textContent = c.name;
      li.append(a, document.createTextNode(c.note ? ` — ${c.note}` : ''));
      return li;
    }),
  );
  if (rows.length === 0) {
    const li = document.createElement('li');
    li.textContent = `No reporting channel is listed for ${country || 'your country'}: add one in Unmask's settings, or contact your local police.`;
    list.replaceChildren(li);
  }
  return rows.length;
}
