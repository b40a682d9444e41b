package io.keyward.app.vault;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * One access policy entry of a vault: which principal ({@code tenantId}, {@code objectId}) may do what with keys, and
 * the secret, certificate and storage permissions it was given (kept and echoed, granting nothing here: Keyward serves
 * keys only). Identity is the pair, compared case-insensitively as Entra's GUIDs are. Every set is non-null; an
 * entry may hold no permission at all, as Azure's may.
 */
public record AccessPolicy(String tenantId, String objectId, Set<KeyPermission> keys, Set<String> secrets,
                           Set<String> certificates, Set<String> storage) {

    public AccessPolicy {
        keys = keys == null || keys.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(keys));
        secrets = sorted(secrets);
        certificates = sorted(certificates);
        storage = sorted(storage);
    }

    /** A policy with key permissions only. */
    public AccessPolicy(String tenantId, String objectId, Set<KeyPermission> keys) {
        this(tenantId, objectId, keys, null, null, null);
    }

    /** The permissions of {@code kind} this policy lists. */
    Set<String> other(OtherPermission kind) {
        return switch (kind) {
            case SECRETS -> secrets;
            case CERTIFICATES -> certificates;
            case STORAGE -> storage;
        };
    }

    /** This principal's policy with {@code other}'s permissions added. */
    AccessPolicy union(AccessPolicy other) {
        Set<KeyPermission> k = EnumSet.noneOf(KeyPermission.class);
        k.addAll(keys);
        k.addAll(other.keys);
        return new AccessPolicy(tenantId, objectId, k, both(secrets, other.secrets, true), both(certificates, other.certificates, true),
                both(storage, other.storage, true));
    }

    /** This principal's policy without {@code other}'s permissions. */
    AccessPolicy minus(AccessPolicy other) {
        Set<KeyPermission> k = EnumSet.noneOf(KeyPermission.class);
        k.addAll(keys);
        k.removeAll(other.keys);
        return new AccessPolicy(tenantId, objectId, k, both(secrets, other.secrets, false), both(certificates, other.certificates, false),
                both(storage, other.storage, false));
    }

    boolean grantsNothing() {
        return keys.isEmpty() && secrets.isEmpty() && certificates.isEmpty() && storage.isEmpty();
    }

    boolean samePrincipal(AccessPolicy other) {
        return tenantId.equalsIgnoreCase(other.tenantId) && objectId.equalsIgnoreCase(other.objectId);
    }

    private static Set<String> both(Set<String> a, Set<String> b, boolean add) {
        Set<String> out = new TreeSet<>(a);
        if (add) {
            out.addAll(b);
        } else {
            out.removeAll(b);
        }
        return out;
    }

    private static Set<String> sorted(Set<String> names) {
        return names == null || names.isEmpty() ? Set.of()
                : Collections.unmodifiableSet(new TreeSet<>(names));
    }
}
