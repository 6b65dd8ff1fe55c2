import { defineConfig, type Plugin } from 'vite';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);

// The China province map comes from echarts@4.9.0 (installed under the alias "echarts4"):
// ECharts 5+ no longer ships map files, ECharts 6 still decodes this compressed GeoJSON.
// It is copied into the bundle at build time (and served by the dev server) so the app
// never fetches a map from the network.
const echarts4Dir = resolve(require.resolve('echarts4/package.json'), '..');
const mapFiles: Record<string, string> = {
  'maps/china.json': resolve(echarts4Dir, 'map/json/china.json'),
  'maps/LICENSE-echarts-4.9.0.txt': resolve(echarts4Dir, 'LICENSE'),
  'maps/NOTICE-echarts-4.9.0.txt': resolve(echarts4Dir, 'NOTICE'),
};

function bundledMaps(): Plugin {
  return {
    name: 'chainmap-bundled-maps',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0].replace(/^\//, '');
        const file = mapFiles[path];
        if (!file) return next();
        res.setHeader('Content-Type', path.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8');
        res.end(readFileSync(file));
      });
    },
    generateBundle() {
      for (const [fileName, file] of Object.entries(mapFiles)) {
        this.emitFile({ type: 'asset', fileName, source: readFileSync(file) });
      }
    },
  };
}

// The built pages carry a strict Content-Security-Policy in a meta tag (no inline script
// or style; the server may send its own too). Vite's dev server injects <style> tags for
// hot reload, so the dev server serves the pages without it.
function devWithoutCsp(): Plugin {
  return {
    name: 'chainmap-dev-without-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html.replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*>/s, '');
    },
  };
}

export default defineConfig({
  plugins: [bundledMaps(), devWithoutCsp()],
  server: {
    host: '127.0.0.1',
    proxy: {
      '/graphql': process.env.CHAINMAP_API ?? 'http://127.0.0.1:8080',
      '/healthz': process.env.CHAINMAP_API ?? 'http://127.0.0.1:8080',
    },
  },
  build: {
    outDir: 'dist',
    // dist/.gitkeep is committed so that `go build` works before the front end is built;
    // scripts/clean-dist.mjs removes old assets instead, scripts/postbuild.mjs checks it.
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, 'index.html'),
        graphiql: resolve(import.meta.dirname, 'graphiql.html'),
      },
      onwarn(warning, warn) {
        // framer-motion (a GraphiQL dependency) marks modules "use client" for React
        // Server Components; meaningless in this client-only bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
      output: {
        // Name shared chunks after what they hold, not after whichever module came first.
        chunkFileNames(chunk) {
          const ids = chunk.moduleIds ?? [];
          if (ids.some((id) => id.includes('/node_modules/echarts/lib/core/echarts.js'))) return 'assets/echarts-core-[hash].js';
          if (ids.some((id) => id.includes('/node_modules/exceljs/'))) return 'assets/exceljs-[hash].js';
          if (ids.some((id) => id.includes('/node_modules/docx/'))) return 'assets/docx-lib-[hash].js';
          return 'assets/[name]-[hash].js';
        },
      },
    },
  },
});
