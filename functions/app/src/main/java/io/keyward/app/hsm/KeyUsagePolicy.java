package io.keyward.app.hsm;

import io.keyward.hsm.KeyUsage;
import io.keyward.hsm.KeyVersionRef;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one owner of keys in the token says its key versions are for: identity's token-signing key, the data
 * plane's platform KEK, the vaults' keys (their {@code key_ops}). {@link KeyUsageAudit} holds the token to it.
 */
public interface KeyUsagePolicy {

    /** The usages of those of {@code present} (every Keyward-named key version in the token) that this owner made. */
    Map<KeyVersionRef, Set<KeyUsage>> usages(Set<KeyVersionRef> present);

    /** For an owner of one key name: every version of {@code name} among {@code present} may do {@code usages}. */
    static Map<KeyVersionRef, Set<KeyUsage>> everyVersionOf(String name, Set<KeyUsage> usages, Set<KeyVersionRef> present) {
        return present.stream().filter(r -> r.name().equals(name)).collect(Collectors.toMap(r -> r, r -> usages));
    }
}
