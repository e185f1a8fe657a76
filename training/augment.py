"""On-the-fly self-blended images (SBI) and video-call augmentations, batched in torch.

All randomness comes from one numpy Generator passed in, so a run is reproducible from its seed.
Images are float tensors (B, 3, H, W) in [0, 1].
"""
from __future__ import annotations

import io
import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

# ---------------------------------------------------------------------------------------------------------------
# helpers


def _u(rng: np.random.Generator, lo: float, hi: float, n: int) -> torch.Tensor:
    return torch.from_numpy(rng.uniform(lo, hi, n).astype(np.float32))


def _affine(x: torch.Tensor, angle_deg, scale_x, scale_y, tx_px, ty_px, mode="bilinear") -> torch.Tensor:
    """Rotate/scale about the centre and shift by (tx, ty) pixels; outside is black (like the aligned crops)."""
    b, _, h, w = x.shape
    a = angle_deg * math.pi / 180
    cos, sin = torch.cos(a), torch.sin(a)
    theta = torch.zeros(b, 2, 3)
    # grid maps output -> input coordinates (normalised); invert the forward transform
    theta[:, 0, 0] = cos / scale_x
    theta[:, 0, 1] = sin / scale_x
    theta[:, 1, 0] = -sin / scale_y
    theta[:, 1, 1] = cos / scale_y
    theta[:, 0, 2] = -tx_px * 2 / w
    theta[:, 1, 2] = -ty_px * 2 / h
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)


def _elastic_grid(rng: np.random.Generator, b: int, h: int, w: int, strength: float, cells: int = 4) -> torch.Tensor:
    """A smooth random displacement field (normalised units), upsampled from a coarse grid."""
    d = torch.from_numpy(rng.normal(0, 1, (b, 2, cells, cells)).astype(np.float32)) * strength
    d = F.interpolate(d, size=(h, w), mode="bicubic", align_corners=True).permute(0, 2, 3, 1)
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing="ij")
    base = torch.stack([xs, ys], dim=-1)[None]
    return base + d


def gaussian_blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Per-sample Gaussian blur (sigma (B,), 0 = none), separable, as one grouped conv over the blurred ones."""
    idx = torch.nonzero(sigma > 0.05).flatten()
    if len(idx) == 0:
        return x
    if len(idx) < len(sigma):
        out = x.clone()
        out[idx] = _blur(x[idx], sigma[idx])
        return out
    return _blur(x, sigma)


def _blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    b, c, h, w = x.shape
    smax = float(sigma.max())
    r = max(1, int(math.ceil(3 * smax)))
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    s = sigma.clamp(min=1e-3)[:, None]
    k = torch.exp(-(t[None] ** 2) / (2 * s**2))
    k = k / k.sum(1, keepdim=True)
    k = k.repeat_interleave(c, 0)  # (B*C, K)
    y = x.reshape(1, b * c, h, w)
    y = F.pad(y, (r, r, r, r), mode="replicate")
    y = F.conv2d(y, k[:, None, None, :], groups=b * c)
    y = F.conv2d(y, k[:, None, :, None], groups=b * c)
    return y.reshape(b, c, h, w)


def _gray(x: torch.Tensor) -> torch.Tensor:
    return (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])


def colour_jitter(x: torch.Tensor, rng: np.random.Generator, strength: float = 1.0) -> torch.Tensor:
    """Brightness, contrast, saturation, per-channel gain/offset (a crude hue/cast shift)."""
    b = x.shape[0]
    bright = _u(rng, -0.1, 0.1, b) * strength
    contrast = 1 + _u(rng, -0.2, 0.2, b) * strength
    sat = 1 + _u(rng, -0.3, 0.3, b) * strength
    gain = 1 + torch.from_numpy(rng.uniform(-0.08, 0.08, (b, 3)).astype(np.float32)) * strength
    g = _gray(x)
    x = g + (x - g) * sat[:, None, None, None]
    m = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - m) * contrast[:, None, None, None] + m + bright[:, None, None, None]
    x = x * gain[:, :, None, None]
    return x.clamp(0, 1)


# ---------------------------------------------------------------------------------------------------------------
# SBI

# points of the MediaPipe 478-point mesh
NOSE_BRIDGE = 6


def _hull(points: np.ndarray) -> np.ndarray:
    """Convex hull (Andrew's monotone chain), counter-clockwise."""
    pts = np.unique(points.round(2), axis=0)
    if len(pts) < 3:
        return pts
    pts = pts[np.lexsort((pts[:, 1], pts[:, 0]))]

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(tuple(p))
    for p in pts[::-1]:
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(tuple(p))
    return np.asarray(lower[:-1] + upper[:-1])


def face_mask(lm: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A hard mask from the convex hull of the whole face, the lower face, or a shrunk inner face."""
    kind = rng.choice(["whole", "whole", "lower", "inner"])
    pts = lm
    if kind == "lower":
        pts = lm[lm[:, 1] >= lm[NOSE_BRIDGE, 1] - rng.uniform(0, 6)]
    elif kind == "inner":
        c = lm.mean(0)
        pts = c + (lm - c) * rng.uniform(0.7, 0.9)
    elif rng.random() < 0.5:
        # whole face stretched a little upward/outward, to take in some forehead
        c = lm.mean(0)
        pts = c + (lm - c) * np.array([rng.uniform(1.0, 1.08), rng.uniform(1.0, 1.15)])
    hull = _hull(pts)
    im = Image.new("L", (size, size), 0)
    if len(hull) >= 3:
        ImageDraw.Draw(im).polygon([tuple(p) for p in hull], fill=255)
    return np.asarray(im, dtype=np.float32) / 255.0


def self_blend(x: torch.Tensor, landmarks: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
    """Self-blended images (Shiohara & Yamasaki, CVPR 2022), batched. x: real faces (B,3,H,W) in [0,1]."""
    b, _, h, w = x.shape
    # source: a colour-, scale-, position- and warp-jittered copy of the same face
    src = colour_jitter(x, rng, strength=rng.uniform(0.5, 1.5))
    sharp = _u(rng, 0, 1, b)
    blur_sigma = torch.where(sharp < 0.3, _u(rng, 0.4, 1.2, b), torch.zeros(b))
    src = gaussian_blur(src, blur_sigma)
    sharpen = (sharp > 0.8).float()[:, None, None, None]
    src = (src + sharpen * 0.6 * (src - gaussian_blur(src, torch.full((b,), 1.0)))).clamp(0, 1)
    src = _affine(src, torch.zeros(b), _u(rng, 0.95, 1.05, b), _u(rng, 0.95, 1.05, b),
                  _u(rng, -0.03, 0.03, b) * w, _u(rng, -0.03, 0.03, b) * h)
    if rng.random() < 0.5:
        src = F.grid_sample(src, _elastic_grid(rng, b, h, w, 0.01), padding_mode="border", align_corners=False)
    # the source copy may have been shifted onto the black outside; keep the target there
    # mask: hull of landmarks, elastically deformed, eroded/dilated, blurred, scaled by a blend ratio
    m = torch.from_numpy(np.stack([face_mask(landmarks[i], h, rng) for i in range(b)]))[:, None]
    m = F.grid_sample(m, _elastic_grid(rng, b, h, w, rng.uniform(0.02, 0.06)), align_corners=False)
    k = int(rng.choice([1, 3, 5, 7]))
    if k > 1:
        m = F.max_pool2d(m, k, 1, k // 2) if rng.random() < 0.5 else -F.max_pool2d(-m, k, 1, k // 2)
    m = (m > 0.5).float()
    # soft boundary: blur at quarter resolution (sigma 1-6 px at full size), upsample, then a light full-size blur
    m = F.interpolate(gaussian_blur(F.avg_pool2d(m, 4), _u(rng, 0.25, 1.5, b)), size=(h, w), mode="bilinear",
                      align_corners=False)
    m = gaussian_blur(m, _u(rng, 0.5, 2.0, b))
    m = m / m.amax(dim=(2, 3), keepdim=True).clamp(min=1e-6)  # peak 1 inside
    ratio = torch.from_numpy(rng.choice([0.25, 0.5, 0.75, 1, 1, 1], b).astype(np.float32))
    m = m * ratio[:, None, None, None]
    return (src * m + x * (1 - m)).clamp(0, 1)


def rerender_blend(x: torch.Tensor, landmarks: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
    """Pseudo-fakes shaped like a real-time swapper's output (DeepFaceLive and the like), batched.

    Those tools render the face at a fixed, often lower resolution than the camera frame (224-320 px for the whole
    head), colour-transfer it to the target, and paste it back with a wide feathered mask. So, from a real face:
    re-render its inner face at 30-75 % resolution and scale it back up (the texture loses detail the skin around it
    keeps), smooth it a little as a generator would, shift its colour only slightly (colour matching leaves little),
    optionally sharpen it (a common output option), and blend it in with a wide, soft mask. What is left to see is a
    resolution and texture mismatch at a seamless boundary, not the colour seam plain SBI teaches.
    """
    b, _, h, w = x.shape
    src = x
    out = torch.empty_like(x)
    scales = rng.uniform(0.3, 0.75, b)
    for s in np.unique(np.round(scales, 2)):
        idx = np.nonzero(np.round(scales, 2) == s)[0]
        size = max(16, int(round(h * s)))
        small = F.interpolate(src[idx], size=(size, size), mode="area")
        out[idx] = F.interpolate(small, size=(h, w), mode=str(rng.choice(["bilinear", "bicubic"])), align_corners=False)
    src = gaussian_blur(out.clamp(0, 1), _u(rng, 0.0, 0.8, b))
    src = colour_jitter(src, rng, strength=rng.uniform(0.1, 0.4))
    sharpen = torch.from_numpy((rng.random(b) < 0.3).astype(np.float32))[:, None, None, None]
    src = (src + sharpen * 0.8 * (src - gaussian_blur(src, torch.full((b,), 1.2)))).clamp(0, 1)
    m = torch.from_numpy(np.stack([face_mask(landmarks[i], h, rng) for i in range(b)]))[:, None]
    m = F.grid_sample(m, _elastic_grid(rng, b, h, w, rng.uniform(0.01, 0.04)), align_corners=False)
    m = -F.max_pool2d(-m, 5, 1, 2)  # erode: the feather starts inside the face, as swappers' masks do
    m = F.interpolate(gaussian_blur(F.avg_pool2d((m > 0.5).float(), 4), _u(rng, 1.0, 3.0, b)), size=(h, w),
                      mode="bilinear", align_corners=False)
    m = m / m.amax(dim=(2, 3), keepdim=True).clamp(min=1e-6)
    return (src * m + x * (1 - m)).clamp(0, 1)


# ---------------------------------------------------------------------------------------------------------------
# video-call augmentations (applied to everything in training)


def jpeg(x: torch.Tensor, qualities: np.ndarray, apply: np.ndarray) -> torch.Tensor:
    out = x.clone()
    arr = (x.permute(0, 2, 3, 1).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)
    for i in np.nonzero(apply)[0]:
        buf = io.BytesIO()
        Image.fromarray(arr[i]).save(buf, format="JPEG", quality=int(qualities[i]))
        buf.seek(0)
        dec = np.asarray(Image.open(buf).convert("RGB"), dtype=np.float32) / 255.0
        out[i] = torch.from_numpy(dec).permute(2, 0, 1)
    return out


def call_augment(x: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """Camera -> encoder -> network -> decoder -> our alignment, roughly in that order."""
    b, _, h, w = x.shape
    # lighting: low light / gamma, colour casts, contrast
    gamma = torch.where(_u(rng, 0, 1, b) < 0.3, _u(rng, 0.7, 1.6, b), torch.ones(b))
    gi = torch.nonzero(gamma != 1).flatten()
    x = x.clone()
    x[gi] = x[gi].clamp(min=0) ** gamma[gi][:, None, None, None]
    dark = torch.where(_u(rng, 0, 1, b) < 0.25, _u(rng, 0.35, 1.0, b), torch.ones(b))
    x = x * dark[:, None, None, None]
    x = colour_jitter(x, rng, strength=0.6)
    # camera blur and sensor noise
    sigma = torch.where(_u(rng, 0, 1, b) < 0.3, _u(rng, 0.3, 1.3, b), torch.zeros(b))
    x = gaussian_blur(x, sigma)
    nstd = torch.where(_u(rng, 0, 1, b) < 0.35, _u(rng, 0.005, 0.04, b), torch.zeros(b))
    gen = torch.Generator().manual_seed(int(rng.integers(0, 2**62)))
    x = (x + torch.randn(x.shape, generator=gen) * nstd[:, None, None, None]).clamp(0, 1)
    # down-scaling, codec at the low resolution, up-scaling by the player: per-sample scale
    scale = np.where(rng.random(b) < 0.5, rng.uniform(0.4, 1.0, b), 1.0)
    q = rng.integers(30, 91, b)
    use_jpeg = rng.random(b) < 0.7
    out = x.clone()
    for s in np.unique(np.round(scale, 1)):
        idx = np.nonzero(np.round(scale, 1) == s)[0]
        xi = x[idx]
        if s < 0.95:
            size = max(16, int(round(h * s)))
            xi = F.interpolate(xi, size=(size, size), mode="area")
            xi = jpeg(xi, q[idx], use_jpeg[idx])
            xi = F.interpolate(xi, size=(h, w), mode="bilinear", align_corners=False)
        else:
            xi = jpeg(xi, q[idx], use_jpeg[idx])
        out[idx] = xi
    x = out
    # misalignment: small shifts/rotations/scale, horizontal flip
    x = _affine(x, _u(rng, -4, 4, b), *([_u(rng, 0.97, 1.03, b)] * 2), _u(rng, -3, 3, b), _u(rng, -3, 3, b))
    flip = torch.from_numpy(rng.random(b) < 0.5)
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    # the engine's input quantisation: 8-bit pixels
    return (x.clamp(0, 1) * 255).round() / 255
