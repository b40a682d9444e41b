package io.keyward.app.identity;

import java.time.Duration;
import java.util.Optional;

/** Principals, client registrations and token issuance: what other capabilities (and tests) call. */
public interface IdentityService {

    Principal createPrincipal(String tenantId, PrincipalType type, String displayName);

    /** The stored principal, enabled or not. */
    Optional<Principal> findPrincipal(String tenantId, String objectId);

    /**
     * The principal when it exists and is enabled: what bearer authentication accepts, and what Keyward's own vaults
     * accept as a caller (cached for {@code keyward.identity.principal-cache-ttl}).
     */
    Optional<Principal> activePrincipal(String tenantId, String objectId);

    /**
     * Deletes a principal (a resource's managed identity when the resource goes, a client with its registration).
     * Tokens issued to it are refused from their next use on: at once by this instance, within
     * {@code keyward.identity.principal-cache-ttl} by others. False when there was no such principal.
     */
    boolean deletePrincipal(String tenantId, String objectId);

    /** Enables or disables a principal (Entra's accountEnabled); a disabled one's tokens are refused as a deleted one's. */
    boolean setPrincipalEnabled(String tenantId, String objectId, boolean enabled);

    /** A new service principal with a client id and a fresh random secret (returned only here). */
    ClientCredentials registerClient(String tenantId, String displayName);

    /** Whether {@code p} is a Keyward operator (the host's operator client, enabled). */
    boolean isOperator(Principal p);

    /** An RS256 JWT for {@code principal}, signed inside the HSM, with iss, aud, tid, oid, iat, nbf and exp. */
    String issueToken(Principal principal, String audience, Duration lifetime);
}
