"""A small residual CNN face-swap detector (128x128x3 -> 1 logit).

Every op has an exact TF.js LayersModel counterpart (see export_tfjs.py):
Conv2D / DepthwiseConv2D with TF 'same' padding, BatchNorm (folded into the conv at export), ReLU6, Add,
GlobalAveragePooling2D, Dropout, Dense. Input is NCHW here (PyTorch), NHWC in TF.js.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

INPUT_SIZE = 128

# A compact residual CNN: plain 3x3 convolutions run far faster than depthwise ones in PyTorch on this CPU (for
# training) and in XNNPACK (TF.js wasm). Stages: (output channels, stride-2 downsample then residual blocks).
STAGES = [(24, 1), (48, 1), (96, 1)]
STEM = 16
HEAD = 160


def tf_same_pad(size: int, k: int, s: int) -> tuple[int, int]:
    """TF 'same' padding for one spatial dim: (before, after); the extra pixel goes after (bottom/right)."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class ConvBN(nn.Module):
    """conv (regular or depthwise) + BN + optional ReLU6, with TF 'same' padding done explicitly."""

    def __init__(self, cin: int, cout: int, k: int, stride: int, depthwise: bool = False, relu: bool = True):
        super().__init__()
        self.k, self.stride, self.depthwise, self.relu = k, stride, depthwise, relu
        self.conv = nn.Conv2d(cin, cout, k, stride, 0, groups=cin if depthwise else 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        if self.k > 1:
            ph = tf_same_pad(x.shape[2], self.k, self.stride)
            pw = tf_same_pad(x.shape[3], self.k, self.stride)
            x = F.pad(x, (pw[0], pw[1], ph[0], ph[1]))
        x = self.bn(self.conv(x))
        return F.relu6(x) if self.relu else x


class ResBlock(nn.Module):
    """x -> conv3x3-BN-ReLU6 -> conv3x3-BN -> add x -> ReLU6."""

    def __init__(self, c: int):
        super().__init__()
        self.a = ConvBN(c, c, 3, 1)
        self.b = ConvBN(c, c, 3, 1, relu=False)

    def forward(self, x):
        return F.relu6(x + self.b(self.a(x)))


class Detector(nn.Module):
    """128x128x3 -> stem 64x64x16 -> 32x32x24 (+res) -> 16x16x48 (+res) -> 8x8x96 (+res) -> 4x4x160 -> GAP -> 1."""

    def __init__(self, dropout: float = 0.2, stem: int = STEM, stages: list[tuple[int, int]] | None = None,
                 head: int = HEAD):
        # the defaults are the shipped architecture (export_tfjs.py exports exactly this); other widths are for the
        # larger teacher that train_gpu.py trains alongside it
        super().__init__()
        feats: list[nn.Module] = [ConvBN(3, stem, 3, 2)]
        cin = stem
        for c, n in (STAGES if stages is None else stages):
            feats.append(ConvBN(cin, c, 3, 2))
            feats += [ResBlock(c) for _ in range(n)]
            cin = c
        feats.append(ConvBN(cin, head, 3, 2))
        self.features = nn.Sequential(*feats)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(head, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)
        for m in self.modules():  # residual branches start near identity
            if isinstance(m, ResBlock):
                nn.init.zeros_(m.b.bn.weight)

    def forward(self, x):
        x = self.features(x)
        x = x.mean(dim=(2, 3))
        return self.fc(self.dropout(x)).squeeze(1)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_macs(model: nn.Module, size: int = INPUT_SIZE) -> int:
    """Multiply-accumulates (MACs) of the convs and dense layers for one size x size image (any net: also the trunks)."""
    macs = 0

    def hook(m, inp, out):
        nonlocal macs
        if isinstance(m, nn.Conv2d):
            macs += out.numel() // out.shape[0] * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            macs += m.in_features * m.out_features

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    model.train(was)
    for h in hs:
        h.remove()
    return macs


def count_mflops(model: nn.Module, size: int = INPUT_SIZE) -> float:
    """Multiply-accumulates (MACs) of convs and the dense layer, in millions, for one image."""
    return count_macs(model, size) / 1e6
