#!/usr/bin/env node
// Builds a MediaPipe Tasks `face_landmarker.task` (478 landmarks, with the facial transformation matrix) from the
// networks that ship in the npm packages @mediapipe/face_mesh and @mediapipe/face_detection, and copies the
// tasks-vision wasm next to it. Nothing is downloaded; the output is byte-identical on every run.
//
//   node scripts/build-face-model.mjs [out.task]      (default public/engine-assets/face_landmarker.task)
//
// What it does:
//  1. Extracts face_landmark_with_attention.tflite and geometry_pipeline_metadata_landmarks.binarypb from
//     face_mesh_solution_packed_assets.data, at the byte ranges listed in face_mesh_solution_packed_assets_loader.js.
//  2. Adds TFLite metadata (TFLITE_METADATA buffer, metadata_schema.fbs) declaring the input normalisation the Tasks
//     graph requires: detector mean 127.5 / std 127.5 (-> [-1, 1]); landmark model mean 0 / std 255 (-> [0, 1]).
//  3. Appends builtin ops (RESHAPE / GATHER / CONCATENATION / MEAN) to the attention model that merge its seven
//     outputs the way legacy MediaPipe's LandmarksRefinementCalculator does
//     (mediapipe/modules/face_landmark/tensors_to_face_landmarks_with_attention.pbtxt): lips and eye contours
//     overwrite the mesh x,y, the irises are appended as points 468-477 (left first), and each iris z is the mean
//     z of its eye's 16 contour points. The graph outputs become [landmarks (1x1x1x1434), face_flag].
//  4. Writes a stored (uncompressed) zip with fixed timestamps and 64-byte aligned entry data.
//
// The TFLite flatbuffer is read into plain objects with a small hand-written reflection of the parts of
// tensorflow/lite/schema/schema.fbs the two models use, then written back whole with the flatbuffers Builder.

import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Builder, ByteBuffer } from 'flatbuffers';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NM = join(ROOT, 'node_modules');
const FACE_MESH = join(NM, '@mediapipe/face_mesh');
const FACE_DETECTION = join(NM, '@mediapipe/face_detection');
const TASKS_WASM = join(NM, '@mediapipe/tasks-vision/wasm');
const DEFAULT_OUT = join(ROOT, 'public/engine-assets/face_landmarker.task');
// The engine runs in a module worker, which loads the ES-module build of the wasm; the classic build would only
// add 10 MB to the extension.
const WASM_FILES = ['vision_wasm_module_internal.js', 'vision_wasm_module_internal.wasm'];

// ---------------------------------------------------------------------------------------------------------------
// Landmark refinement index maps, copied from MediaPipe's
// mediapipe/modules/face_landmark/tensors_to_face_landmarks_with_attention.pbtxt (Apache-2.0).
// prettier-ignore
const LIPS = [
  61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, // lower outer
  185, 40, 39, 37, 0, 267, 269, 270, 409, // upper outer (excluding corners)
  78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, // lower inner
  191, 80, 81, 82, 13, 312, 311, 310, 415, // upper inner (excluding corners)
  76, 77, 90, 180, 85, 16, 315, 404, 320, 307, 306, // lower semi-outer
  184, 74, 73, 72, 11, 302, 303, 304, 408, // upper semi-outer (excluding corners)
  62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292, // lower semi-inner
  183, 42, 41, 38, 12, 268, 271, 272, 407, // upper semi-inner (excluding corners)
];
// prettier-ignore
const LEFT_EYE = [
  33, 7, 163, 144, 145, 153, 154, 155, 133, // lower contour
  246, 161, 160, 159, 158, 157, 173, // upper contour (excluding corners)
  130, 25, 110, 24, 23, 22, 26, 112, 243, // halo x2 lower contour
  247, 30, 29, 27, 28, 56, 190, // halo x2 upper contour (excluding corners)
  226, 31, 228, 229, 230, 231, 232, 233, 244, // halo x3 lower contour
  113, 225, 224, 223, 222, 221, 189, // halo x3 upper contour (excluding corners)
  35, 124, 46, 53, 52, 65, // halo x4 upper contour or eyebrow inner contour
  143, 111, 117, 118, 119, 120, 121, 128, 245, // halo x5 lower contour
  156, 70, 63, 105, 66, 107, 55, 193, // halo x5 upper contour or eyebrow outer contour
];
// prettier-ignore
const RIGHT_EYE = [
  263, 249, 390, 373, 374, 380, 381, 382, 362, // lower contour
  466, 388, 387, 386, 385, 384, 398, // upper contour (excluding corners)
  359, 255, 339, 254, 253, 252, 256, 341, 463, // halo x2 lower contour
  467, 260, 259, 257, 258, 286, 414, // halo x2 upper contour (excluding corners)
  446, 261, 448, 449, 450, 451, 452, 453, 464, // halo x3 lower contour
  342, 445, 444, 443, 442, 441, 413, // halo x3 upper contour (excluding corners)
  265, 353, 276, 283, 282, 295, // halo x4 upper contour or eyebrow inner contour
  372, 340, 346, 347, 348, 349, 350, 357, 465, // halo x5 lower contour
  383, 300, 293, 334, 296, 336, 285, 417, // halo x5 upper contour or eyebrow outer contour
];
// Iris z = average z of the eye's lower + upper contour (the first 16 points of each eye list).
const LEFT_IRIS_Z_FROM = LEFT_EYE.slice(0, 16);
const RIGHT_IRIS_Z_FROM = RIGHT_EYE.slice(0, 16);
const NUM_MESH = 468;
const NUM_IRIS = 5;
const NUM_OUT = NUM_MESH + 2 * NUM_IRIS; // 478

// ---------------------------------------------------------------------------------------------------------------
// Minimal flatbuffer reflection.
//
// A table is a list of fields in vtable slot order: [name, type]. Types: scalar names, 'string', 'T' (table),
// '[elem]' (vector; '[ubyte]@16' forces 16-byte alignment), 'union:Name:typeField' (the value slot of a union; its
// type slot precedes it as a 'ubyte' field), '!' (a field this tool does not handle: error if present).

const SCALAR = {
  bool: { size: 1, read: (bb, p) => bb.readUint8(p), add: 'addFieldInt8', push: 'addInt8' },
  byte: { size: 1, read: (bb, p) => bb.readInt8(p), add: 'addFieldInt8', push: 'addInt8' },
  ubyte: { size: 1, read: (bb, p) => bb.readUint8(p), add: 'addFieldInt8', push: 'addInt8' },
  short: { size: 2, read: (bb, p) => bb.readInt16(p), add: 'addFieldInt16', push: 'addInt16' },
  ushort: { size: 2, read: (bb, p) => bb.readUint16(p), add: 'addFieldInt16', push: 'addInt16' },
  int: { size: 4, read: (bb, p) => bb.readInt32(p), add: 'addFieldInt32', push: 'addInt32' },
  uint: { size: 4, read: (bb, p) => bb.readUint32(p), add: 'addFieldInt32', push: 'addInt32' },
  long: { size: 8, read: (bb, p) => bb.readInt64(p), add: 'addFieldInt64', push: 'addInt64' },
  ulong: { size: 8, read: (bb, p) => bb.readUint64(p), add: 'addFieldInt64', push: 'addInt64' },
  float: { size: 4, read: (bb, p) => bb.readFloat32(p), add: 'addFieldFloat32', push: 'addFloat32' },
  double: { size: 8, read: (bb, p) => bb.readFloat64(p), add: 'addFieldFloat64', push: 'addFloat64' },
};

// tensorflow/lite/schema/schema.fbs (the parts these models use).
const TFLITE = {
  Model: [
    ['version', 'uint'],
    ['operator_codes', '[OperatorCode]'],
    ['subgraphs', '[SubGraph]'],
    ['description', 'string'],
    ['buffers', '[Buffer]'],
    ['metadata_buffer', '[int]'],
    ['metadata', '[Metadata]'],
    ['signature_defs', '!'],
  ],
  OperatorCode: [
    ['deprecated_builtin_code', 'byte'],
    ['custom_code', 'string'],
    ['version', 'int'],
    ['builtin_code', 'int'],
  ],
  SubGraph: [
    ['tensors', '[Tensor]'],
    ['inputs', '[int]'],
    ['outputs', '[int]'],
    ['operators', '[Operator]'],
    ['name', 'string'],
    ['debug_metadata_index', 'int'],
  ],
  Tensor: [
    ['shape', '[int]'],
    ['type', 'byte'],
    ['buffer', 'uint'],
    ['name', 'string'],
    ['quantization', 'QuantizationParameters'],
    ['is_variable', 'bool'],
    ['sparsity', '!'],
    ['shape_signature', '[int]'],
    ['has_rank', 'bool'],
    ['variant_tensors', '!'],
  ],
  QuantizationParameters: [
    ['min', '[float]'],
    ['max', '[float]'],
    ['scale', '[float]'],
    ['zero_point', '[long]'],
    ['details_type', 'ubyte'],
    ['details', '!'],
    ['quantized_dimension', 'int'],
  ],
  Operator: [
    ['opcode_index', 'uint'],
    ['inputs', '[int]'],
    ['outputs', '[int]'],
    ['builtin_options_type', 'ubyte'],
    ['builtin_options', 'union:BuiltinOptions:builtin_options_type'],
    ['custom_options', '[ubyte]'],
    ['custom_options_format', 'byte'],
    ['mutating_variable_inputs', '[bool]'],
    ['intermediates', '[int]'],
    ['large_custom_options_offset', 'ulong'],
    ['large_custom_options_size', 'ulong'],
    ['builtin_options_2_type', 'ubyte'],
    ['builtin_options_2', '!'],
    ['debug_metadata_index', 'int'],
  ],
  Buffer: [
    ['data', '[ubyte]@16'],
    ['offset', 'ulong'],
    ['size', 'ulong'],
  ],
  Metadata: [
    ['name', 'string'],
    ['buffer', 'uint'],
  ],
  // BuiltinOptions members used by the two models and by the ops appended here.
  Conv2DOptions: [
    ['padding', 'byte'],
    ['stride_w', 'int'],
    ['stride_h', 'int'],
    ['fused_activation_function', 'byte'],
    ['dilation_w_factor', 'int'],
    ['dilation_h_factor', 'int'],
    ['quantized_bias_type', 'byte'],
  ],
  DepthwiseConv2DOptions: [
    ['padding', 'byte'],
    ['stride_w', 'int'],
    ['stride_h', 'int'],
    ['depth_multiplier', 'int'],
    ['fused_activation_function', 'byte'],
    ['dilation_w_factor', 'int'],
    ['dilation_h_factor', 'int'],
  ],
  Pool2DOptions: [
    ['padding', 'byte'],
    ['stride_w', 'int'],
    ['stride_h', 'int'],
    ['filter_width', 'int'],
    ['filter_height', 'int'],
    ['fused_activation_function', 'byte'],
  ],
  FullyConnectedOptions: [
    ['fused_activation_function', 'byte'],
    ['weights_format', 'byte'],
    ['keep_num_dims', 'bool'],
    ['asymmetric_quantize_inputs', 'bool'],
    ['quantized_bias_type', 'byte'],
  ],
  SoftmaxOptions: [['beta', 'float']],
  ConcatenationOptions: [
    ['axis', 'int'],
    ['fused_activation_function', 'byte'],
  ],
  AddOptions: [
    ['fused_activation_function', 'byte'],
    ['pot_scale_int16', 'bool'],
  ],
  MulOptions: [['fused_activation_function', 'byte']],
  SubOptions: [
    ['fused_activation_function', 'byte'],
    ['pot_scale_int16', 'bool'],
  ],
  DivOptions: [['fused_activation_function', 'byte']],
  ResizeBilinearOptions: [
    ['new_height', 'int'],
    ['new_width', 'int'],
    ['align_corners', 'bool'],
    ['half_pixel_centers', 'bool'],
  ],
  ResizeNearestNeighborOptions: [
    ['align_corners', 'bool'],
    ['half_pixel_centers', 'bool'],
  ],
  ReshapeOptions: [['new_shape', '[int]']],
  PadOptions: [],
  PadV2Options: [],
  GatherOptions: [
    ['axis', 'int'],
    ['batch_dims', 'int'],
  ],
  TransposeOptions: [],
  ReducerOptions: [['keep_dims', 'bool']],
  SqueezeOptions: [['squeeze_dims', '[int]']],
  StridedSliceOptions: [
    ['begin_mask', 'int'],
    ['end_mask', 'int'],
    ['ellipsis_mask', 'int'],
    ['new_axis_mask', 'int'],
    ['shrink_axis_mask', 'int'],
    ['offset', 'bool'],
  ],
  SplitOptions: [['num_splits', 'int']],
  SplitVOptions: [['num_splits', 'int']],
  SliceOptions: [],
  DequantizeOptions: [],
  MaximumMinimumOptions: [],
  ExpOptions: [],
  TileOptions: [],
  ExpandDimsOptions: [],
  PackOptions: [
    ['values_count', 'int'],
    ['axis', 'int'],
  ],
  UnpackOptions: [
    ['num', 'int'],
    ['axis', 'int'],
  ],
  LeakyReluOptions: [['alpha', 'float']],
  CastOptions: [
    ['in_data_type', 'byte'],
    ['out_data_type', 'byte'],
  ],
};
// union BuiltinOptions: member index -> table name (NONE = 0). Only the members listed in TFLITE are supported.
const BUILTIN_OPTIONS = {
  1: 'Conv2DOptions',
  2: 'DepthwiseConv2DOptions',
  5: 'Pool2DOptions',
  8: 'FullyConnectedOptions',
  9: 'SoftmaxOptions',
  10: 'ConcatenationOptions',
  11: 'AddOptions',
  15: 'ResizeBilinearOptions',
  17: 'ReshapeOptions',
  21: 'MulOptions',
  22: 'PadOptions',
  23: 'GatherOptions',
  26: 'TransposeOptions',
  27: 'ReducerOptions',
  28: 'SubOptions',
  29: 'DivOptions',
  30: 'SqueezeOptions',
  32: 'StridedSliceOptions',
  33: 'ExpOptions',
  35: 'SplitOptions',
  37: 'CastOptions',
  38: 'DequantizeOptions',
  39: 'MaximumMinimumOptions',
  43: 'PadV2Options',
  48: 'SliceOptions',
  51: 'TileOptions',
  52: 'ExpandDimsOptions',
  59: 'PackOptions',
  64: 'UnpackOptions',
  74: 'ResizeNearestNeighborOptions',
  75: 'LeakyReluOptions',
  79: 'SplitVOptions',
};
const OPTIONS_INDEX = Object.fromEntries(Object.entries(BUILTIN_OPTIONS).map(([k, v]) => [v, Number(k)]));

// tensorflow_lite_support/metadata/metadata_schema.fbs (the parts written here).
const META = {
  ModelMetadata: [
    ['name', 'string'],
    ['description', 'string'],
    ['version', 'string'],
    ['subgraph_metadata', '[SubGraphMetadata]'],
    ['author', 'string'],
    ['license', 'string'],
    ['associated_files', '!'],
    ['min_parser_version', 'string'],
  ],
  SubGraphMetadata: [
    ['name', 'string'],
    ['description', 'string'],
    ['input_tensor_metadata', '[TensorMetadata]'],
    ['output_tensor_metadata', '[TensorMetadata]'],
  ],
  TensorMetadata: [
    ['name', 'string'],
    ['description', 'string'],
    ['dimension_names', '[string]'],
    ['content', 'Content'],
    ['process_units', '[ProcessUnit]'],
    ['stats', 'Stats'],
  ],
  Content: [
    ['content_properties_type', 'ubyte'],
    ['content_properties', 'union:ContentProperties:content_properties_type'],
    ['range', '!'],
  ],
  FeatureProperties: [],
  ImageProperties: [
    ['color_space', 'byte'],
    ['default_size', '!'],
  ],
  ProcessUnit: [
    ['options_type', 'ubyte'],
    ['options', 'union:ProcessUnitOptions:options_type'],
  ],
  NormalizationOptions: [
    ['mean', '[float]'],
    ['std', '[float]'],
  ],
  Stats: [
    ['max', '[float]'],
    ['min', '[float]'],
  ],
};
const META_UNIONS = {
  ContentProperties: { 1: 'FeatureProperties', 2: 'ImageProperties' },
  ProcessUnitOptions: { 1: 'NormalizationOptions' },
};

function unionMembers(schema, union) {
  if (union === 'BuiltinOptions') return BUILTIN_OPTIONS;
  if (schema === META) return META_UNIONS[union];
  throw new Error(`unknown union ${union}`);
}

/** Reads the table at `pos` into a plain object holding only the fields present. */
export function readTable(schema, bb, pos, tname) {
  const fields = schema[tname];
  if (!fields) throw new Error(`no schema for table ${tname}`);
  const vt = pos - bb.readInt32(pos);
  const vtSize = bb.readInt16(vt);
  const obj = {};
  for (let slot = 0; 4 + 2 * slot < vtSize; slot++) {
    const off = bb.readInt16(vt + 4 + 2 * slot);
    if (!off) continue;
    const field = fields[slot];
    if (!field || field[1] === '!') {
      throw new Error(`${tname}: field slot ${slot} (${field ? field[0] : '?'}) is not supported by this tool`);
    }
    const [name, type] = field;
    const p = pos + off;
    obj[name] = readValue(schema, bb, p, type, obj, tname);
  }
  return obj;
}

function readValue(schema, bb, p, type, obj, tname) {
  if (SCALAR[type]) return SCALAR[type].read(bb, p);
  if (type === 'string') return bb.__string(p);
  if (type.startsWith('union:')) {
    const [, union, typeField] = type.split(':');
    const member = unionMembers(schema, union)[obj[typeField]];
    if (!member) throw new Error(`${tname}: ${union} member ${obj[typeField]} is not supported by this tool`);
    return readTable(schema, bb, bb.__indirect(p), member);
  }
  if (type.startsWith('[')) {
    const elem = type.slice(1, type.indexOf(']'));
    const start = bb.__vector(p);
    const len = bb.__vector_len(p);
    if (elem === 'ubyte' || elem === 'bool') return bb.bytes().slice(start, start + len);
    if (SCALAR[elem]) {
      const out = [];
      for (let i = 0; i < len; i++) out.push(SCALAR[elem].read(bb, start + i * SCALAR[elem].size));
      return out;
    }
    const out = [];
    for (let i = 0; i < len; i++) {
      out.push(elem === 'string' ? bb.__string(start + 4 * i) : readTable(schema, bb, bb.__indirect(start + 4 * i), elem));
    }
    return out;
  }
  return readTable(schema, bb, bb.__indirect(p), type);
}

/** Writes a plain object as a table; returns its offset. */
export function writeTable(schema, b, obj, tname) {
  const fields = schema[tname];
  if (!fields) throw new Error(`no schema for table ${tname}`);
  const offsets = new Map();
  for (const [name, type] of fields) {
    if (obj[name] === undefined || SCALAR[type]) continue;
    if (type === '!') throw new Error(`${tname}.${name} cannot be written by this tool`);
    offsets.set(name, writeValue(schema, b, obj[name], type, obj, `${tname}.${name}`));
  }
  for (const name of Object.keys(obj)) {
    if (!fields.some((f) => f[0] === name)) throw new Error(`${tname} has no field ${name}`);
  }
  b.startObject(fields.length);
  fields.forEach(([name, type], slot) => {
    const v = obj[name];
    if (v === undefined) return;
    if (SCALAR[type]) b[SCALAR[type].add](slot, v, v);
    else b.addFieldOffset(slot, offsets.get(name), 0);
  });
  return b.endObject();
}

function writeValue(schema, b, v, type, obj, where) {
  if (type === 'string') return b.createString(v);
  if (type.startsWith('union:')) {
    const [, union, typeField] = type.split(':');
    const member = unionMembers(schema, union)[obj[typeField]];
    if (!member) throw new Error(`${where}: union member ${obj[typeField]} unknown`);
    return writeTable(schema, b, v, member);
  }
  if (type.startsWith('[')) {
    const elem = type.slice(1, type.indexOf(']'));
    const align = type.includes('@') ? Number(type.split('@')[1]) : undefined;
    if (elem === 'ubyte' || elem === 'bool') {
      const bytes = v instanceof Uint8Array ? v : Uint8Array.from(v);
      b.startVector(1, bytes.length, align ?? 1);
      b.space -= bytes.length;
      b.bb.bytes().set(bytes, b.space);
      return b.endVector();
    }
    if (SCALAR[elem]) {
      const { size, push } = SCALAR[elem];
      b.startVector(size, v.length, align ?? size);
      for (let i = v.length - 1; i >= 0; i--) b[push](v[i]);
      return b.endVector();
    }
    const offs = v.map((e) => (elem === 'string' ? b.createString(e) : writeTable(schema, b, e, elem)));
    b.startVector(4, offs.length, 4);
    for (let i = offs.length - 1; i >= 0; i--) b.addOffset(offs[i]);
    return b.endVector();
  }
  return writeTable(schema, b, v, type);
}

export function readModel(bytes) {
  const bb = new ByteBuffer(new Uint8Array(bytes));
  if (!bb.__has_identifier('TFL3')) throw new Error('not a TFLite model (no TFL3 identifier)');
  return readTable(TFLITE, bb, bb.readInt32(0), 'Model');
}

export function writeModel(model) {
  const b = new Builder(4 << 20);
  b.forceDefaults(true);
  const root = writeTable(TFLITE, b, model, 'Model');
  b.finish(root, 'TFL3');
  return b.asUint8Array().slice();
}

function writeMetadata(meta) {
  const b = new Builder(1024);
  b.forceDefaults(true);
  const root = writeTable(META, b, meta, 'ModelMetadata');
  b.finish(root, 'M001');
  return b.asUint8Array().slice();
}

export function readMetadata(bytes) {
  const bb = new ByteBuffer(new Uint8Array(bytes));
  if (!bb.__has_identifier('M001')) throw new Error('not TFLite metadata (no M001 identifier)');
  return readTable(META, bb, bb.readInt32(0), 'ModelMetadata');
}

// ---------------------------------------------------------------------------------------------------------------
// Model editing helpers.

const TensorType = { FLOAT32: 0, INT32: 2 };
const Op = { CONCATENATION: 2, RESHAPE: 22, GATHER: 36, MEAN: 40 };

function opcodeIndex(model, builtin) {
  const codes = model.operator_codes;
  let i = codes.findIndex(
    (c) => (c.builtin_code ?? c.deprecated_builtin_code ?? 0) === builtin && c.custom_code === undefined,
  );
  if (i < 0) {
    i = codes.length;
    codes.push({ deprecated_builtin_code: builtin, version: 1, builtin_code: builtin });
  }
  return i;
}

function addBuffer(model, data) {
  model.buffers.push(data ? { data } : {});
  return model.buffers.length - 1;
}

function int32Bytes(values) {
  return new Uint8Array(Int32Array.from(values).buffer);
}

class GraphEditor {
  constructor(model) {
    this.model = model;
    this.sg = model.subgraphs[0];
    this.emptyBuffer = 0; // buffers[0] is the empty sentinel by convention
    if (model.buffers[0].data && model.buffers[0].data.length) throw new Error('buffer 0 is not empty');
  }
  tensor(name, shape, type = TensorType.FLOAT32, buffer = this.emptyBuffer) {
    this.sg.tensors.push({ shape, type, buffer, name });
    return this.sg.tensors.length - 1;
  }
  constInt32(name, values, shape = [values.length]) {
    return this.tensor(name, shape, TensorType.INT32, addBuffer(this.model, int32Bytes(values)));
  }
  op(builtin, inputs, outputs, optionsName, options) {
    const o = { opcode_index: opcodeIndex(this.model, builtin), inputs, outputs };
    if (optionsName) {
      o.builtin_options_type = OPTIONS_INDEX[optionsName];
      o.builtin_options = options;
    }
    this.sg.operators.push(o);
  }
  reshape(name, input, shape) {
    const out = this.tensor(name, shape);
    const s = this.constInt32(`${name}/shape`, shape);
    this.op(Op.RESHAPE, [input, s], [out], 'ReshapeOptions', { new_shape: shape });
    return out;
  }
  gather(name, input, indices, axis, outShape) {
    const out = this.tensor(name, outShape);
    const idx = this.constInt32(`${name}/indices`, indices);
    this.op(Op.GATHER, [input, idx], [out], 'GatherOptions', { axis, batch_dims: 0 });
    return out;
  }
  concat(name, inputs, axis, outShape) {
    const out = this.tensor(name, outShape);
    this.op(Op.CONCATENATION, inputs, [out], 'ConcatenationOptions', { axis, fused_activation_function: 0 });
    return out;
  }
  mean(name, input, axes, outShape) {
    const out = this.tensor(name, outShape);
    const ax = this.constInt32(`${name}/axes`, axes);
    this.op(Op.MEAN, [input, ax], [out], 'ReducerOptions', { keep_dims: true });
    return out;
  }
}

const numel = (shape) => shape.reduce((a, b) => a * b, 1);

/**
 * Appends the refinement ops to face_landmark_with_attention.tflite and makes the outputs [landmarks_1434, flag].
 * Model outputs, in order (legacy face_landmark_cpu.pbtxt splits them as ranges [0,6) landmarks and [6,7) flag,
 * and tensors_to_face_landmarks_with_attention.pbtxt reads the six as mesh, lips, left eye, right eye, left iris,
 * right iris): 1404, 160, 142, 142, 10, 10, 1.
 */
function refineAttentionModel(model) {
  if (model.subgraphs.length !== 1) throw new Error('expected one subgraph');
  const g = new GraphEditor(model);
  const sg = g.sg;
  const outs = sg.outputs;
  const sizes = outs.map((t) => numel(sg.tensors[t].shape));
  const expected = [1404, 160, 142, 142, 10, 10, 1];
  if (JSON.stringify(sizes) !== JSON.stringify(expected)) {
    throw new Error(`unexpected attention model outputs ${JSON.stringify(sizes)}`);
  }
  for (const t of outs) {
    if ((sg.tensors[t].type ?? 0) !== TensorType.FLOAT32) throw new Error('expected float32 outputs');
  }
  const [meshT, lipsT, leyeT, reyeT, lirisT, ririsT, flagT] = outs;
  const P = 'unmask_refine';
  const mesh = g.reshape(`${P}/mesh`, meshT, [NUM_MESH, 3]);
  const lips = g.reshape(`${P}/lips`, lipsT, [LIPS.length, 2]);
  const leye = g.reshape(`${P}/left_eye`, leyeT, [LEFT_EYE.length, 2]);
  const reye = g.reshape(`${P}/right_eye`, reyeT, [RIGHT_EYE.length, 2]);
  const liris = g.reshape(`${P}/left_iris`, lirisT, [NUM_IRIS, 2]);
  const riris = g.reshape(`${P}/right_iris`, ririsT, [NUM_IRIS, 2]);

  // x,y: gather each of the 478 output points from the concatenation of all x,y sources; the last refinement that
  // writes a point wins (mesh, then lips, left eye, right eye, irises), as in LandmarksRefinementCalculator.
  const meshXY = g.gather(`${P}/mesh_xy`, mesh, [0, 1], 1, [NUM_MESH, 2]);
  const sources = [
    [meshXY, Array.from({ length: NUM_MESH }, (_, i) => i)],
    [lips, LIPS],
    [leye, LEFT_EYE],
    [reye, RIGHT_EYE],
    [liris, Array.from({ length: NUM_IRIS }, (_, i) => NUM_MESH + i)],
    [riris, Array.from({ length: NUM_IRIS }, (_, i) => NUM_MESH + NUM_IRIS + i)],
  ];
  const pick = new Array(NUM_OUT).fill(-1);
  let row = 0;
  for (const [, map] of sources) {
    for (const target of map) pick[target] = row++;
  }
  if (pick.some((r) => r < 0)) throw new Error('refinement leaves a point unset');
  const allXY = g.concat(
    `${P}/all_xy`,
    sources.map(([t]) => t),
    0,
    [row, 2],
  );
  const xy = g.gather(`${P}/xy`, allXY, pick, 0, [NUM_OUT, 2]);

  // z: mesh z for 0..467 (lips and eyes keep the mesh z), each iris gets the mean z of its eye contour.
  const meshZ = g.gather(`${P}/mesh_z`, mesh, [2], 1, [NUM_MESH, 1]);
  const irisZ = (side, from) => {
    const contour = g.gather(`${P}/${side}_contour_z`, meshZ, from, 0, [from.length, 1]);
    const m = g.mean(`${P}/${side}_iris_mean_z`, contour, [0], [1, 1]);
    return g.gather(`${P}/${side}_iris_z`, m, new Array(NUM_IRIS).fill(0), 0, [NUM_IRIS, 1]);
  };
  const lz = irisZ('left', LEFT_IRIS_Z_FROM);
  const rz = irisZ('right', RIGHT_IRIS_Z_FROM);
  const z = g.concat(`${P}/z`, [meshZ, lz, rz], 0, [NUM_OUT, 1]);
  const xyz = g.concat(`${P}/xyz`, [xy, z], 1, [NUM_OUT, 3]);
  // Same rank/layout as the original mesh output (e.g. 1x1x1x1404), with 1434 values.
  const meshShape = sg.tensors[meshT].shape;
  const outShape = [...meshShape.slice(0, -1), NUM_OUT * 3];
  const landmarks = g.reshape(`${P}/landmarks_1434`, xyz, outShape);
  sg.outputs = [landmarks, flagT];
  return model;
}

/** Adds (or replaces) the TFLITE_METADATA buffer declaring the input normalisation. */
export function addMetadata(model, { name, description, mean, std, outputNames }) {
  const sg = model.subgraphs[0];
  if (sg.inputs.length !== 1) throw new Error('expected one input');
  const input = sg.tensors[sg.inputs[0]];
  if ((input.type ?? 0) !== TensorType.FLOAT32) throw new Error('expected a float32 input');
  const lo = (0 - mean) / std;
  const hi = (255 - mean) / std;
  const meta = {
    name,
    description,
    version: '1',
    subgraph_metadata: [
      {
        input_tensor_metadata: [
          {
            name: 'image',
            description: 'RGB image',
            content: { content_properties_type: 2, content_properties: { color_space: 1 } },
            process_units: [{ options_type: 1, options: { mean: [mean], std: [std] } }],
            stats: { max: [hi], min: [lo] },
          },
        ],
        output_tensor_metadata: outputNames.map((n) => ({ name: n })),
      },
    ],
    author: 'MediaPipe (Apache-2.0); metadata added by Unmask scripts/build-face-model.mjs',
    license: 'Apache License. Version 2.0 http://www.apache.org/licenses/LICENSE-2.0.',
    min_parser_version: '1.0.0',
  };
  const bytes = writeMetadata(meta);
  model.metadata = (model.metadata ?? []).filter((m) => m.name !== 'TFLITE_METADATA');
  model.metadata.push({ name: 'TFLITE_METADATA', buffer: addBuffer(model, bytes) });
  return model;
}

// ---------------------------------------------------------------------------------------------------------------
// Sources.

function packedAssets() {
  const loader = readFileSync(join(FACE_MESH, 'face_mesh_solution_packed_assets_loader.js'), 'utf8');
  const m = loader.match(/loadPackage\((\{"files":.*?\})\);/s);
  if (!m) throw new Error('cannot find loadPackage({...}) in face_mesh_solution_packed_assets_loader.js');
  const { files } = JSON.parse(m[1]);
  const data = readFileSync(join(FACE_MESH, 'face_mesh_solution_packed_assets.data'));
  const get = (base) => {
    const f = files.find((x) => x.filename.endsWith(`/${base}`));
    if (!f) throw new Error(`${base} not listed in the face_mesh packed assets`);
    if (f.end > data.length || f.start >= f.end) throw new Error(`bad range for ${base}`);
    return new Uint8Array(data.subarray(f.start, f.end));
  };
  return { get };
}

// ---------------------------------------------------------------------------------------------------------------
// Stored zip, deterministic: fixed DOS date 1980-01-01 00:00, no extra attributes, entry data aligned to 64 bytes
// (the Tasks runtime reads the models in place).

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function storedZip(entries, align = 64) {
  const DOS_TIME = 0;
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  const parts = [];
  const central = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const headerLen = 30 + nameBytes.length;
    let pad = (align - ((offset + headerLen) % align)) % align;
    if (pad > 0 && pad < 4) pad += align; // an extra field needs at least 4 bytes (id + size)
    const extra = Buffer.alloc(pad);
    if (pad) {
      extra.writeUInt16LE(0xd935, 0); // Android zipalign's alignment extra field id
      extra.writeUInt16LE(pad - 4, 2);
      if (pad >= 6) extra.writeUInt16LE(align, 4);
    }
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(10, 4); // version needed
    h.writeUInt16LE(0, 6); // flags
    h.writeUInt16LE(0, 8); // method: stored
    h.writeUInt16LE(DOS_TIME, 10);
    h.writeUInt16LE(DOS_DATE, 12);
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(data.length, 18);
    h.writeUInt32LE(data.length, 22);
    h.writeUInt16LE(nameBytes.length, 26);
    h.writeUInt16LE(extra.length, 28);
    parts.push(h, nameBytes, extra, data);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4); // version made by (MS-DOS, 2.0)
    c.writeUInt16LE(10, 6);
    c.writeUInt16LE(0, 8);
    c.writeUInt16LE(0, 10);
    c.writeUInt16LE(DOS_TIME, 12);
    c.writeUInt16LE(DOS_DATE, 14);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(data.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(nameBytes.length, 28);
    c.writeUInt16LE(0, 30); // extra length
    c.writeUInt16LE(0, 32); // comment length
    c.writeUInt16LE(0, 34); // disk
    c.writeUInt16LE(0, 36); // internal attributes
    c.writeUInt32LE(0, 38); // external attributes
    c.writeUInt32LE(offset, 42);
    central.push(c, nameBytes);
    offset += headerLen + extra.length + data.length;
  }
  const cdSize = central.reduce((a, b) => a + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}

// ---------------------------------------------------------------------------------------------------------------

export function buildFaceLandmarkerTask() {
  const assets = packedAssets();
  const detector = addMetadata(readModel(readFileSync(join(FACE_DETECTION, 'face_detection_short_range.tflite'))), {
    name: 'face_detector',
    description: 'BlazeFace short-range face detector (128x128), from @mediapipe/face_detection.',
    mean: 127.5,
    std: 127.5,
    outputNames: ['regressors', 'classificators'],
  });
  const landmarks = addMetadata(refineAttentionModel(readModel(assets.get('face_landmark_with_attention.tflite'))), {
    name: 'face_landmarks_detector',
    description:
      'MediaPipe face mesh with attention (192x192), from @mediapipe/face_mesh; outputs 478 refined landmarks.',
    mean: 0,
    std: 255,
    outputNames: ['landmarks', 'face_flag'],
  });
  const geometry = assets.get('geometry_pipeline_metadata_landmarks.binarypb');
  return storedZip([
    { name: 'face_detector.tflite', data: writeModel(detector) },
    { name: 'face_landmarks_detector.tflite', data: writeModel(landmarks) },
    { name: 'geometry_pipeline_metadata_landmarks.binarypb', data: geometry },
  ]);
}

function main() {
  const out = resolve(process.argv[2] ?? DEFAULT_OUT);
  const task = buildFaceLandmarkerTask();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, task);
  for (const f of WASM_FILES) copyFileSync(join(TASKS_WASM, f), join(dirname(out), f));
  const sha = createHash('sha256').update(task).digest('hex');
  console.log(`${sha}  ${out} (${task.length} bytes)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
