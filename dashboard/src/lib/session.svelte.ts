// Who is signed in (GET /api/auth/whoami for the stored token), as runes the header and the
// views read: the name and role in the header, and which actions the role may take.
import { api, ApiError, type Identity } from "./api";
import { allowed, tokens, why, type Action } from "./auth";

class Session {
  /** The stored token's identity; null before the check, when signed out, or where there is no whoami. */
  identity = $state<Identity | null>(null);
  /** The check has answered (or failed); until then actions are held back. */
  checked = $state(false);
  private checking: Promise<void> | null = null;

  /** May the signed-in role do it? False until the check answered; true where the orchestrator has no auth. */
  can(action: Action): boolean {
    if (!this.checked) return false;
    return this.identity ? allowed(this.identity.role, action) : true;
  }

  /** The tooltip of a control the role may not use, or null. */
  why(action: Action): string | null {
    if (!this.checked) return "Checking what this token may do…";
    return this.identity ? why(this.identity.role, action) : null;
  }

  /** Asks the orchestrator who the stored token is (a 401 goes to sign in through the client). */
  refresh(): Promise<void> {
    this.checking ??= (async () => {
      try {
        this.identity = await api.whoami();
        this.checked = true;
      } catch (e) {
        this.identity = null;
        // a 401 is on its way to the sign-in page (the client signed out): not checked, load nothing
        if (!(e instanceof ApiError && e.status === 401)) this.checked = true; // no whoami here, or unreachable
      } finally {
        this.checking = null;
      }
    })();
    return this.checking;
  }

  /** Keeps a token the orchestrator has just accepted. */
  signIn(token: string, remember: boolean, identity: Identity) {
    tokens.set(token, remember);
    this.identity = identity;
    this.checked = true;
  }

  signOut() {
    tokens.clear();
    this.identity = null;
    this.checked = false;
  }
}

export const session = new Session();
