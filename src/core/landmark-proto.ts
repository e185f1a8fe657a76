/**
 * MediaPipe's face landmarker hands its results to JavaScript as protobuf bytes, and its own wrapper turns each face
 * into 478 `{x, y, z, visibility}` objects through a generic protobuf runtime, and each face's geometry (a 468-vertex
 * mesh and its index buffer, of which we use only the 4x4 pose matrix) into arrays. At 4 participants that was most of
 * the engine worker's 5.8 MB/s of garbage, and V8 answers a steady allocation rate like that by growing the worker's
 * young generation to its maximum: +42 MB of the extension renderer in 10 minutes (docs/benchmarks.md, issue 12).
 *
 * These readers take the same bytes straight into typed arrays: one Float32Array per face, nothing per landmark.
 * Wire format: https://protobuf.dev/programming-guides/encoding/ ; the messages (MediaPipe's
 * framework/formats/landmark.proto, matrix_data.proto and tasks/.../face_geometry.proto):
 *   NormalizedLandmarkList { repeated NormalizedLandmark landmark = 1; }
 *   NormalizedLandmark { float x = 1; float y = 2; float z = 3; float visibility = 4; float presence = 5; }
 *   FaceGeometry { Mesh3d mesh = 1; MatrixData pose_transform_matrix = 2; }
 *   MatrixData { int32 rows = 1; int32 cols = 2; repeated float packed_data = 3 [packed]; Layout layout = 4; }
 * A field that is absent reads as 0, as MediaPipe's own wrapper reads it; unknown fields are skipped.
 */

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

/** Thrown for bytes that are not the message they should be (cut short, or a wire type that cannot be). */
export class ProtoFormatError extends Error {}

class Reader {
  pos = 0;
  /** Where reading stops: the message's end, or the end of the nested payload being read. */
  end: number;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.end = bytes.length;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new ProtoFormatError('protobuf varint cut short');
      const b = this.bytes[this.pos++]!;
      // Beyond 2^53 precision is lost, which no field read here can reach (tags, lengths, small ints).
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new ProtoFormatError('protobuf varint longer than 10 bytes');
    }
  }

  float(): number {
    if (this.pos + 4 > this.end) throw new ProtoFormatError('protobuf float cut short');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === FIXED64) this.advance(8);
    else if (wireType === LEN) this.pos = this.enter();
    else if (wireType === FIXED32) this.advance(4);
    else throw new ProtoFormatError(`protobuf wire type ${wireType} not expected here`);
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new ProtoFormatError('protobuf field cut short');
    this.pos += n;
  }

  /**
   * Steps into the length-delimited payload at the reader's position and returns where it ends; the caller bounds
   * the reader to it (`end`) while reading it, then restores the outer bound.
   */
  enter(): number {
    const length = this.varint();
    if (this.pos + length > this.end) throw new ProtoFormatError('protobuf length-delimited field cut short');
    return this.pos + length;
  }
}

/**
 * One face's landmarks (a NormalizedLandmarkList's bytes) as x, y, z triples in a Float32Array of 3 x count, in the
 * order MediaPipe gives them (normalised to the image; z in the same scale as x).
 */
export function readNormalizedLandmarks(bytes: Uint8Array): Float32Array {
  // Two passes over the bytes, so that nothing is allocated but the result: count, then read.
  const r = new Reader(bytes);
  let count = 0;
  while (!r.done) {
    const tag = r.varint();
    if (tag === ((1 << 3) | LEN)) count++;
    r.skip(tag & 7);
  }
  const out = new Float32Array(count * 3);
  r.pos = 0;
  for (let i = 0; !r.done; ) {
    const tag = r.varint();
    if (tag !== ((1 << 3) | LEN)) {
      r.skip(tag & 7);
      continue;
    }
    const landmarkEnd = r.enter();
    const listEnd = r.end;
    r.end = landmarkEnd;
    while (!r.done) {
      const inner = r.varint();
      const field = inner >>> 3;
      if ((inner & 7) === FIXED32 && field >= 1 && field <= 3) out[i * 3 + field - 1] = r.float();
      else r.skip(inner & 7);
    }
    r.end = listEnd;
    i++;
  }
  return out;
}

/** A face's pose transform (FaceGeometry's pose_transform_matrix), as MediaPipe's wrapper gives it. */
export interface PoseMatrix {
  rows: number;
  columns: number;
  data: Float32Array;
}

/** The pose matrix of one FaceGeometry's bytes (its mesh is skipped unread), or null when it has none. */
export function readFaceGeometryPose(bytes: Uint8Array): PoseMatrix | null {
  const r = new Reader(bytes);
  let pose: PoseMatrix | null = null;
  while (!r.done) {
    const tag = r.varint();
    if (tag !== ((2 << 3) | LEN)) {
      r.skip(tag & 7);
      continue;
    }
    // The matrix (a repeated one would replace it, as protobuf's last-one-wins rule has it).
    const matrixEnd = r.enter();
    const geometryEnd = r.end;
    r.end = matrixEnd;
    let rows = 0;
    let columns = 0;
    const data: number[] = [];
    while (!r.done) {
      const inner = r.varint();
      const field = inner >>> 3;
      const wire = inner & 7;
      if (field === 1 && wire === VARINT) rows = r.varint();
      else if (field === 2 && wire === VARINT) columns = r.varint();
      else if (field === 3 && wire === LEN) {
        const packedEnd = r.enter();
        const matrixBound = r.end;
        r.end = packedEnd;
        while (!r.done) data.push(r.float());
        r.end = matrixBound;
      } else if (field === 3 && wire === FIXED32) data.push(r.float());
      else r.skip(wire);
    }
    r.end = geometryEnd;
    pose = { rows, columns, data: Float32Array.from(data) };
  }
  return pose;
}
