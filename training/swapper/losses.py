"""DeepFaceLab SAEHD's reconstruction losses (resolution < 256): 10 * DSSIM + 10 * mean squared error, both on the
face masked by its hull mask (the background does not count), plus 10 * MSE of the predicted mask.

DSSIM = (1 - SSIM) / 2 with a Gaussian window (sigma 1.5) of size resolution / 11.6 (DFL's filter_size), on [0, 1]
images (max_val 1).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def _gaussian(size: int, sigma: float, channels: int, device) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float32, device=device) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(channels, 1, size, size).contiguous()


def ssim(a: torch.Tensor, b: torch.Tensor, filter_size: int = 11, sigma: float = 1.5, max_val: float = 1.0) -> torch.Tensor:
    """Mean SSIM per image, (N,) for (N, C, H, W) inputs ('valid' windows, as tf.image.ssim)."""
    c = a.shape[1]
    w = _gaussian(filter_size, sigma, c, a.device)
    c1, c2 = (0.01 * max_val) ** 2, (0.03 * max_val) ** 2
    mu_a, mu_b = F.conv2d(a, w, groups=c), F.conv2d(b, w, groups=c)
    saa = F.conv2d(a * a, w, groups=c) - mu_a**2
    sbb = F.conv2d(b * b, w, groups=c) - mu_b**2
    sab = F.conv2d(a * b, w, groups=c) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a**2 + mu_b**2 + c1) * (saa + sbb + c2))
    return s.mean(dim=(1, 2, 3))


def dssim(a: torch.Tensor, b: torch.Tensor, filter_size: int = 11) -> torch.Tensor:
    return (1 - ssim(a, b, filter_size)) / 2


def filter_size_for(resolution: int) -> int:
    return max(3, int(resolution / 11.6))


def reconstruction_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor,
                        pred_mask: torch.Tensor | None = None) -> torch.Tensor:
    """DFL's masked loss, mean over the batch. pred/target (N, 3, H, W) in [0, 1]; mask (N, 1, H, W)."""
    fs = filter_size_for(pred.shape[-1])
    pm, tm = pred * mask, target * mask
    loss = 10 * dssim(pm, tm, fs).mean() + 10 * ((pm - tm) ** 2).mean()
    if pred_mask is not None:
        loss = loss + 10 * ((pred_mask - mask) ** 2).mean()
    return loss
