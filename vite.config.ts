import { defineConfig } from 'vite';
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import baseManifest from './manifest.json' with { type: 'json' };

/**
 * Two builds from one manifest:
 * - production (`dist/`): content scripts only on the meeting sites named in manifest.json;
 * - e2e (`dist-e2e/`, `vite build --mode e2e`): the same extension, with the local test call page on 127.0.0.1 added
 *   to the content-script matches, because end-to-end tests cannot reach a real meeting site, and plain HTTP to
 *   127.0.0.1 allowed in connect-src for the tests' report endpoint; and `__UNMASK_E2E__` is true, which turns on the
 *   test hooks (the bench probe, the detector run even when unreleased, short outbox timings). Nothing else differs.
 */
export default defineConfig(({ mode }) => {
  const e2e = mode === 'e2e';
  const manifest = structuredClone(baseManifest) as ManifestV3Export & typeof baseManifest;
  if (e2e) {
    const script = manifest.content_scripts[0];
    if (script) script.matches = [...script.matches, 'http://127.0.0.1/*'];
    // The tests' organisation endpoint is a plain-HTTP server on loopback (no certificate to trust in a test).
    manifest.content_security_policy.extension_pages = manifest.content_security_policy.extension_pages.replace(
      "connect-src 'self' https:",
      "connect-src 'self' https: http://127.0.0.1:*",
    );
  }
  return {
    define: { __UNMASK_E2E__: JSON.stringify(e2e) },
    plugins: [crx({ manifest })],
    build: {
      outDir: e2e ? 'dist-e2e' : 'dist',
      emptyOutDir: true,
      target: 'chrome116',
      // The engine pages are not named in the manifest, so crxjs would copy it uncompiled (see notes).
      rollupOptions: {
        input: {
          engine: 'src/engine/engine.html',
          offscreen: 'src/engine/offscreen.html',
          scan: 'src/ui/scan.html',
          report: 'src/ui/report.html',
          reports: 'src/ui/reports.html',
        },
      },
      chunkSizeWarningLimit: 4096,
    },
    worker: { format: 'es' },
  };
});
