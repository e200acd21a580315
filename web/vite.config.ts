import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` proxies the API to a running `trading up` (Envoy on its default port, 8080).
const gateway = "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    target: "es2022",
    sourcemap: false,
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
