"""Colour transfer of the predicted face onto the target's colours, as DeepFaceLab's merger does.

RCT (Reinhard et al. 2001, DFL's `reinhard_color_transfer`): in L*a*b*, shift and scale each channel of the image so
that its mean and standard deviation inside its mask equal the reference's inside the reference's mask. LCT (DFL's
`linear_color_transfer`, 'pca' mode): match the mean and the full 3x3 colour covariance in RGB.

Images are float32 RGB in [0, 1]; masks are float (H, W) or (H, W, 1); statistics use pixels where mask >= cutoff.
"""
from __future__ import annotations

import cv2
import numpy as np


def _pixels(img: np.ndarray, mask: np.ndarray | None, cutoff: float) -> np.ndarray:
    flat = img.reshape(-1, img.shape[-1])
    if mask is None:
        return flat
    keep = np.asarray(mask).reshape(-1) >= cutoff
    return flat[keep] if keep.sum() >= 16 else flat


def lab_stats(img: np.ndarray, mask: np.ndarray | None = None, cutoff: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of L*, a*, b* (OpenCV float LAB: L 0..100, a/b about -127..127)."""
    lab = cv2.cvtColor(np.ascontiguousarray(img, np.float32), cv2.COLOR_RGB2LAB)
    px = _pixels(lab, mask, cutoff)
    return px.mean(0), px.std(0)


def rct(image: np.ndarray, reference: np.ndarray, image_mask: np.ndarray | None = None,
        reference_mask: np.ndarray | None = None, cutoff: float = 0.5) -> np.ndarray:
    """`image` recoloured to `reference`'s masked L*a*b* statistics."""
    lab = cv2.cvtColor(np.ascontiguousarray(image, np.float32), cv2.COLOR_RGB2LAB)
    ref = cv2.cvtColor(np.ascontiguousarray(reference, np.float32), cv2.COLOR_RGB2LAB)
    px_i, px_r = _pixels(lab, image_mask, cutoff), _pixels(ref, reference_mask, cutoff)
    mi, si = px_i.mean(0), px_i.std(0) + 1e-6
    mr, sr = px_r.mean(0), px_r.std(0)
    out = (lab - mi) * (sr / si) + mr
    out[..., 0] = np.clip(out[..., 0], 0, 100)
    out[..., 1:] = np.clip(out[..., 1:], -127, 127)
    return np.clip(cv2.cvtColor(out.astype(np.float32), cv2.COLOR_LAB2RGB), 0, 1)


def lct(image: np.ndarray, reference: np.ndarray, image_mask: np.ndarray | None = None,
        reference_mask: np.ndarray | None = None, cutoff: float = 0.5, eps: float = 1e-5) -> np.ndarray:
    """`image` with `reference`'s masked RGB mean and covariance (PCA form of DFL's linear colour transfer)."""
    px_i, px_r = _pixels(image, image_mask, cutoff).astype(np.float64), _pixels(reference, reference_mask, cutoff).astype(np.float64)
    mi, mr = px_i.mean(0), px_r.mean(0)
    ci = np.cov(px_i.T) + eps * np.eye(3)
    cr = np.cov(px_r.T) + eps * np.eye(3)
    ei, vi = np.linalg.eigh(ci)
    er, vr = np.linalg.eigh(cr)
    qi = vi @ np.diag(np.sqrt(np.maximum(ei, eps))) @ vi.T
    qr = vr @ np.diag(np.sqrt(np.maximum(er, eps))) @ vr.T
    t = qr @ np.linalg.inv(qi)
    out = (image.reshape(-1, 3) - mi) @ t.T + mr
    return np.clip(out.reshape(image.shape), 0, 1).astype(np.float32)
