"""Quick checks of the training pipeline: /usr/bin/python3 -m unittest training.test_training (no data needed)."""
from __future__ import annotations

import tempfile
import unittest

import numpy as np
import torch

from .augment import call_augment, rerender_blend, self_blend
from .evaluate import TfjsModel
from .export_tfjs import export
from .metrics import auc, tpr_at_fpr
from .model import Detector, count_mflops, tf_same_pad
from .pack import LANDMARK_SCALE, decode, encode
from .soup import interpolate, reestimate_bn
from .train import batch_plan, dfl_batch, make_batch
from .train_gpu import TEACHER, BatchStream, lr_factor


class TrainingTest(unittest.TestCase):
    def test_tf_same_padding(self):
        self.assertEqual(tf_same_pad(128, 3, 2), (0, 1))  # TF pads bottom/right for even sizes, stride 2
        self.assertEqual(tf_same_pad(127, 3, 2), (1, 1))
        self.assertEqual(tf_same_pad(64, 3, 1), (1, 1))
        self.assertEqual(tf_same_pad(64, 1, 1), (0, 0))

    def test_auc_matches_pairwise_definition(self):
        rng = np.random.default_rng(0)
        labels = rng.random(300) > 0.5
        scores = np.round(rng.random(300) + labels * 0.3, 1)  # with ties
        pos, neg = scores[labels], scores[~labels]
        brute = np.mean([(p > n) + 0.5 * (p == n) for p in pos for n in neg])
        self.assertAlmostEqual(auc(scores, labels), brute, places=10)
        tpr, _ = tpr_at_fpr(np.r_[np.arange(100), np.arange(100) + 50.0], np.r_[np.zeros(100), np.ones(100)], 0.05)
        self.assertAlmostEqual(tpr, 0.55)

    def test_export_folds_batchnorm_exactly(self):
        torch.manual_seed(0)
        m = Detector()
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.5, 0.5)
                mod.running_var.uniform_(0.5, 2)
                mod.weight.data.uniform_(0.5, 1.5)
        torch.nn.init.normal_(m.fc.weight)
        m.eval()
        with tempfile.TemporaryDirectory() as d:
            export(m, d)
            x = torch.rand(2, 128, 128, 3) * 2 - 1
            with torch.no_grad():
                a = m(x.permute(0, 3, 1, 2))
            b = TfjsModel(d)(x)
        self.assertLess(float((a - b).abs().max()), 1e-3)

    def test_augmentations_are_seeded(self):
        x = torch.rand(4, 3, 128, 128)
        t = np.linspace(0, 2 * np.pi, 478, endpoint=False)
        lm = np.tile(np.stack([64 + 30 * np.cos(t), 64 + 40 * np.sin(t)], 1)[None], (4, 1, 1)).astype(np.float32)
        outs = []
        for _ in range(2):
            rng = np.random.default_rng(7)
            outs.append(call_augment(self_blend(x, lm, rng), rng))
        self.assertTrue(torch.equal(outs[0], outs[1]))
        self.assertEqual(tuple(outs[0].shape), (4, 3, 128, 128))
        self.assertGreaterEqual(float(outs[0].min()), 0.0)
        self.assertLessEqual(float(outs[0].max()), 1.0)

    def test_rerender_blend_changes_only_the_face_and_is_seeded(self):
        x = torch.rand(2, 3, 128, 128)
        t = np.linspace(0, 2 * np.pi, 478, endpoint=False)
        lm = np.tile(np.stack([64 + 30 * np.cos(t), 64 + 40 * np.sin(t)], 1)[None], (2, 1, 1)).astype(np.float32)
        a = rerender_blend(x, lm, np.random.default_rng(3))
        b = rerender_blend(x, lm, np.random.default_rng(3))
        self.assertTrue(torch.equal(a, b))
        diff = (a - x).abs().mean(1)
        # the inside of the face is re-rendered (it loses detail), the corners outside it are untouched
        self.assertGreater(float(diff[:, 54:74, 54:74].mean()), 0.02)
        self.assertLess(float(diff[:, :8, :8].max()), 1e-6)

    def test_make_batch_is_seeded_quantised_and_ordered(self):
        rng0 = np.random.default_rng(0)
        real = rng0.integers(0, 256, (6, 128, 128, 3), dtype=np.uint8)
        fake = rng0.integers(0, 256, (3, 128, 128, 3), dtype=np.uint8)
        t = np.linspace(0, 2 * np.pi, 478, endpoint=False)
        lm = np.tile(np.stack([64 + 30 * np.cos(t), 64 + 40 * np.sin(t)], 1)[None], (6, 1, 1)).astype(np.float32)
        a = make_batch(real, lm, fake, 4, 2, 2, 0.5, np.random.default_rng(11))
        b = make_batch(real, lm, fake, 4, 2, 2, 0.5, np.random.default_rng(11))
        self.assertTrue(torch.equal(a, b))
        self.assertEqual(tuple(a.shape), (8, 3, 128, 128))
        # 8-bit pixels, as the engine feeds the model: uint8 carries a batch between processes exactly
        self.assertTrue(torch.equal(a, (a * 255).round() / 255))
        stream = iter(BatchStream({"real_images": real, "real_landmarks": lm, "fake_images": fake}, 8, 0.5, 0.5, 11))
        xb, yb = next(stream)
        self.assertEqual(xb.dtype, torch.uint8)
        self.assertEqual(yb.tolist(), [0, 0, 0, 0, 1, 1, 1, 1])  # reals first, then self-blends, then DFDC fakes

    def test_batch_plan_with_and_without_dfl_frames(self):
        self.assertEqual(batch_plan(64, 0.5, 0.0), (32, 16, 16, 0))  # the split of every run before --dfl-share
        self.assertEqual(batch_plan(64, 0.5, 0.25), (24, 12, 12, 8))
        for batch, sbi, dfl in ((64, 0.6, 0.25), (63, 0.5, 0.1), (256, 0.5, 0.5)):
            n_real, n_sbi, n_dfake, n_dfl = batch_plan(batch, sbi, dfl)
            self.assertEqual(n_real + n_sbi + n_dfake + 2 * n_dfl, batch)
            self.assertEqual(n_real + n_dfl, batch // 2)  # reals stay half the batch
        rng = np.random.default_rng(0)
        real = np.zeros((5, 128, 128, 3), np.uint8)
        fake = np.full((5, 128, 128, 3), 255, np.uint8)
        lms = np.tile(np.mgrid[30:100:22j, 30:100:22j].reshape(2, -1).T[None], (5, 1, 1)).astype(np.float32)[:, :478]
        x = dfl_batch(real, lms, fake, 3, rng)
        self.assertEqual(tuple(x.shape), (6, 3, 128, 128))
        self.assertLess(float(x[:3].mean()), float(x[3:].mean()))  # reals first, then the swaps
        y = dfl_batch(real, lms, fake, 3, np.random.default_rng(0), fakes="self-blends")
        self.assertEqual(tuple(y.shape), (6, 3, 128, 128))  # fakes made from the reals, never from the swaps
        self.assertLess(float(y[3:].mean()), 0.5)

    def test_source_balanced_self_blends(self):
        from .train import source_balanced_sbi_p
        # 5,600 DFDC reals and 2,800 LFW reals: LFW is a third of the reals, so it must be a third of all 32 fakes,
        # i.e. two thirds of the 16 self-blends (the 16 DFDC fakes are all DFDC)
        p = source_balanced_sbi_p(5600, 2800, 16, 16)
        self.assertEqual(len(p), 8400)
        self.assertAlmostEqual(p.sum(), 1.0, places=12)
        self.assertAlmostEqual(p[5600:].sum(), 2 / 3, places=9)
        self.assertTrue(np.allclose(p[:5600], p[0]) and np.allclose(p[5600:], p[-1]))  # uniform within a source
        self.assertAlmostEqual(source_balanced_sbi_p(100, 900, 4, 28)[100:].sum(), 1.0)  # capped: all self-blends LFW
        # the default path (no weights) draws exactly as before
        rng0 = np.random.default_rng(0)
        real = rng0.integers(0, 256, (6, 128, 128, 3), dtype=np.uint8)
        t = np.linspace(0, 2 * np.pi, 478, endpoint=False)
        lm = np.tile(np.stack([64 + 30 * np.cos(t), 64 + 40 * np.sin(t)], 1)[None], (6, 1, 1)).astype(np.float32)
        a = make_batch(real, lm, real[:3], 2, 2, 2, 0.0, np.random.default_rng(5))
        b = make_batch(real, lm, real[:3], 2, 2, 2, 0.0, np.random.default_rng(5), None)
        self.assertTrue(torch.equal(a, b))
        c = make_batch(real, lm, real[:3], 2, 2, 2, 0.0, np.random.default_rng(5), np.r_[np.zeros(5), 1.0])
        self.assertFalse(torch.equal(a, c))

    def test_pack_round_trip_is_close(self):
        # smooth synthetic faces: WebP at quality 90 keeps them within a few levels; landmarks within 1/32 px
        yy, xx = np.mgrid[0:128, 0:128]
        imgs = np.stack([np.stack([(xx + k * 10) % 256, yy * 2 % 256, (xx + yy) // 2], -1) for k in range(3)]).astype(np.uint8)
        data, offsets = encode(imgs)
        self.assertEqual(len(offsets), 4)
        back = decode(data, offsets)
        self.assertEqual(back.shape, imgs.shape)
        self.assertLess(float(np.abs(back.astype(np.float32) - imgs).mean()), 4.0)
        lm = np.random.default_rng(1).uniform(-16, 145, (2, 478, 2)).astype(np.float32)
        q = np.round(lm * LANDMARK_SCALE).astype(np.int16).astype(np.float32) / LANDMARK_SCALE
        self.assertLessEqual(float(np.abs(q - lm).max()), 1 / 32 + 1e-6)

    def test_gpu_schedule_and_teacher(self):
        self.assertLess(lr_factor(0.0), 0.05)
        self.assertAlmostEqual(lr_factor(0.03), 1.0, places=6)
        self.assertAlmostEqual(lr_factor(1.0), 0.0, places=6)
        self.assertTrue(all(lr_factor(f) >= lr_factor(f + 0.1) for f in np.linspace(0.03, 0.9, 9)))
        teacher = Detector(**TEACHER)
        self.assertEqual(tuple(teacher(torch.zeros(2, 3, 128, 128)).shape), (2,))
        self.assertGreater(count_mflops(teacher), 5 * count_mflops(Detector()))

    def test_soup_interpolates_weights_and_remeasures_batchnorm(self):
        torch.manual_seed(0)
        a, b = Detector().state_dict(), Detector().state_dict()
        b = {k: v + 1 if v.is_floating_point() else v + 5 for k, v in b.items()}
        mid = interpolate(a, b, 0.5)
        w = "fc.weight"
        self.assertTrue(torch.allclose(mid[w], (a[w] + b[w]) / 2))
        self.assertTrue(torch.equal(interpolate(a, b, 0.0)[w], a[w]))
        self.assertTrue(torch.equal(interpolate(a, b, 1.0)[w], b[w]))
        counter = next(k for k in b if k.endswith("num_batches_tracked"))
        self.assertEqual(int(mid[counter]), int(b[counter]))  # counters are not averaged
        m = Detector()
        m.load_state_dict(mid)
        x = torch.rand(4, 3, 128, 128) * 0.5 + 0.25
        reestimate_bn(m, [x, x])
        bn = m.features[0].bn
        # the statistics are those of the data now, not an average of two models' statistics
        conv_out = torch.nn.functional.pad(x * 2 - 1, (0, 1, 0, 1))
        conv_out = torch.nn.functional.conv2d(conv_out, m.features[0].conv.weight, stride=2)
        self.assertTrue(torch.allclose(bn.running_mean, conv_out.mean(dim=(0, 2, 3)), atol=1e-4))
        self.assertFalse(m.training)


if __name__ == "__main__":
    unittest.main()
