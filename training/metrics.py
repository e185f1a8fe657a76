"""AUC and operating points, in numpy (label 1 = fake = positive)."""
from __future__ import annotations

import numpy as np


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC via the Mann-Whitney U statistic with average ranks for ties."""
    scores = np.asarray(scores, np.float64)
    labels = np.asarray(labels) > 0.5
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    s = scores[order]
    ranks = np.empty(len(s), np.float64)
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def threshold_at_fpr(real_scores: np.ndarray, fpr: float) -> float:
    """Smallest threshold t such that at most `fpr` of the reals score > t."""
    r = np.sort(np.asarray(real_scores, np.float64))
    k = int(np.floor(fpr * len(r)))  # reals allowed above the threshold
    return float(r[len(r) - k - 1]) if k < len(r) else float(-np.inf)


def tpr_at_fpr(scores: np.ndarray, labels: np.ndarray, fpr: float) -> tuple[float, float]:
    """(TPR, threshold) at the threshold that gives at most `fpr` false positives on the reals."""
    scores, labels = np.asarray(scores), np.asarray(labels) > 0.5
    t = threshold_at_fpr(scores[~labels], fpr)
    return float((scores[labels] > t).mean()), t
