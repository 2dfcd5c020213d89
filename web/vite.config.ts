/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Api.csproj builds this into web/dist and the Api serves it at / (same origin: the session cookie and the
// CSRF header need nothing else). `npm run dev` proxies the API to a running stack instead.
const api = process.env.DUCTUS_API_URL ?? "http://localhost:5000";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Heavy libraries (ECharts, CodeMirror, uPlot) load with the pages that use them, so the
    // runs page paints from a small first bundle.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      "/api": { target: api, changeOrigin: true },
      "/auth": { target: api, changeOrigin: true },
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["src/test/setup.ts"],
  },
});
