import { defineConfig } from 'vite';
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import type { Plugin } from 'vite';
import baseManifest from './manifest.json' with { type: 'json' };

/**
 * The one web-accessible resource, the engine page that the content script frames, is served only at the extension's
 * per-session dynamic URL (`use_dynamic_url`), which `chrome.runtime.getURL` gives the extension's own scripts: a page
 * cannot fetch or frame it at a fixed, guessable `chrome-extension://<id>/` URL, and so cannot tell from it that
 * Unmask is installed. crxjs writes its entries with `use_dynamic_url: false`, so this runs after it.
 */
function dynamicWebAccessibleResources(): Plugin & { renderCrxManifest(manifest: ManifestV3Export): ManifestV3Export } {
  return {
    name: 'unmask-dynamic-web-accessible-resources',
    enforce: 'post',
    // crxjs calls this hook of every plugin once it has written the manifest, its own entries included.
    renderCrxManifest(manifest) {
      const m = manifest as { web_accessible_resources?: { resources: string[]; use_dynamic_url?: boolean }[]; content_scripts?: { js?: string[] }[] };
      // crxjs also lists the content script itself, for its `?script` import; a content script injected by the manifest,
      // `scripting.executeScript` or `registerContentScripts` needs no web access, so it is taken out.
      const contentScripts = new Set((m.content_scripts ?? []).flatMap((c) => c.js ?? []));
      m.web_accessible_resources = (m.web_accessible_resources ?? [])
        .map((entry) => ({ ...entry, resources: entry.resources.filter((r) => !contentScripts.has(r)), use_dynamic_url: true }))
        .filter((entry) => entry.resources.length > 0);
      return manifest;
    },
  };
}

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
    // The content script is one self-contained classic script (no ES-module loader importing chunks from the
    // extension), so that none of its code has to be web-accessible, and none can be loaded by a page.
    plugins: [crx({ manifest, contentScripts: { standaloneFiles: ['src/content/main.ts'] } }), dynamicWebAccessibleResources()],
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
