package io.keyward.app.identity;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * {@code keyward.identity.*}.
 *
 * @param mode          {@code local}: Keyward issues and validates its own tokens (token endpoint, JWKS, signing key
 *                      in the HSM); {@code entra}: it validates Entra ID's tokens and issues none
 * @param authority     base URL of the token authority: issuers are {@code <authority>/<tid>/v2.0} and challenges
 *                      point at {@code <authority>/<tenant>}; the local host sets it to its own base URL
 * @param defaultTenant tenant of the operator and of challenges that have no vault to name one
 * @param tokenLifetime lifetime of issued access tokens (Entra's are 60-90 minutes)
 * @param clockSkew     tolerance on exp and nbf between instances' clocks
 * @param signingKeyName HSM key name (CKA_LABEL) of the token signing keys
 * @param operatorFile  where the host writes the operator's credentials; no file and no operator when unset
 * @param entraIssuer   entra mode: issuer templates, comma-separated, {@code {tenantid}} replaced by the token's tid;
 *                      by default Entra's v1.0 issuer (ARM and Key Vault tokens are v1.0 tokens) and its v2.0 one
 * @param entraJwksUri  entra mode: Entra's JWK set (fetched and cached by Nimbus)
 * @param managementHosts host names (a port is ignored) that serve ARM, identity and the Log Analytics data plane;
 *                      the authority's host and, on Azure, the Function App's {@code WEBSITE_HOSTNAME} are added.
 *                      Vault host names serve only Key Vault; any other name is answered 404 (see {@link Surfaces})
 * @param principalCacheTtl how long an instance trusts its lookup of a token's principal: a principal deleted or
 *                      disabled on another instance is refused here at most this much later
 */
@ConfigurationProperties("keyward.identity")
public record IdentityProperties(
        @Bindable(defaultValue = "local") String mode,
        @Bindable(defaultValue = "https://127.0.0.1:7443") String authority,
        @Bindable(defaultValue = "00000000-0000-0000-0000-00000000a11c") String defaultTenant,
        @Bindable(defaultValue = "1h") Duration tokenLifetime,
        @Bindable(defaultValue = "60s") Duration clockSkew,
        @Bindable(defaultValue = "keyward/token-issuer") String signingKeyName,
        @Nullable Path operatorFile,
        @Bindable(defaultValue = "https://sts.windows.net/{tenantid}/,https://login.microsoftonline.com/{tenantid}/v2.0") String entraIssuer,
        @Bindable(defaultValue = "https://login.microsoftonline.com/common/discovery/v2.0/keys") String entraJwksUri,
        @Bindable(defaultValue = "127.0.0.1,localhost,[::1]") List<String> managementHosts,
        @Bindable(defaultValue = "10s") Duration principalCacheTtl) {

    public boolean entra() {
        return "entra".equalsIgnoreCase(mode);
    }

    /** The issuer Keyward puts in its own tokens of {@code tenantId}. */
    public String issuer(String tenantId) {
        return trimmedAuthority() + "/" + tenantId + "/v2.0";
    }

    /** The issuers a token of {@code tenantId} may carry in this mode. */
    public List<String> acceptedIssuers(String tenantId) {
        if (!entra()) {
            return List.of(issuer(tenantId));
        }
        return Arrays.stream(entraIssuer.split(",")).map(String::trim).filter(t -> !t.isEmpty())
                .map(t -> t.replace("{tenantid}", tenantId)).toList();
    }

    public String trimmedAuthority() {
        return authority.endsWith("/") ? authority.substring(0, authority.length() - 1) : authority;
    }
}
