import { describe, expect, it } from 'vitest';
import { MAX_LABEL_LENGTH, NotifyPolicy, notificationLabel, type NotifyParticipant } from '../../src/core/notify-policy';
import type { RiskVerdict, Sensitivity } from '../../src/shared/types';

const ON = { notifications: true, sensitivity: 'standard' as Sensitivity };
const p = (verdict: RiskVerdict, id = 'p1', label = 'Alice'): NotifyParticipant => ({ id, label, verdict, verdictsAvailable: true });

/** Runs a sequence of verdicts for one participant; returns how many notifications each step raised. */
function run(policy: NotifyPolicy, verdicts: RiskVerdict[], settings = ON): number[] {
  return verdicts.map((v) => policy.decide(1, [p(v)], settings).length);
}

describe('NotifyPolicy', () => {
  it('notifies once when a participant becomes "likely deepfake", with what to do', () => {
    const policy = new NotifyPolicy();
    expect(run(policy, ['insufficient', 'genuine', 'suspicious'])).toEqual([0, 0, 0]);
    const [n] = policy.decide(1, [p('deepfake')], ON);
    expect(n).toEqual({
      participantId: 'p1',
      title: 'Unmask: likely deepfake in your call',
      message: 'Alice may be wearing a face swap. Do not act on requests for money or secrets; hang up and call back on a number you know.',
    });
    expect(run(policy, ['deepfake', 'deepfake', 'suspicious', 'deepfake'])).toEqual([0, 0, 0, 0]);
  });

  it('notifies again only after the verdict went back to genuine or insufficient', () => {
    const policy = new NotifyPolicy();
    expect(run(policy, ['deepfake', 'genuine', 'deepfake', 'insufficient', 'deepfake'])).toEqual([1, 0, 1, 0, 1]);
  });

  it('at high sensitivity also notifies "suspicious", and once more when it turns "likely deepfake"', () => {
    const policy = new NotifyPolicy();
    const high = { notifications: true, sensitivity: 'high' as Sensitivity };
    expect(run(policy, ['genuine', 'suspicious', 'suspicious', 'deepfake', 'suspicious', 'deepfake', 'genuine', 'suspicious'], high)).toEqual([
      0, 1, 0, 1, 0, 0, 0, 1,
    ]);
    const fresh = new NotifyPolicy();
    const [n] = fresh.decide(1, [p('suspicious')], high);
    expect(n?.title).toBe('Unmask: suspicious face in your call');
    expect(n?.message).toContain('hang up and call back on a number you know');
  });

  it('does not notify "suspicious" at low or standard sensitivity', () => {
    for (const sensitivity of ['low', 'standard'] as Sensitivity[])
      expect(run(new NotifyPolicy(), ['suspicious', 'suspicious'], { notifications: true, sensitivity })).toEqual([0, 0]);
  });

  it('never notifies when notifications are off, nor for an alarm already under way when they are turned on', () => {
    const policy = new NotifyPolicy();
    const off = { notifications: false, sensitivity: 'standard' as Sensitivity };
    expect(run(policy, ['deepfake', 'deepfake'], off)).toEqual([0, 0]);
    expect(run(policy, ['deepfake'])).toEqual([0]);
    expect(run(policy, ['genuine', 'deepfake'])).toEqual([0, 1]);
  });

  it('never notifies while verdicts are not available (unreleased model)', () => {
    const policy = new NotifyPolicy();
    expect(policy.decide(1, [{ ...p('deepfake'), verdictsAvailable: false }], ON)).toEqual([]);
    // Once verdicts become available, an alarm is news.
    expect(policy.decide(1, [p('deepfake')], ON)).toHaveLength(1);
  });

  it('keeps tabs and participants apart', () => {
    const policy = new NotifyPolicy();
    expect(policy.decide(1, [p('deepfake', 'p1'), p('deepfake', 'p2', 'Bob')], ON).map((n) => n.participantId)).toEqual(['p1', 'p2']);
    expect(policy.decide(2, [p('deepfake', 'p1')], ON)).toHaveLength(1);
    expect(policy.decide(1, [p('deepfake', 'p1'), p('deepfake', 'p2')], ON)).toEqual([]);
  });

  it('forgets a tab, and participants who left', () => {
    const policy = new NotifyPolicy();
    policy.decide(1, [p('deepfake')], ON);
    policy.forgetTab(1);
    expect(policy.decide(1, [p('deepfake')], ON)).toHaveLength(1);
    policy.decide(1, [], ON);
    expect(policy.decide(1, [p('deepfake')], ON)).toHaveLength(1);
  });
});

describe('notificationLabel', () => {
  it('strips control and bidi characters, collapses whitespace', () => {
    expect(notificationLabel('Al\u0000ice\nSmith\u202E\t')).toBe('Al ice Smith');
    expect(notificationLabel('  Bob  \u200B ')).toBe('Bob');
  });

  it('bounds long labels to 60 characters', () => {
    const label = notificationLabel('x'.repeat(500));
    expect([...label]).toHaveLength(MAX_LABEL_LENGTH);
    expect(label.endsWith('…')).toBe(true);
    expect(notificationLabel('y'.repeat(60))).toBe('y'.repeat(60));
  });

  it('does not split a character made of two code units', () => {
    const label = notificationLabel('😀'.repeat(100));
    expect([...label].every((c) => c === '😀' || c === '…')).toBe(true);
  });

  it('names an unnamed participant generically', () => {
    expect(notificationLabel('\u0007 \n')).toBe('A participant');
  });

  it('is what the message shows', () => {
    const [n] = new NotifyPolicy().decide(1, [p('deepfake', 'p1', 'Eve\r\nCEO')], ON);
    expect(n?.message.startsWith('Eve CEO may be wearing a face swap.')).toBe(true);
  });
});
