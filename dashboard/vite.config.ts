import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vitest/config";

declare const process: { env: Record<string, string | undefined> };

// `npm run dev` proxies /api to an orchestrator: ORCHION_URL=http://127.0.0.1:8080 by default.
const orchestrator = process.env.ORCHION_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [sveltekit()],
  server: { proxy: { "/api": { target: orchestrator, changeOrigin: false } } },
  test: { include: ["src/**/*.test.ts", "scripts/**/*.test.ts"], environment: "node" },
});
