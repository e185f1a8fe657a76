import { describe, expect, it } from 'vitest';
import { badgeFor } from '../../src/background/toolbar-badge';
import type { EngineStatus, ParticipantState, ParticipantSummary, TabState } from '../../src/shared/types';
import { participantSummary } from './fixtures/participant';

function participant(id: string, state: ParticipantState): ParticipantSummary {
  return participantSummary({ id, label: id, state, detail: '' });
}

function tab(participants: ParticipantSummary[], engine: EngineStatus = { kind: 'ready', loadMs: 500, backend: 'GPU', detector: 'wasm', verdicts: true }, enabled = true): TabState {
  return { tabId: 1, url: 'https://meet.google.com/abc-defg-hij', enabled, engine, participants, updatedAt: 0 };
}

const EMPTY = { text: '', color: '#5f6368', title: 'Unmask: no call participants found in this tab' };

describe('badgeFor', () => {
  it('is empty without a state, when disabled or without participants', () => {
    expect(badgeFor(null)).toEqual(EMPTY);
    expect(badgeFor(tab([]))).toEqual(EMPTY);
    expect(badgeFor(tab([participant('a', 'face-tracked')], undefined, false))).toEqual(EMPTY);
    // A failed engine is shown even before any participant could be analysed.
    expect(badgeFor(tab([], { kind: 'failed', message: 'boom' })).text).toBe('!');
  });

  it('counts the participants with a tracked face', () => {
    const b = badgeFor(tab([participant('a', 'face-tracked'), participant('b', 'no-face'), participant('c', 'face-tracked'), participant('d', 'paused')]));
    expect(b).toEqual({ text: '2', color: '#1a73e8', title: 'Unmask: 4 participant(s), 2 with a tracked face' });
  });

  it('shows 0, not an empty badge, when participants are found but no face is tracked yet', () => {
    const b = badgeFor(tab([participant('a', 'analysing')], { kind: 'loading' }));
    expect(b.text).toBe('0');
    expect(b.title).toBe('Unmask: 1 participant(s), 0 with a tracked face');
  });

  it('shows "!" in grey (not the deepfake red) with the message when the engine failed', () => {
    expect(badgeFor(tab([participant('a', 'engine-error')], { kind: 'failed', message: 'WebGL unavailable' }))).toEqual({
      text: '!',
      color: '#5f6368',
      title: 'Unmask: analysis engine failed (WebGL unavailable)',
    });
  });

  it('keeps counting through a crash the engine recovers from', () => {
    expect(badgeFor(tab([participant('a', 'face-tracked')], { kind: 'crashed', message: 'x', restarts: 1 })).text).toBe('1');
  });

  it('never suggests a verdict: no risk colours or words', () => {
    const states: ParticipantState[] = ['starting', 'analysing', 'no-face', 'face-tracked', 'paused', 'engine-error'];
    for (const s of states) {
      const b = badgeFor(tab([participant('a', s)]));
      expect(b.text).toMatch(/^\d+$/);
      expect(b.title).not.toMatch(/risk|fake|%|score/i);
      expect(b.color).toBe('#1a73e8');
    }
  });
});

describe('badgeFor with verdicts', () => {
  const withVerdict = (id: string, verdict: ParticipantSummary['risk']['verdict']): ParticipantSummary => ({
    ...participant(id, 'face-tracked'),
    risk: { verdict, score: verdict === 'deepfake' ? 0.93 : verdict === 'suspicious' ? 0.6 : 0.05, since: 0, reason: null },
  });

  it('shows a red "!" naming who is likely a deepfake, before anything else', () => {
    const b = badgeFor(tab([withVerdict('Ann', 'genuine'), withVerdict('Boss', 'deepfake'), withVerdict('Cy', 'suspicious')]));
    expect(b).toEqual({ text: '!', color: '#d93025', title: 'Unmask: likely deepfake: Boss' });
  });

  it('shows an amber "?" for a suspicious face', () => {
    expect(badgeFor(tab([withVerdict('Ann', 'genuine'), withVerdict('Cy', 'suspicious')]))).toMatchObject({ text: '?', color: '#e37400' });
  });

  it('counts tracked faces when everyone looks genuine', () => {
    expect(badgeFor(tab([withVerdict('Ann', 'genuine'), withVerdict('Bo', 'genuine')])).text).toBe('2');
  });
});
