package io.keyward.app.hsm;

import io.keyward.hsm.KeyBackup;
import io.keyward.hsm.KeyUsage;
import io.keyward.hsm.KeyVersionRef;
import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The HSM's backup keys (crypto-hsm {@link KeyBackup}, made by the security officer): each wraps and unwraps, nothing
 * else. They are not modifiable, so the audit can only report them, never correct them.
 */
@Singleton
class BackupKeyUsages implements KeyUsagePolicy {

    @Override
    public Map<KeyVersionRef, Set<KeyUsage>> usages(Set<KeyVersionRef> present) {
        Map<KeyVersionRef, Set<KeyUsage>> out = new HashMap<>(
                KeyUsagePolicy.everyVersionOf(KeyBackup.LABEL, KeyUsage.KEY_WRAPPING, present));
        out.putAll(KeyUsagePolicy.everyVersionOf(KeyBackup.SEAL_LABEL, KeyUsage.KEY_WRAPPING, present));
        return out;
    }
}
