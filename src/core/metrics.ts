/** Detector metrics for `npm run scan --labels-from-dirs` (and the training's own, in Python, which must agree). */

/** Area under the ROC curve: the probability that a random positive scores above a random negative (ties count half). */
export function auc(scores: readonly number[], labels: readonly boolean[]): number | null {
  const pos = scores.filter((_, i) => labels[i]);
  const neg = scores.filter((_, i) => !labels[i]);
  if (pos.length === 0 || neg.length === 0) return null;
  // Rank-sum (Mann-Whitney U) with average ranks for ties: O(n log n).
  const all = scores.map((s, i) => ({ s, positive: labels[i] === true })).sort((a, b) => a.s - b.s);
  let rankSumPos = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.s === all[i]!.s) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]!.positive) rankSumPos += averageRank;
    i = j;
  }
  return (rankSumPos - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

/**
 * True-positive rate at the threshold where the false-positive rate is at most `fpr`: the threshold is the smallest
 * score above the (1 - fpr) quantile of the negatives, so at most `fpr` of them score at or above it.
 */
export function tprAtFpr(scores: readonly number[], labels: readonly boolean[], fpr: number): { tpr: number; threshold: number } | null {
  const neg = scores.filter((_, i) => !labels[i]).sort((a, b) => b - a);
  const pos = scores.filter((_, i) => labels[i]);
  if (neg.length === 0 || pos.length === 0) return null;
  const allowed = Math.floor(fpr * neg.length); // negatives allowed at or above the threshold
  const threshold = allowed >= neg.length ? -Infinity : nextUp(neg[allowed]!);
  return { tpr: pos.filter((s) => s >= threshold).length / pos.length, threshold };
}

/** The next float64 above `x`: a threshold just above a negative's score, so that negative is not counted. */
function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  const buffer = new DataView(new ArrayBuffer(8));
  buffer.setFloat64(0, x);
  const bits = buffer.getBigInt64(0);
  buffer.setBigInt64(0, x > 0 ? bits + 1n : bits - 1n);
  return buffer.getFloat64(0);
}
