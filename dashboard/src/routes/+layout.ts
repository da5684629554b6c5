// A client-only app: the orchestrator serves index.html for every route and the page loads its
// data from the REST API.
export const ssr = false;
export const prerender = false;
export const trailingSlash = "never";
