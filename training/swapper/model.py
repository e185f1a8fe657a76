"""DeepFaceLab's 'DF' autoencoder (SAEHD archi 'df'), in PyTorch: one shared encoder and inter, one decoder per
identity. Training reconstructs each identity through its own decoder; swapping encodes a target face and decodes it
with the SOURCE identity's decoder, so the output has the source's face in the target's pose, expression and light.

  Encoder: 4 x (conv 5x5 stride 2, LeakyReLU 0.1) with e, 2e, 4e, 8e channels, flattened.
  Inter:   Dense(ae) -> Dense(r*r*ae) -> reshape (ae, r, r) -> Upscale (conv 3x3 to 4*ae, pixel shuffle);
           r = resolution // 16.
  Decoder: 3 x Upscale (8d, 4d, 2d channels), each followed by a residual block; conv 5x5 -> RGB (sigmoid).
           A mask branch (3 x Upscale with dm channels, conv 1) predicts the face mask (sigmoid), as in DFL.
Defaults are much smaller than DFL's (e=64, ae=256, d=64) so that training fits a CPU; see SWAPPER.md for timings.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    resolution: int = 64
    e_dims: int = 32
    ae_dims: int = 128
    d_dims: int = 32
    d_mask_dims: int = 12


def _lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.1)


class Downscale(nn.Module):
    def __init__(self, cin: int, cout: int, k: int = 5):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, 2, k // 2)

    def forward(self, x):
        return _lrelu(self.conv(x))


class Upscale(nn.Module):
    def __init__(self, cin: int, cout: int, k: int = 3):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout * 4, k, 1, k // 2)

    def forward(self, x):
        return F.pixel_shuffle(_lrelu(self.conv(x)), 2)


class ResidualBlock(nn.Module):
    def __init__(self, ch: int, k: int = 3):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, k, 1, k // 2)
        self.conv2 = nn.Conv2d(ch, ch, k, 1, k // 2)

    def forward(self, x):
        return F.leaky_relu(x + self.conv2(F.leaky_relu(self.conv1(x), 0.2)), 0.2)  # DFL's ResidualBlock


class Encoder(nn.Module):
    def __init__(self, e: int):
        super().__init__()
        self.blocks = nn.Sequential(Downscale(3, e), Downscale(e, 2 * e), Downscale(2 * e, 4 * e), Downscale(4 * e, 8 * e))

    def forward(self, x):
        return torch.flatten(self.blocks(x), 1)


class Inter(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.r = cfg.resolution // 16
        self.ae = cfg.ae_dims
        self.dense1 = nn.Linear(8 * cfg.e_dims * self.r * self.r, cfg.ae_dims)
        self.dense2 = nn.Linear(cfg.ae_dims, self.r * self.r * cfg.ae_dims)
        self.up = Upscale(cfg.ae_dims, cfg.ae_dims)

    def forward(self, x):
        x = self.dense2(self.dense1(x)).view(-1, self.ae, self.r, self.r)
        return self.up(x)


class Decoder(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        d, dm, ae = cfg.d_dims, cfg.d_mask_dims, cfg.ae_dims
        self.up = nn.ModuleList([Upscale(ae, 8 * d), Upscale(8 * d, 4 * d), Upscale(4 * d, 2 * d)])
        self.res = nn.ModuleList([ResidualBlock(8 * d), ResidualBlock(4 * d), ResidualBlock(2 * d)])
        self.out = nn.Conv2d(2 * d, 3, 5, 1, 2)
        self.mask = nn.Sequential(Upscale(ae, 8 * dm), Upscale(8 * dm, 4 * dm), Upscale(4 * dm, 2 * dm), nn.Conv2d(2 * dm, 1, 1))

    def forward(self, z):
        x = z
        for up, res in zip(self.up, self.res):
            x = res(up(x))
        return torch.sigmoid(self.out(x)), torch.sigmoid(self.mask(z))


class DF(nn.Module):
    """Shared encoder + inter; decoders keyed by identity name.

    `pooled` identities share ONE decoder ("pool") instead of one each. They are the targets of a many-person model
    (train_many.py): a target's decoder is never used for a swap (a swap decodes with the source's), it only makes the
    shared encoder learn the target's faces, so one decoder for all of them gives the encoder every target face at the
    cost of one decoder, and leaves the CPU's steps to the source decoders that draw the swapped faces."""

    def __init__(self, identities: list[str], cfg: Config | None = None, pooled: list[str] | None = None):
        super().__init__()
        self.cfg = cfg or Config()
        if self.cfg.resolution % 16:
            raise ValueError("resolution must be a multiple of 16")
        self.identities = list(identities)
        self.pooled = list(pooled or [])
        if set(self.identities) & set(self.pooled):
            raise ValueError("an identity is either pooled or has its own decoder")
        self.encoder = Encoder(self.cfg.e_dims)
        self.inter = Inter(self.cfg)
        self.decoders = nn.ModuleDict({str(i): Decoder(self.cfg) for i in range(len(self.identities))})
        if self.pooled:
            self.decoders["pool"] = Decoder(self.cfg)

    def decoder(self, identity: str) -> Decoder:
        if identity in self.pooled:
            return self.decoders["pool"]
        return self.decoders[str(self.identities.index(identity))]

    def knows(self, identity: str) -> bool:
        return identity in self.identities or identity in self.pooled

    def forward(self, x: torch.Tensor, identity: str):
        """x (N, 3, R, R) in [0, 1] -> (face, mask) decoded as `identity`."""
        return self.decoder(identity)(self.inter(self.encoder(x)))

    def save(self, path: str) -> None:
        torch.save({"config": asdict(self.cfg), "identities": self.identities, "pooled": self.pooled,
                    "state": self.state_dict()}, path)

    @staticmethod
    def load(path: str) -> "DF":
        ck = torch.load(path, map_location="cpu")
        m = DF(ck["identities"], Config(**ck["config"]), ck.get("pooled"))
        m.load_state_dict(ck["state"])
        return m


def add_model_args(ap) -> None:
    """The size options and --init that every training CLI takes (argparse parser)."""
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--e-dims", type=int, default=32)
    ap.add_argument("--ae-dims", type=int, default=128)
    ap.add_argument("--d-dims", type=int, default=16)
    ap.add_argument("--d-mask-dims", type=int, default=8)
    ap.add_argument("--init", default=None, help="continue from this model (its config wins over the size options)")


def model_from_args(a) -> tuple[DF | None, Config]:
    """(the model to continue, or None; the config to train with) from add_model_args' options."""
    init = DF.load(a.init) if a.init else None
    return init, init.cfg if init else Config(a.resolution, a.e_dims, a.ae_dims, a.d_dims, a.d_mask_dims)
