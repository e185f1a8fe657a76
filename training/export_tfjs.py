"""Exports the PyTorch detector to a TF.js LayersModel (model.json + group1-shard1of1.bin), by hand.

  /usr/bin/python3 -m training.export_tfjs --checkpoint models/face-swap/checkpoint.pt --out models/face-swap

BatchNorm is folded into the preceding conv; conv kernels OIHW -> HWIO, depthwise (C,1,kh,kw) -> (kh,kw,C,1), dense
(out,in) -> (in,out). Keras 'same' padding in TF.js equals the explicit asymmetric padding used in training.
Also writes reference.json: four synthetic input crops (no dataset pixels; deflate-compressed uint8 RGB, base64)
and the PyTorch logits for them, which tests/unit/detector-export.test.ts checks TF.js against.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import zlib

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFilter

from .augment import self_blend
from .model import INPUT_SIZE, ConvBN, Detector, ResBlock, count_mflops, count_params

INPUT_NAME = "face"
OUTPUT_NAME = "logit"


def _fold(cb: ConvBN) -> tuple[np.ndarray, np.ndarray]:
    w = cb.conv.weight.detach().double()
    bn = cb.bn
    scale = bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)
    bias = bn.bias.detach().double() - bn.running_mean.double() * scale
    w = w * scale[:, None, None, None]
    if cb.depthwise:
        k = w.permute(2, 3, 0, 1)  # (C,1,kh,kw) -> (kh,kw,C,1)
    else:
        k = w.permute(2, 3, 1, 0)  # OIHW -> HWIO
    return k.float().numpy(), bias.float().numpy()


_INIT = {"class_name": "VarianceScaling", "config": {"scale": 1, "mode": "fan_avg", "distribution": "normal", "seed": None}}


class _Builder:
    def __init__(self):
        self.layers: list[dict] = []
        self.weights: list[tuple[str, np.ndarray]] = []
        self.n = 0

    def _name(self, base: str) -> str:
        self.n += 1
        return f"{base}_{self.n}"

    def add(self, class_name: str, config: dict, inputs: list[str], name: str | None = None) -> str:
        name = name or self._name(class_name.lower())
        config = {**config, "name": name, "trainable": True}
        self.layers.append({"name": name, "class_name": class_name, "config": config,
                            "inbound_nodes": [[[i, 0, 0, {}] for i in inputs]] if inputs else []})
        return name

    def conv_bn(self, cb: ConvBN, x: str) -> str:
        k, b = _fold(cb)
        return self.conv(k, b, cb.k, cb.stride, cb.depthwise, cb.relu, x)

    def conv(self, k: np.ndarray, b: np.ndarray, size: int, stride: int, depthwise: bool, relu6: bool, x: str) -> str:
        """A 'same' Conv2D or DepthwiseConv2D with bias (kernel already in TF layout: HWIO, or (kh,kw,C,1)),
        followed by ReLU(max 6) if asked."""
        common = {"kernel_size": [size, size], "strides": [stride, stride], "padding": "same",
                  "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "linear", "use_bias": True,
                  "bias_initializer": {"class_name": "Zeros", "config": {}}, "bias_regularizer": None,
                  "activity_regularizer": None, "bias_constraint": None}
        if depthwise:
            name = self._name("dwconv")
            self.add("DepthwiseConv2D", {**common, "depth_multiplier": 1, "depthwise_initializer": _INIT,
                                         "depthwise_regularizer": None, "depthwise_constraint": None}, [x], name)
            self.weights += [(f"{name}/depthwise_kernel", k), (f"{name}/bias", b)]
        else:
            name = self._name("conv")
            self.add("Conv2D", {**common, "filters": int(k.shape[3]), "kernel_initializer": _INIT,
                                "kernel_regularizer": None, "kernel_constraint": None}, [x], name)
            self.weights += [(f"{name}/kernel", k), (f"{name}/bias", b)]
        return self.relu6(name) if relu6 else name

    def head(self, x: str, dropout: float, fc: torch.nn.Linear, model_name: str) -> dict:
        """Global average pool, dropout, the one-logit Dense layer; returns the model topology."""
        x = self.add("GlobalAveragePooling2D", {"data_format": "channels_last"}, [x])
        x = self.add("Dropout", {"rate": float(dropout), "noise_shape": None, "seed": None}, [x])
        self.add("Dense", {"units": 1, "activation": "linear", "use_bias": True, "kernel_initializer": _INIT,
                           "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
                           "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
                           "bias_constraint": None}, [x], OUTPUT_NAME)
        self.weights += [(f"{OUTPUT_NAME}/kernel", fc.weight.detach().t().contiguous().numpy()),
                         (f"{OUTPUT_NAME}/bias", fc.bias.detach().numpy())]
        return {"class_name": "Model", "config": {"name": model_name, "layers": self.layers,
                                                  "input_layers": [[INPUT_NAME, 0, 0]],
                                                  "output_layers": [[OUTPUT_NAME, 0, 0]]},
                "keras_version": "tfjs-layers 4.22.0", "backend": "tensor_flow.js"}

    def serialised(self, float16: bool = False) -> tuple[list[dict], bytes]:
        """The weights manifest entries and the shard bytes; float16: stored as half floats, which TF.js widens
        back to float32 on load (`quantization: {dtype: "float16"}`)."""
        if float16:
            specs = [{"name": n, "shape": list(a.shape), "dtype": "float32", "quantization": {"dtype": "float16"}}
                     for n, a in self.weights]
            return specs, b"".join(np.ascontiguousarray(a, dtype="<f2").tobytes() for _, a in self.weights)
        specs = [{"name": n, "shape": list(a.shape), "dtype": "float32"} for n, a in self.weights]
        return specs, b"".join(np.ascontiguousarray(a, dtype="<f4").tobytes() for _, a in self.weights)

    def relu6(self, x: str) -> str:
        return self.add("ReLU", {"max_value": 6}, [x])


def to_tfjs(model: Detector) -> tuple[dict, list[dict], bytes]:
    model.eval()
    bld = _Builder()
    x = bld.add("InputLayer", {"batch_input_shape": [None, INPUT_SIZE, INPUT_SIZE, 3], "dtype": "float32",
                               "sparse": False}, [], INPUT_NAME)
    for m in model.features:
        if isinstance(m, ConvBN):
            x = bld.conv_bn(m, x)
        elif isinstance(m, ResBlock):
            y = bld.conv_bn(m.b, bld.conv_bn(m.a, x))
            x = bld.relu6(bld.add("Add", {}, [x, y]))
        else:
            raise TypeError(f"cannot export {type(m).__name__}")
    topology = bld.head(x, model.dropout.p, model.fc, "unmask_face_swap")
    return (topology, *bld.serialised())


# ------------------------------------------------------------------------------------------------- detector v1
def _fold_trunk(cb) -> tuple[torch.Tensor, torch.Tensor]:
    """A trunk ConvBNAct (training/trunks.py) with its eval-mode BatchNorm folded in: (weight as PyTorch lays it
    out, bias), in float64."""
    w = cb.conv.weight.detach().double()
    bn = cb.bn
    scale = bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)
    bias = bn.bias.detach().double() - bn.running_mean.double() * scale
    return w * scale[:, None, None, None], bias


def _trunk_convs(model):
    from .trunks import ConvBNAct
    return [m for m in model.trunk.modules() if isinstance(m, ConvBNAct)]


@torch.no_grad()
def deployed_copy(model, float16: bool):
    """The model as the export ships it: every BatchNorm folded into its conv (BN made an identity plus bias), and,
    with float16, every weight rounded to half precision as TF.js will read it back. Its outputs are the reference
    logits the TF.js test checks, and what the quantisation's cost is measured with."""
    import copy
    m = copy.deepcopy(model).eval()
    rnd = (lambda t: t.half().double()) if float16 else (lambda t: t)
    for cb in _trunk_convs(m):
        w, b = _fold_trunk(cb)
        cb.conv.weight.copy_(rnd(w).float())
        cb.bn.weight.fill_(1.0)
        cb.bn.bias.copy_(rnd(b).float())
        cb.bn.running_mean.zero_()
        cb.bn.running_var.fill_(1.0 - cb.bn.eps)
    m.head.weight.copy_(rnd(m.head.weight.double()).float())
    m.head.bias.copy_(rnd(m.head.bias.double()).float())
    return m


def to_tfjs_v1(model, float16: bool = True) -> tuple[dict, list[dict], bytes]:
    """V1Detector (training/v1.py, faceres trunk) -> TF.js LayersModel: InputLayer, Rescaling (pixel/127.5-1 back to
    the trunk's range), then per ConvBNAct a Conv2D or DepthwiseConv2D ('same') with the BN folded in and a
    ReLU(max 6), GlobalAveragePooling2D, Dropout, Dense. float16: weights stored as half floats (TF.js's
    `quantization: {dtype: "float16"}`), half the bytes."""
    from .trunks import ConvBNAct
    model.eval()
    bld = _Builder()
    x = bld.add("InputLayer", {"batch_input_shape": [None, INPUT_SIZE, INPUT_SIZE, 3], "dtype": "float32",
                               "sparse": False}, [], INPUT_NAME)
    x = bld.add("Rescaling", {"scale": float(model.in_scale), "offset": float(model.in_offset)}, [x])
    for cb in _trunk_convs(model):
        if not isinstance(cb, ConvBNAct) or cb.pad != "same":
            raise TypeError("only 'same'-padded trunks (faceres) can be exported")
        w, b = _fold_trunk(cb)
        k = w.permute(2, 3, 0, 1) if cb.depthwise else w.permute(2, 3, 1, 0)  # (kh,kw,C,1) / HWIO
        x = bld.conv(k.float().numpy(), b.float().numpy(), cb.k, cb.stride, cb.depthwise, cb.act, x)
    topology = bld.head(x, model.dropout.p, model.head, "unmask_face_swap_v1")
    return (topology, *bld.serialised(float16))


def synthetic_inputs(seed: int = 1234) -> list[tuple[str, np.ndarray]]:
    """Four 128x128 RGB uint8 crops drawn from scratch (no dataset pixels): a cartoon face, its self-blend,
    blocky noise, and a gradient with shapes."""
    rng = np.random.default_rng(seed)
    s = INPUT_SIZE

    def face(bg, skin) -> Image.Image:
        im = Image.new("RGB", (s, s), bg)
        d = ImageDraw.Draw(im)
        d.ellipse([30, 14, 98, 118], fill=skin)
        d.ellipse([42, 44, 58, 54], fill=(250, 250, 250)); d.ellipse([70, 44, 86, 54], fill=(250, 250, 250))
        d.ellipse([47, 45, 54, 53], fill=(60, 40, 30)); d.ellipse([74, 45, 81, 53], fill=(60, 40, 30))
        d.polygon([(64, 56), (58, 76), (70, 76)], fill=tuple(int(c * 0.85) for c in skin))
        d.chord([48, 80, 80, 98], 0, 180, fill=(150, 60, 60))
        d.rectangle([36, 36, 60, 39], fill=(70, 50, 40)); d.rectangle([68, 36, 92, 39], fill=(70, 50, 40))
        return im.filter(ImageFilter.GaussianBlur(1.0))

    f1 = np.asarray(face((90, 110, 140), (224, 180, 150)), np.uint8)
    # a self-blend of the cartoon face: the same code path as training, with cartoon "landmarks" on the ellipse
    t = np.linspace(0, 2 * np.pi, 478, endpoint=False)
    lm = np.stack([64 + 34 * np.cos(t), 66 + 52 * np.sin(t)], 1).astype(np.float32) * rng.uniform(0.8, 1.0, (478, 1))
    x = torch.from_numpy(f1.copy()).permute(2, 0, 1)[None].float() / 255
    f2 = (self_blend(x, lm[None], rng)[0].permute(1, 2, 0).numpy() * 255).round().clip(0, 255).astype(np.uint8)
    noise = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    f3 = np.asarray(Image.fromarray(noise).resize((s, s), Image.NEAREST), np.uint8)
    g = np.linspace(0, 255, s, dtype=np.float32)
    im = Image.fromarray(np.stack([np.tile(g, (s, 1)), np.tile(g[:, None], (1, s)), np.full((s, s), 96, np.float32)], 2).astype(np.uint8))
    d = ImageDraw.Draw(im)
    d.ellipse([20, 20, 70, 70], fill=(250, 220, 40)); d.rectangle([70, 60, 120, 110], fill=(20, 30, 200))
    f4 = np.asarray(im, np.uint8)
    return [("cartoon_face", f1), ("cartoon_face_self_blend", f2), ("blocky_noise", f3), ("gradient_shapes", f4)]


def export(model, out: str, float16: bool = False) -> None:
    """Writes model.json + weights + reference.json for the v0 Detector or a V1Detector (the latter's reference
    logits come from the deployed copy: BN folded, weights as shipped)."""
    model.eval()
    os.makedirs(out, exist_ok=True)
    if isinstance(model, Detector):
        topology, specs, data = to_tfjs(model)
        ref_model = model
    else:
        topology, specs, data = to_tfjs_v1(model, float16)
        ref_model = deployed_copy(model, float16)
    with open(os.path.join(out, "group1-shard1of1.bin"), "wb") as f:
        f.write(data)
    manifest = {"format": "layers-model", "generatedBy": "training/export_tfjs.py", "convertedBy": None,
                "modelTopology": topology,
                "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": specs}]}
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(manifest, f, separators=(",", ":"))
    refs = []
    with torch.no_grad():
        for name, img in synthetic_inputs():
            x = torch.from_numpy(img.copy()).permute(2, 0, 1)[None].float() / 127.5 - 1
            logit = float(ref_model(x)[0])
            refs.append({"name": name, "shape": [INPUT_SIZE, INPUT_SIZE, 3],
                         "rgb_deflate_base64": base64.b64encode(zlib.compress(img.tobytes(), 9)).decode(),
                         "logit": round(logit, 6), "probability": round(1 / (1 + np.exp(-logit)), 6)})
    ref = {"note": "Synthetic uint8 RGB crops (drawn, no dataset pixels), row-major HWC, zlib-deflated, base64. "
                   "Model input = pixel / 127.5 - 1 (src/core/face-align.ts toModelInput). logit = PyTorch output.",
           "input_name": INPUT_NAME, "output_name": OUTPUT_NAME,
           "params": count_params(model), "mflops_multiply_adds": round(count_mflops(model), 2),
           "weights_dtype": "float16" if float16 and not isinstance(model, Detector) else "float32",
           "inputs": refs}
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default="models/face-swap/checkpoint.pt")
    ap.add_argument("--out", default="models/face-swap")
    args = ap.parse_args()
    torch.set_num_threads(2)
    model = Detector()
    model.load_state_dict(torch.load(args.checkpoint)["state_dict"])
    export(model, args.out)
    print(f"exported to {args.out}")


if __name__ == "__main__":
    main()
