import react from "@vitejs/plugin-react";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";

// A .gz beside each asset: the edge (aiohttp's FileResponse) sends it to browsers that accept gzip.
function precompress(): Plugin {
  return {
    name: "precompress",
    apply: "build",
    closeBundle() {
      const dir = join(__dirname, "dist", "assets");
      for (const name of readdirSync(dir)) {
        if (/\.(js|css)$/.test(name)) writeFileSync(join(dir, `${name}.gz`), gzipSync(readFileSync(join(dir, name)), { level: 9 }));
      }
    },
  };
}

// `npm run dev` proxies the API to a running `trading up` (Envoy on its default port, 8080).
const gateway = "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react(), precompress()],
  build: {
    target: "es2022",
    sourcemap: false,
    manifest: true, // bench/bench_web.py reads which chunks each page loads
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      "^/trading\\.[a-z]+\\.v1\\.": gateway,
      "/ws": { target: gateway, ws: true },
      "/health": gateway,
    },
  },
});
