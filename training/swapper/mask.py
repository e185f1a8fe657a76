"""Face masks from landmarks: the convex hull of the 478 mesh points (DFL's landmark 'full face' hull mask), then
eroded and blurred for the merge (DFL's erode/blur mask modifiers), so the swapped face fades into the target inside
its own face, never over the hair or background.
"""
from __future__ import annotations

import cv2
import numpy as np


def hull_mask(landmarks: np.ndarray, height: int, width: int) -> np.ndarray:
    """(H, W) float32: 1 inside the convex hull of the landmarks, 0 outside."""
    m = np.zeros((height, width), np.uint8)
    pts = np.round(np.asarray(landmarks, np.float64) * 16).astype(np.int32)  # 4 fractional bits: sub-pixel hull
    hull = cv2.convexHull(pts.reshape(-1, 1, 2))
    cv2.fillConvexPoly(m, hull, 1, lineType=cv2.LINE_8, shift=4)
    return m.astype(np.float32)


def face_size(landmarks: np.ndarray) -> float:
    """sqrt of the hull's area, in the landmarks' pixels: the scale for erosion and blur."""
    hull = cv2.convexHull(np.asarray(landmarks, np.float32).reshape(-1, 1, 2))
    return float(np.sqrt(max(cv2.contourArea(hull), 1.0)))


def erode_blur(mask: np.ndarray, erode_px: int, blur_px: int) -> np.ndarray:
    """Erode by `erode_px` (elliptical kernel), then blur so that the ramp lies INSIDE the eroded area: the blur is
    applied to a mask eroded by a further blur_px/2, and what leaks outside the eroded mask is cut, so the result is
    0 outside the eroded hull, rises smoothly, and is 1 deep inside."""
    m = mask.astype(np.float32)
    total = erode_px + blur_px // 2
    if total > 0:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * total + 1, 2 * total + 1))
        inner = cv2.erode(m, k)
    else:
        inner = m
    if blur_px > 0:
        ks = 2 * blur_px + 1
        inner = cv2.GaussianBlur(inner, (ks, ks), blur_px / 2.5)
    if erode_px > 0:
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * erode_px + 1, 2 * erode_px + 1))
        inner = np.minimum(inner, cv2.erode(m, k))
    return np.clip(inner, 0, 1)


def merge_mask(landmarks: np.ndarray, height: int, width: int, erode: float = 0.04, blur: float = 0.08) -> np.ndarray:
    """The blend mask for a face: its hull, eroded by `erode` and blurred over `blur` of the face size."""
    s = face_size(landmarks)
    return erode_blur(hull_mask(landmarks, height, width), int(round(erode * s)), int(round(blur * s)))
