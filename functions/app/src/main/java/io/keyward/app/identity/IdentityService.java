package io.keyward.app.identity;

import java.time.Duration;
import java.util.Optional;

/** Principals, client registrations and token issuance: what other capabilities (and tests) call. */
public interface IdentityService {

    Principal createPrincipal(String tenantId, PrincipalType type, String displayName);

    Optional<Principal> findPrincipal(String tenantId, String objectId);

    /** A new service principal with a client id and a fresh random secret (returned only here). */
    ClientCredentials registerClient(String tenantId, String displayName);

    /** An RS256 JWT for {@code principal}, signed inside the HSM, with iss, aud, tid, oid, iat, nbf and exp. */
    String issueToken(Principal principal, String audience, Duration lifetime);
}
