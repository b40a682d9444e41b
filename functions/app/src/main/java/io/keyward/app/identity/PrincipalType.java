package io.keyward.app.identity;

/** Entra's kinds of security principal; Keyward issues tokens for all three the same way. */
public enum PrincipalType {
    USER, SERVICE_PRINCIPAL, MANAGED_IDENTITY
}
