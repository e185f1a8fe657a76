"""Checks the pretrained-trunk conversion (training/trunks.py) against TF.js itself.

  /usr/bin/python3 -m training.fetch_trunks          # model files (+ LFW probe crops) into .cache/trunks/
  node scripts/trunk-reference.mjs                   # TF.js outputs on fixed inputs: .cache/trunks/reference-*
  /usr/bin/python3 -m unittest -v training.test_trunks

The parity tests run the PyTorch trunks on the very input tensors TF.js got (stored with its outputs) and require
max |PyTorch - TF.js| <= 1e-4, ABSOLUTE, on every stored node (trunk outputs are ReLU6-bounded or at most ~50 in
magnitude; the measured error is ~1e-5, i.e. ~1e-6 of the output scale). Without .cache/trunks they SKIP, loudly.
The reader/layout tests at the top need no files.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import unittest

import numpy as np
import torch

from .trunks import (TRUNK_DIR, ConvBNAct, FaceResHeads, FaceResTrunk, MobileNetV2Trunk, conv_weight,
                     depthwise_weight, mobilefacenet_from_tfjs, read_tfjs, trunks_available)

TOL = 1e-4

FACERES_NODES = {"conv1_relu/clip_by_value": "conv1", "conv_pw_1_relu/clip_by_value": "block_1",
                 "conv_pw_5_relu/clip_by_value": "block_5", "conv_pw_11_relu/clip_by_value": "block_11",
                 "conv_pw_13_relu/clip_by_value": "block_13"}
MNV2_NODES = {"Conv1_relu": "stem", "expanded_conv_project_BN": "expanded_conv", "block_2_add": "block_2",
              "block_6_project_BN": "block_6", "block_9_add": "block_9", "block_10_project_BN": "block_10",
              "block_13_project_BN": "block_13", "block_16_project_BN": "block_16", "out_relu": "out_relu"}


def _loud_skip(test: unittest.TestCase, what: str) -> None:
    msg = (f"\n{'!' * 78}\n!! SKIPPED {test.id()}: {what}\n!! The TF.js parity of the pretrained trunks was NOT "
           f"checked. To check it:\n!!   /usr/bin/python3 -m training.fetch_trunks && node scripts/trunk-reference.mjs"
           f"\n{'!' * 78}")
    print(msg, file=sys.stderr)
    test.skipTest(what)


def load_reference(case: str) -> dict[str, np.ndarray] | None:
    path = os.path.join(TRUNK_DIR, f"reference-{case}.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        meta = json.load(f)
    with open(os.path.join(TRUNK_DIR, f"reference-{case}.bin"), "rb") as f:
        buf = f.read()
    return {t["name"]: np.frombuffer(buf, np.float32, t["bytes"] // 4, t["offset"]).reshape(t["shape"])
            for t in meta["tensors"]}


def _nchw(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(a)).permute(0, 3, 1, 2).contiguous()


def _nhwc(t: torch.Tensor) -> np.ndarray:
    return t.permute(0, 2, 3, 1).numpy()


class ReaderTest(unittest.TestCase):
    """No model files needed: a hand-made model.json with every storage kind the trunks use."""

    def test_read_tfjs_dequantises_like_tfjs(self):
        rng = np.random.default_rng(0)
        q8 = rng.integers(0, 256, (2, 3), dtype=np.uint8)
        f16 = rng.normal(size=(4,)).astype(np.float16)
        f32 = rng.normal(size=(3, 3, 2, 1)).astype(np.float32)
        i32 = np.array([1, 2], np.int32)
        spec = {"format": "graph-model", "weightsManifest": [
            {"paths": ["a.bin", "b.bin"], "weights": [
                {"name": "q8", "shape": [2, 3], "dtype": "float32",
                 "quantization": {"dtype": "uint8", "scale": 0.0125, "min": -1.5}},
                {"name": "f16", "shape": [4], "dtype": "float32",
                 "quantization": {"dtype": "float16", "original_dtype": "float32"}}]},
            {"paths": ["c.bin"], "weights": [{"name": "f32", "shape": [3, 3, 2, 1], "dtype": "float32"},
                                             {"name": "i32", "shape": [2], "dtype": "int32"}]}]}
        with tempfile.TemporaryDirectory() as d:
            blob1 = q8.tobytes() + f16.tobytes()
            for name, data in (("a.bin", blob1[:5]), ("b.bin", blob1[5:]),  # a weight split across two shards
                               ("c.bin", f32.tobytes() + i32.tobytes())):
                with open(os.path.join(d, name), "wb") as f:
                    f.write(data)
            with open(os.path.join(d, "model.json"), "w") as f:
                json.dump(spec, f)
            _, w = read_tfjs(os.path.join(d, "model.json"))
        np.testing.assert_array_equal(w["q8"], (q8.astype(np.float64) * 0.0125 - 1.5).astype(np.float32))
        np.testing.assert_array_equal(w["f16"], f16.astype(np.float32))
        np.testing.assert_array_equal(w["f32"], f32)
        np.testing.assert_array_equal(w["i32"], i32)
        self.assertEqual(list(w), ["q8", "f16", "f32", "i32"])

    def test_kernel_layouts_match_tf_convolution(self):
        """HWIO / HWCM kernels, transposed, give what a NHWC 'SAME' convolution computes (written out by hand)."""
        rng = np.random.default_rng(1)
        x = rng.normal(size=(1, 6, 6, 3)).astype(np.float32)  # NHWC
        k = rng.normal(size=(3, 3, 3, 4)).astype(np.float32)  # HWIO
        dk = rng.normal(size=(3, 3, 3, 1)).astype(np.float32)  # HW C M
        xp = np.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0)))  # stride 2, even size: TF pads bottom/right only
        ref = np.zeros((1, 3, 3, 4), np.float64)
        dref = np.zeros((1, 3, 3, 3), np.float64)
        for i in range(3):
            for j in range(3):
                patch = xp[0, 2 * i:2 * i + 3, 2 * j:2 * j + 3, :]
                ref[0, i, j] = np.einsum("hwc,hwco->o", patch, k)
                dref[0, i, j] = np.einsum("hwc,hwc->c", patch, dk[..., 0])
        conv = ConvBNAct(3, 4, 3, 2, act=False)
        conv.load(k, 1.0, 0.0)
        dconv = ConvBNAct(3, 3, 3, 2, depthwise=True, act=False)
        dconv.load(dk, 1.0, 0.0)
        with torch.no_grad():
            out = _nhwc(conv.eval()(_nchw(x)))
            dout = _nhwc(dconv.eval()(_nchw(x)))
        np.testing.assert_allclose(out, ref, atol=1e-4)
        np.testing.assert_allclose(dout, dref, atol=1e-4)
        self.assertEqual(tuple(conv_weight(k).shape), (4, 3, 3, 3))
        self.assertEqual(tuple(depthwise_weight(dk).shape), (3, 1, 3, 3))


class ParityTest(unittest.TestCase):
    """PyTorch trunks vs TF.js (scripts/trunk-reference.mjs) on the same stored inputs."""

    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.figures: dict[str, float] = {}

    @classmethod
    def tearDownClass(cls):
        if cls.figures:
            print("\nmax |PyTorch - TF.js| per case and node (absolute; relative to the node's max |value|):",
                  file=sys.stderr)
            for k, v in cls.figures.items():
                print(f"  {k}: {v[0]:.3g} ({v[1]:.2g})", file=sys.stderr)

    def _ref(self, case: str) -> dict[str, np.ndarray]:
        if not trunks_available():
            _loud_skip(self, f"{TRUNK_DIR} has no model files (run training/fetch_trunks.py)")
        ref = load_reference(case)
        if ref is None:
            _loud_skip(self, f"{TRUNK_DIR}/reference-{case}.json missing (run scripts/trunk-reference.mjs)")
        return ref

    def _compare(self, case: str, ref: dict, outs: dict, nodes: dict[str, str]) -> None:
        checked = 0
        for node, stage in nodes.items():
            if node not in ref:
                continue
            got, want = _nhwc(outs[stage]), ref[node]
            self.assertEqual(got.shape, want.shape, node)
            diff = float(np.abs(got - want).max())
            type(self).figures[f"{case} {node}"] = (diff, diff / max(float(np.abs(want).max()), 1e-12))
            self.assertLessEqual(diff, TOL, f"{case} {node}: max abs diff {diff:.3g} > {TOL}")
            checked += 1
        self.assertGreater(checked, 0)

    def _faceres(self, case: str):
        ref = self._ref(case)
        trunk, heads = FaceResTrunk.from_tfjs(), FaceResHeads.from_tfjs()
        with torch.no_grad():
            outs = trunk(_nchw(ref["input"]), return_all=True)
            gender, age = heads(outs["block_13"])
        self._compare(case, ref, outs, FACERES_NODES)
        for node, got in (("gender_pred/Sigmoid", gender[:, None]), ("age_pred/Softmax", age)):
            if node in ref:
                diff = float(np.abs(got.numpy() - ref[node]).max())
                type(self).figures[f"{case} {node}"] = (diff, diff / float(np.abs(ref[node]).max()))
                self.assertLessEqual(diff, TOL, f"{case} {node}")
        return ref, gender

    def test_faceres_128(self):
        self._faceres("faceres-128")

    def test_faceres_224_as_shipped(self):
        self._faceres("faceres-224")

    def test_faceres_lfw_faces_and_input_scale(self):
        """Real faces, and faceres's own gender head as a check of the input scale: RGB in [0, 255] gets the
        probe's obvious genders right (sigmoid > 0.5 = male, as measured); [0, 1] gives a constant."""
        ref, gender = self._faceres("faceres-lfw")
        with open(os.path.join(TRUNK_DIR, "lfw-faces.json")) as f:
            male = np.array([it["label"] == "male" for it in json.load(f)["items"]])
        acc = float(((gender.numpy() > 0.5) == male).mean())
        trunk, heads = FaceResTrunk.from_tfjs(), FaceResHeads.from_tfjs()
        with torch.no_grad():
            g01, _ = heads(trunk(_nchw(ref["input"]) / 255))
        print(f"\nfaceres gender head on {len(male)} LFW crops: [0,255] accuracy {acc:.3f}; [0,1] sigmoid std "
              f"{float(g01.std()):.2g} (accuracy {float(((g01.numpy() > 0.5) == male).mean()):.3f})",
              file=sys.stderr)
        self.assertGreaterEqual(acc, 0.9)
        self.assertLess(float(g01.std()), 0.01)

    def _mnv2(self, case: str, upto: str):
        ref = self._ref(case)
        trunk = MobileNetV2Trunk.from_tfjs(upto=upto)
        with torch.no_grad():
            outs = trunk(_nchw(ref["input"]), return_all=True)
        self._compare(case, ref, outs, {k: v for k, v in MNV2_NODES.items() if v in outs})

    def test_mobilenet_v2_128_cut_at_block_10(self):
        self._mnv2("mobilenet_v2-128", "block_10")

    def test_mobilenet_v2_224_as_shipped_to_out_relu(self):
        self._mnv2("mobilenet_v2-224", "out_relu")

    def test_mobilefacenet_112_embeddings(self):
        """MobileFaceNet through the generic graph interpreter (TFGraphModule): the L2-normalised embedding."""
        ref = self._ref("mobilefacenet-112")
        with torch.no_grad():
            emb = mobilefacenet_from_tfjs()(_nchw(ref["input"]))
        diff = float(np.abs(emb.numpy() - ref["embeddings"]).max())
        type(self).figures["mobilefacenet-112 embeddings"] = (diff, diff / float(np.abs(ref["embeddings"]).max()))
        self.assertLessEqual(diff, TOL)


class MobileNetV2InputScaleTest(unittest.TestCase):
    def test_bn_statistics_match_x_over_255(self):
        """nsfwjs feeds x / 255 (dist/cjs/core.js); Keras's ImageNet MobileNetV2 was trained on x / 127.5 - 1. The
        file's BatchNorm moving statistics are the judge: on the LFW crops, each BN's input batch mean is closer to
        its moving mean (in moving-sd units, averaged over the trunk's BNs) with x / 255."""
        if not trunks_available() or not os.path.exists(os.path.join(TRUNK_DIR, "lfw-faces.u8")):
            _loud_skip(self, f"{TRUNK_DIR} lacks the model files or lfw-faces.u8")
        torch.set_num_threads(1)
        x = _nchw(np.fromfile(os.path.join(TRUNK_DIR, "lfw-faces.u8"), np.uint8).reshape(-1, 128, 128, 3)).float()
        m = MobileNetV2Trunk.from_tfjs()
        gaps = {"x/255": mean_bn_gap(m, x / 255), "x/127.5-1": mean_bn_gap(m, x / 127.5 - 1)}
        print(f"\nMobileNetV2 ..block_10, mean |batch mean - moving mean| / moving sd over its BNs: {gaps}",
              file=sys.stderr)
        self.assertLess(gaps["x/255"], gaps["x/127.5-1"])


def mean_bn_gap(model: torch.nn.Module, x: torch.Tensor) -> float:
    gaps = []

    def hook(bn, inp, out):
        mu = inp[0].mean(dim=(0, 2, 3))
        gaps.append(float(((mu - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps)).abs().mean()))

    hs = [b.register_forward_hook(hook) for b in model.modules() if isinstance(b, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        model.eval()(x)
    for h in hs:
        h.remove()
    return round(float(np.mean(gaps)), 3)


class TrunkMechanicsTest(unittest.TestCase):
    """Freezing and resuming from cached stage outputs (random weights: no files needed)."""

    def test_cached_prefix_equals_full_forward(self):
        torch.manual_seed(0)
        m = FaceResTrunk().eval()
        x = torch.rand(2, 3, 64, 64) * 255
        with torch.no_grad():
            full = m(x)
            cached = m(x, end="block_6")
            resumed = m(cached, start="block_7")
        torch.testing.assert_close(resumed, full)
        m.freeze("block_6")
        m.train()
        self.assertFalse(m.stages["block_6"].training)
        self.assertTrue(m.stages["block_7"].training)
        self.assertTrue(all(not p.requires_grad for p in m.stages["block_6"].parameters()))
        self.assertTrue(all(p.requires_grad for p in m.stages["block_7"].parameters()))

    def test_same_padding_odd_and_even(self):
        """Stride-2 'SAME' on an odd size pads both sides; ConvBNAct follows the input size."""
        conv = ConvBNAct(1, 1, 3, 2, act=False).eval()
        conv.load(np.ones((3, 3, 1, 1), np.float32), 1.0, 0.0)
        with torch.no_grad():
            self.assertEqual(tuple(conv(torch.ones(1, 1, 7, 7)).shape), (1, 1, 4, 4))
            y = conv(torch.ones(1, 1, 6, 6))
        self.assertAlmostEqual(float(y[0, 0, 0, 0]), 9.0, places=5)  # top-left window has no padding (TF pads bottom/right)
        self.assertAlmostEqual(float(y[0, 0, -1, -1]), 4.0, places=5)


if __name__ == "__main__":
    unittest.main()
