/**
 * Which TensorFlow.js backend runs the face-swap detector: the fastest the machine really has, in the order
 * WebGPU -> WebGL -> wasm. WebGL counts only on a hardware GPU: on a machine without one, Chromium offers WebGL through
 * SwiftShader (software rendering), which is slower than the wasm backend with SIMD.
 */
export interface BackendCapabilities {
  webgpu: boolean;
  /** The WebGL renderer string (WEBGL_debug_renderer_info), or null without WebGL. */
  webglRenderer: string | null;
}

export type DetectorBackend = 'webgpu' | 'webgl' | 'wasm';

export function isSoftwareRenderer(renderer: string): boolean {
  return /swiftshader|llvmpipe|software|softpipe|microsoft basic render/i.test(renderer);
}

export function backendOrder(caps: BackendCapabilities): DetectorBackend[] {
  const order: DetectorBackend[] = [];
  if (caps.webgpu) order.push('webgpu');
  if (caps.webglRenderer !== null && !isSoftwareRenderer(caps.webglRenderer)) order.push('webgl');
  order.push('wasm');
  return order;
}
