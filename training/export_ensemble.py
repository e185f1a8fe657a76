"""Exports an output ensemble (the mean logit of several checkpoints) as one TF.js LayersModel, so that `npm run scan`
can measure it (copy model.json and the .bin into models/face-swap, scan, `git checkout models/face-swap`).

  /usr/bin/python3 -m training.export_ensemble OUT a/checkpoint.pt b/student.pt ...

An experiment tool, not a shipping path: the ensemble costs one net per member in the browser. Each member is a
branch from the shared input; its Dense layer is scaled by 1/n and the branches are added, so the output is exactly
the mean logit.
"""
import json, os, sys
import numpy as np, torch
from training.export_tfjs import _Builder, INPUT_NAME, OUTPUT_NAME
from training.model import INPUT_SIZE, ConvBN, Detector, ResBlock

out = sys.argv[1]; paths = sys.argv[2:]
bld = _Builder()
x0 = bld.add("InputLayer", {"batch_input_shape": [None, INPUT_SIZE, INPUT_SIZE, 3], "dtype": "float32", "sparse": False}, [], INPUT_NAME)
heads = []
for i, p in enumerate(paths):
    m = Detector(); m.load_state_dict(torch.load(p, map_location='cpu')['state_dict']); m.eval()
    x = x0
    for f in m.features:
        if isinstance(f, ConvBN): x = bld.conv_bn(f, x)
        else:
            y = bld.conv_bn(f.b, bld.conv_bn(f.a, x)); x = bld.relu6(bld.add("Add", {}, [x, y]))
    x = bld.add("GlobalAveragePooling2D", {"data_format": "channels_last"}, [x])
    x = bld.add("Dropout", {"rate": 0.2, "noise_shape": None, "seed": None}, [x])
    name = f"logit_{i}"
    bld.add("Dense", {"units": 1, "activation": "linear", "use_bias": True}, [x], name)
    bld.weights += [(f"{name}/kernel", m.fc.weight.detach().t().contiguous().numpy() / len(paths)), (f"{name}/bias", m.fc.bias.detach().numpy() / len(paths))]
    heads.append(name)
bld.add("Add", {}, heads, OUTPUT_NAME)
topology = {"class_name": "Model", "config": {"name": "ens", "layers": bld.layers, "input_layers": [[INPUT_NAME, 0, 0]], "output_layers": [[OUTPUT_NAME, 0, 0]]}, "keras_version": "tfjs-layers 4.22.0", "backend": "tensor_flow.js"}
specs = [{"name": n, "shape": list(a.shape), "dtype": "float32"} for n, a in bld.weights]
data = b"".join(np.ascontiguousarray(a, dtype="<f4").tobytes() for _, a in bld.weights)
os.makedirs(out, exist_ok=True)
open(os.path.join(out, "group1-shard1of1.bin"), "wb").write(data)
json.dump({"format": "layers-model", "generatedBy": "ens", "convertedBy": None, "modelTopology": topology, "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": specs}]}, open(os.path.join(out, "model.json"), "w"))
