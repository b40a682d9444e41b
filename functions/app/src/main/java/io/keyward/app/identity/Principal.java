package io.keyward.app.identity;

/**
 * A caller, as Entra names it: the tenant ({@code tid}) and object id ({@code oid}) from its token. Controllers
 * receive the validated caller as a method parameter of this type.
 */
public record Principal(String tenantId, String objectId, PrincipalType type, String displayName) {
}
