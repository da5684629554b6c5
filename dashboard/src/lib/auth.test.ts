import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { allowed, onUnauthorized, safeNext, signInHref, TOKEN_KEY, tokens, TokenStore, why, type StorageLike } from "./auth";
import { api, ApiError } from "./api";

class MemoryStorage implements StorageLike {
  map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

const TOKEN = "oat1.ab12cd34.s3cret";

describe("token store", () => {
  it("keeps the token for the tab only unless asked to remember it", () => {
    // given a store over session and local storage
    const session = new MemoryStorage();
    const local = new MemoryStorage();
    const store = new TokenStore(() => session, () => local);

    // when a token is set without "remember"
    store.set(TOKEN, false);

    // then it is in sessionStorage only
    expect(store.get()).toBe(TOKEN);
    expect(session.getItem(TOKEN_KEY)).toBe(TOKEN);
    expect(local.getItem(TOKEN_KEY)).toBeNull();
    expect(store.remembered).toBe(false);
  });

  it("remembers a token in localStorage, in one place only, and forgets it on clear", () => {
    const session = new MemoryStorage();
    const local = new MemoryStorage();
    const store = new TokenStore(() => session, () => local);
    store.set("oat1.old.x", false);

    store.set(TOKEN, true);
    expect(session.getItem(TOKEN_KEY)).toBeNull();
    expect(local.getItem(TOKEN_KEY)).toBe(TOKEN);
    expect(store.remembered).toBe(true);
    // a new tab (empty sessionStorage) still finds it
    expect(new TokenStore(() => new MemoryStorage(), () => local).get()).toBe(TOKEN);

    store.clear();
    expect(store.get()).toBeNull();
    expect(local.getItem(TOKEN_KEY)).toBeNull();
  });

  it("treats storage that throws as empty, and says so when it cannot keep a token", () => {
    const broken: StorageLike = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
      removeItem: () => {
        throw new Error("denied");
      },
    };
    const store = new TokenStore(() => broken, () => null);
    expect(store.get()).toBeNull();
    expect(() => store.set(TOKEN, true)).toThrow(/localStorage unavailable/);
  });
});

describe("roles", () => {
  it("lets an operator act and a viewer only read, with the role needed in the tooltip", () => {
    expect(allowed("admin", "submit")).toBe(true);
    expect(allowed("operator", "cancel")).toBe(true);
    expect(allowed("operator", "audit")).toBe(false);
    expect(allowed("viewer", "drain")).toBe(false);
    expect(why("viewer", "strategy")).toBe("Needs role operator; this token has role viewer.");
    expect(why("admin", "strategy")).toBeNull();
  });

  it("leaves a role it does not know to the orchestrator", () => {
    expect(allowed("auditor", "submit")).toBe(true);
  });
});

describe("where sign-in returns to", () => {
  const at = (href: string) => new URL(href, "http://orchion.test");

  it("keeps the path, query and fragment of the page the user was on", () => {
    expect(signInHref(at("/jobs?state=RUNNING#x"))).toBe("/signin?next=%2Fjobs%3Fstate%3DRUNNING%23x");
    expect(signInHref(at("/"))).toBe("/signin");
  });

  it("keeps the first page when a second 401 arrives on the sign-in page", () => {
    expect(signInHref(at("/signin?next=%2Fnodes%2Fn1"))).toBe("/signin?next=%2Fnodes%2Fn1");
  });

  it("never returns to another origin or to the sign-in page", () => {
    expect(safeNext("//evil.example/x")).toBe("/");
    expect(safeNext("/\\evil.example")).toBe("/");
    expect(safeNext("https://evil.example/")).toBe("/");
    expect(safeNext("/signin?next=/x")).toBe("/");
    expect(safeNext(null)).toBe("/");
    expect(safeNext("/jobs/j1")).toBe("/jobs/j1");
  });
});

describe("calls with a token", () => {
  let session: MemoryStorage;
  let redirects: number;
  let off: () => void;

  function answer(status: number, body: unknown, headers: Record<string, string> = {}) {
    return vi.fn(async (_url: string, _init?: RequestInit) =>
      new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/problem+json", ...headers } }),
    );
  }
  const sent = (f: ReturnType<typeof answer>, i = 0) => (f.mock.calls[i][1] as RequestInit).headers as Record<string, string>;

  beforeEach(() => {
    session = new MemoryStorage();
    vi.stubGlobal("sessionStorage", session);
    vi.stubGlobal("localStorage", new MemoryStorage());
    redirects = 0;
    off = onUnauthorized(() => redirects++);
  });
  afterEach(() => {
    off();
    tokens.set("reset-the-once-per-burst-flag", false);
    tokens.clear();
    vi.unstubAllGlobals();
  });

  it("send the stored token as a bearer header, and no header without one", async () => {
    tokens.set(TOKEN, false);
    let f = answer(200, { status: "UP" });
    vi.stubGlobal("fetch", f);
    await api.health();
    expect(sent(f).Authorization).toBe(`Bearer ${TOKEN}`);
    expect(String(f.mock.calls[0][0])).not.toContain(TOKEN);

    tokens.clear();
    f = answer(200, { status: "UP" });
    vi.stubGlobal("fetch", f);
    await api.health();
    expect(sent(f).Authorization).toBeUndefined();
  });

  it("on a 401 forget the token and go to sign in, once for a burst of calls", async () => {
    // given a token the orchestrator no longer accepts
    tokens.set(TOKEN, false);
    vi.stubGlobal("fetch", answer(401, { title: "Unauthorized", status: 401, detail: "token expired" }, { "WWW-Authenticate": "Bearer" }));

    // when a reload makes several calls
    const errors = await Promise.all([api.nodes(), api.health(), api.scheduler()].map((p) => p.catch((e) => e)));

    // then each fails with 401, the token is gone, and the user is sent to sign in once
    expect(errors.map((e) => (e as ApiError).status)).toEqual([401, 401, 401]);
    expect(tokens.get()).toBeNull();
    expect(redirects).toBe(1);

    // and after signing in again, the next 401 sends them again
    tokens.set(TOKEN, false);
    await api.health().catch(() => {});
    expect(redirects).toBe(2);
  });

  it("on a 403 keep the token and show the orchestrator's reason", async () => {
    tokens.set(TOKEN, false);
    vi.stubGlobal("fetch", answer(403, { title: "Forbidden", status: 403, detail: "needs role operator; token 'ci' has role viewer" }));
    const err = (await api.cancel("j1").catch((e) => e)) as ApiError;
    expect(err.status).toBe(403);
    expect(err.message).toBe("Forbidden: needs role operator; token 'ci' has role viewer");
    expect(tokens.get()).toBe(TOKEN);
    expect(redirects).toBe(0);
  });

  it("check a candidate token at sign-in without touching the stored one", async () => {
    tokens.set(TOKEN, false);
    let f = answer(401, { title: "Unauthorized", status: 401, detail: "unknown token" });
    vi.stubGlobal("fetch", f);
    const err = (await api.whoami("oat1.wrong.x").catch((e) => e)) as ApiError;
    expect(err.status).toBe(401);
    expect(sent(f).Authorization).toBe("Bearer oat1.wrong.x");
    expect(tokens.get()).toBe(TOKEN);
    expect(redirects).toBe(0);

    f = vi.fn(async () => new Response(JSON.stringify({ name: "admin", role: "admin", tokenId: "ab12cd34" }), { status: 200 }));
    vi.stubGlobal("fetch", f);
    expect(await api.whoami("oat1.ab12cd34.s3cret")).toEqual({ name: "admin", role: "admin", tokenId: "ab12cd34" });
  });

  it("say how long to wait on a 429", async () => {
    tokens.set(TOKEN, false);
    vi.stubGlobal("fetch", answer(429, { title: "Too Many Requests", status: 429, detail: "slow down" }, { "Retry-After": "7" }));
    const err = (await api.jobs().catch((e) => e)) as ApiError;
    expect(err.retryAfterS).toBe(7);
    expect(err.message).toBe("Too Many Requests: slow down; try again in 7 s");
  });
});
