package io.keyward.app.identity;

/**
 * A registered client (Entra's app registration + service principal) and its secret. The secret exists in clear
 * only in this value, returned once at registration; Keyward stores a hash of it.
 */
public record ClientCredentials(String tenantId, String clientId, String clientSecret, Principal principal) {

    @Override
    public String toString() {
        return "ClientCredentials[tenantId=" + tenantId + ", clientId=" + clientId + ", clientSecret=<redacted>, principal="
                + principal + "]";
    }
}
