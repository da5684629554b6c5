// Who the dashboard talks to the orchestrator as: the bearer token (kept in sessionStorage, or in
// localStorage when "remember on this browser" was ticked), what its role may do, and where a
// 401 sends the user. The token never goes into a URL, a log line or the console; only the
// Authorization header of same-origin calls carries it.

export const TOKEN_KEY = "orchion.token";

/** The part of the Web Storage API the store uses (a test passes a Map-backed fake). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The token of this tab: sessionStorage first (gone with the tab), then localStorage (remembered). */
export class TokenStore {
  constructor(
    private readonly session: () => StorageLike | null,
    private readonly local: () => StorageLike | null,
  ) {}

  get(): string | null {
    return read(this.session(), TOKEN_KEY) ?? read(this.local(), TOKEN_KEY);
  }

  /** True when the token comes from localStorage, i.e. survives closing the browser. */
  get remembered(): boolean {
    return read(this.session(), TOKEN_KEY) === null && read(this.local(), TOKEN_KEY) !== null;
  }

  /** Keeps the token in exactly one place: localStorage when remembered, sessionStorage otherwise. */
  set(token: string, remember: boolean): void {
    const [keep, drop] = remember ? [this.local(), this.session()] : [this.session(), this.local()];
    remove(drop, TOKEN_KEY);
    if (!keep) throw new Error(`this browser does not let the page keep the token (${remember ? "localStorage" : "sessionStorage"} unavailable)`);
    keep.setItem(TOKEN_KEY, token);
    unauthorizedPending = false;
  }

  clear(): void {
    remove(this.session(), TOKEN_KEY);
    remove(this.local(), TOKEN_KEY);
  }
}

function read(s: StorageLike | null, key: string): string | null {
  try {
    const v = s?.getItem(key);
    return v ? v : null;
  } catch {
    return null;
  }
}

function remove(s: StorageLike | null, key: string) {
  try {
    s?.removeItem(key);
  } catch {
    // storage switched off: nothing kept there
  }
}

/** The browser's storage; null where it is missing or access throws (some private modes). */
function storage(name: "sessionStorage" | "localStorage"): StorageLike | null {
  try {
    return (globalThis as Record<string, unknown>)[name] as StorageLike | undefined ?? null;
  } catch {
    return null;
  }
}

export const tokens = new TokenStore(
  () => storage("sessionStorage"),
  () => storage("localStorage"),
);

// ---- roles

/** GET /api/auth/whoami */
export interface Identity {
  name: string;
  role: string;
  tokenId?: string;
}

export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** What the dashboard offers that a role may lack, and the least role that may do it. */
export const NEEDED = {
  submit: "operator",
  cancel: "operator",
  drain: "operator",
  strategy: "operator",
  audit: "admin",
} as const satisfies Record<string, Role>;
export type Action = keyof typeof NEEDED;

const rank = (role: string) => (ROLES as readonly string[]).indexOf(role);

/**
 * May this role do it? A role the dashboard does not know (a newer orchestrator) is let through:
 * the orchestrator decides, and a 403 shows its reason.
 */
export function allowed(role: string, action: Action): boolean {
  const r = rank(role);
  return r < 0 || r >= rank(NEEDED[action]);
}

/** The tooltip of a control the role may not use, or null when it may. */
export function why(role: string, action: Action): string | null {
  return allowed(role, action) ? null : `Needs role ${NEEDED[action]}; this token has role ${role}.`;
}

// ---- 401: back to the sign-in page

export const SIGNIN = "/signin";

let unauthorizedHandler: (() => void) | null = null;
let unauthorizedPending = false;

/** The layout registers what a 401 does (go to the sign-in page); returns the unregister. */
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedHandler = fn;
  return () => {
    if (unauthorizedHandler === fn) unauthorizedHandler = null;
  };
}

/**
 * The stored token was refused (unknown, expired or revoked): forget it and send the user to sign
 * in, once for a burst of 401s (a reload makes several calls at once) until a token is set again.
 */
export function unauthorized(): void {
  tokens.clear();
  if (unauthorizedPending) return;
  unauthorizedPending = true;
  unauthorizedHandler?.();
}

/** Where a return after sign-in may go: a path of this app, never another origin or the sign-in page. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  if (next === SIGNIN || next.startsWith(SIGNIN + "?") || next.startsWith(SIGNIN + "/")) return "/";
  return next;
}

/** The sign-in page, remembering where the user was (on the sign-in page already: its own next). */
export function signInHref(from: { pathname: string; search: string; hash: string; searchParams: URLSearchParams }): string {
  const here = from.pathname === SIGNIN ? safeNext(from.searchParams.get("next")) : safeNext(from.pathname + from.search + from.hash);
  return here === "/" ? SIGNIN : `${SIGNIN}?next=${encodeURIComponent(here)}`;
}
