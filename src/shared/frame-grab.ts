/**
 * Reads the picture a `<video>` shows now, as an ImageBitmap of a given size, without the native memory that the
 * obvious way costs.
 *
 * Why not `createImageBitmap(video)` or `drawImage(video)`: measured with `npm run soak` in Debian's Chromium 156
 * (software rendering, as on a laptop without a usable GPU), every such read of a WebRTC video maps a new ~1.2 MB
 * shared-memory region (one 640x480 RGBA frame, `/memfd:shared-memory-region` in /proc/PID/smaps) into the page's
 * renderer and keeps it: the call tab grew by 6 MB/s at 5 reads a second and levelled off only ~480 MB later. A forced
 * garbage collection freed none of it, and closing every bitmap, reusing one OffscreenCanvas, `new VideoFrame(video)`
 * and frames from a MediaStreamTrackProcessor all grew the same way: the cost is in converting the media frame to an
 * image. Copying the frame's pixels out with `VideoFrame.copyTo({format: 'RGBA'})` and making the bitmap from those
 * bytes grew nothing (docs/benchmarks.md, "Soak").
 *
 * One grabber per video: it keeps one pixel buffer and reuses it (callers read one frame at a time: the sampler holds
 * at most one frame in flight per participant).
 */
export class FrameGrabber {
  private pixels: Uint8ClampedArray<ArrayBuffer> | null = null;
  /** Set when this browser cannot copy frames out as RGBA (before Chrome 127): then the plain path is used. */
  private copyUnsupported = typeof VideoFrame === 'undefined';

  constructor(private readonly video: HTMLVideoElement) {}

  /** The current frame scaled to `width` x `height`. Rejects if the video has no frame or cannot be read. */
  async grab(width: number, height: number): Promise<ImageBitmap> {
    const full = await this.grabFull();
    if (full instanceof ImageData) return createImageBitmap(full, { resizeWidth: width, resizeHeight: height, resizeQuality: 'low' });
    return full;
  }

  /** The current frame at its own size, as pixels (or, where frames cannot be copied out, as a bitmap). */
  async grabFull(): Promise<ImageData | ImageBitmap> {
    if (this.copyUnsupported) return createImageBitmap(this.video);
    // Throws for a video with no frame yet, or one whose pixels the page may not read (cross-origin).
    const frame = new VideoFrame(this.video);
    try {
      // copyTo writes the visible rectangle at its own size (a frame with non-square pixels is not stretched to its
      // display size here; the engine's face boxes are fractions of the frame, so that does not move them).
      const copyWidth = frame.visibleRect?.width ?? frame.displayWidth;
      const copyHeight = frame.visibleRect?.height ?? frame.displayHeight;
      const bytes = copyWidth * copyHeight * 4;
      if (this.pixels?.length !== bytes) this.pixels = new Uint8ClampedArray(bytes);
      try {
        await frame.copyTo(this.pixels, { format: 'RGBA', colorSpace: 'srgb' });
      } catch (error) {
        if (!(error instanceof TypeError || (error instanceof DOMException && error.name === 'NotSupportedError'))) throw error;
        // RGBA conversion in copyTo came with Chrome 127; older browsers read the video the plain way.
        this.copyUnsupported = true;
        return createImageBitmap(this.video);
      }
      return new ImageData(this.pixels, copyWidth, copyHeight);
    } finally {
      frame.close();
    }
  }
}
