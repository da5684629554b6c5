import adapter from "@sveltejs/adapter-static";
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

/** A single-page app: static files, index.html as the fallback for client routes. */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ pages: "target/site", assets: "target/site", fallback: "index.html", strict: true }),
    outDir: "target/svelte-kit",
  },
};
