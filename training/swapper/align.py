"""Alignment of a face to the swapper's square crop, and back.

Same method as the extension (src/core/face-align.ts): a least-squares similarity (rotation, uniform scale,
translation) taking five reference points (eye centres from their corners, nose tip, mouth corners, MediaPipe mesh
indices) onto the ArcFace 112-px template, re-placed in the crop. The swapper's placement (eye distance 0.29 of the
side, eye-mouth midpoint at the centre; the detector uses 0.30 and 0.55) was chosen so that the whole 478-point hull
(upper forehead to chin) of a frontal face lies inside the crop with a few pixels to spare: at 0.34 the chin was cut.

Transforms are 2x3 float64 matrices in OpenCV's convention (pixel centres at integer coordinates), mapping frame
pixels to crop pixels: crop = M @ [x, y, 1].
"""
from __future__ import annotations

import cv2
import numpy as np

TEMPLATE_112 = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655],
                         [70.7299, 92.2041]], np.float64)
# (image-left eye corners, image-right eye corners, nose tip, left mouth corner, right mouth corner)
ALIGN_LANDMARKS = ([33, 133], [362, 263], [1], [61], [291])
EYE_SHARE = 0.29
CENTRE_Y = 0.50


def aligned_template(size: int, eye_share: float = EYE_SHARE, centre_y: float = CENTRE_Y) -> np.ndarray:
    """The five template points in a `size` crop (face-align.ts's alignedTemplate with the swapper's placement)."""
    t = TEMPLATE_112
    eye_distance = np.hypot(*(t[1] - t[0]))
    scale = eye_share * size / eye_distance
    cy = ((t[0, 1] + t[1, 1]) / 2 + (t[3, 1] + t[4, 1]) / 2) / 2
    return np.stack([(t[:, 0] - 56) * scale + size / 2, (t[:, 1] - cy) * scale + centre_y * size], axis=1)


def reference_points(landmarks: np.ndarray) -> np.ndarray:
    """(478, 2) frame-pixel landmarks -> the five reference points (5, 2)."""
    lm = np.asarray(landmarks, np.float64)
    return np.stack([lm[list(idx)].mean(axis=0) for idx in ALIGN_LANDMARKS])


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (no reflection) taking src (n, 2) onto dst (n, 2), closed form as in face-align.ts."""
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    ms, md = src.mean(0), dst.mean(0)
    u, v = (src - ms).T
    p, q = (dst - md).T
    den = (u * u + v * v).sum()
    if den < 1e-9:
        raise ValueError("reference points coincide: cannot align")
    a = (u * p + v * q).sum() / den
    b = (u * q - v * p).sum() / den
    return np.array([[a, -b, md[0] - (a * ms[0] - b * ms[1])], [b, a, md[1] - (b * ms[0] + a * ms[1])]])


def alignment_for(landmarks: np.ndarray, size: int) -> np.ndarray:
    """Frame pixels -> crop pixels for a face's (478, 2) frame-pixel landmarks."""
    return similarity(reference_points(landmarks), aligned_template(size))


def invert(m: np.ndarray) -> np.ndarray:
    return cv2.invertAffineTransform(np.asarray(m, np.float64))


def apply(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    pts = np.asarray(points, np.float64)
    return pts @ m[:, :2].T + m[:, 2]


def to_crop(frame: np.ndarray, m: np.ndarray, size: int, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """The aligned crop of a frame (border replicated, as DFL's extractor)."""
    return cv2.warpAffine(frame, m, (size, size), flags=interpolation, borderMode=cv2.BORDER_REPLICATE)


def to_frame(crop: np.ndarray, m: np.ndarray, width: int, height: int, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """A crop (or crop-space mask) put back into frame coordinates: the inverse of `to_crop`; zero outside the crop."""
    return cv2.warpAffine(crop, m, (width, height), flags=interpolation | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def rescaled(m: np.ndarray, factor: float) -> np.ndarray:
    """The transform for the same crop resized by `factor` (pixel centres: p' = (p + 0.5) * factor - 0.5)."""
    out = np.asarray(m, np.float64) * factor
    out[:, 2] += 0.5 * factor - 0.5
    return out
