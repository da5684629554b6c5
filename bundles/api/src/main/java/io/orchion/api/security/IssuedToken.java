package io.orchion.api.security;

/**
 * A token just created: {@code token} is the whole secret string, shown to the user once and
 * not kept anywhere.
 */
public record IssuedToken(TokenInfo info, String token) {
    @Override
    public String toString() {
        return "IssuedToken[" + info + ", token=<hidden>]";
    }
}
