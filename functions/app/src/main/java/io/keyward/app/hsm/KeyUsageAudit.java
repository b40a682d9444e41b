package io.keyward.app.hsm;

import io.keyward.hsm.Hsm;
import io.keyward.hsm.HsmException;
import io.keyward.hsm.KeyObject;
import io.keyward.hsm.KeyUsage;
import io.keyward.hsm.KeyVersionRef;
import io.micronaut.context.BeanContext;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks at start-up that every key in the token can do only what it is for: each object's usage attributes against
 * its owner's {@link KeyUsagePolicy}. A key made before least privilege (or changed in the token) is corrected with
 * C_SetAttributeValue where the token allows it; what cannot be corrected is reported. Runs on its own thread, so
 * an HSM that is slow or down delays nothing; {@code keyward.hsm.audit-key-usages=false} turns it off.
 */
@Singleton
public class KeyUsageAudit {

    private static final Logger LOG = LoggerFactory.getLogger(KeyUsageAudit.class);

    /**
     * One pass over the token.
     *
     * @param conforming key versions whose objects already had exactly their usages
     * @param corrected  key versions whose usages were set to their policy's
     * @param refused    key versions the token would not correct (or whose secret half is not locked), with why
     * @param unowned    key versions no policy claims (another application's, or a row deleted under its key)
     */
    public record Report(int conforming, List<KeyVersionRef> corrected, Map<KeyVersionRef, String> refused, int unowned) {
    }

    private final BeanProvider<Hsm> hsm;
    private final BeanContext beans;
    private final boolean enabled;

    /** The policies are looked up when the audit runs: their owners need the HSM, which is opened only then. */
    KeyUsageAudit(BeanProvider<Hsm> hsm, BeanContext beans, @Value("${keyward.hsm.audit-key-usages:true}") boolean enabled) {
        this.hsm = hsm;
        this.beans = beans;
        this.enabled = enabled;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        if (!enabled) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                run();
            } catch (RuntimeException e) {
                LOG.warn("could not check the usages of the keys in the HSM ({})", e instanceof HsmException h ? h.failure() : e.getClass().getSimpleName());
            }
        }, "keyward-key-usage-audit");
        t.setDaemon(true);
        t.start();
    }

    private Map<KeyVersionRef, Set<KeyUsage>> expected(Set<KeyVersionRef> present) {
        Map<KeyVersionRef, Set<KeyUsage>> expected = new HashMap<>();
        for (KeyUsagePolicy policy : beans.getBeansOfType(KeyUsagePolicy.class)) {
            expected.putAll(policy.usages(present));
        }
        return expected;
    }

    /** Lists the token's key objects once, compares each key version with its policy, corrects or reports it. */
    public Report run() {
        Map<KeyVersionRef, List<KeyObject>> byVersion = new LinkedHashMap<>();
        for (KeyObject o : hsm.get().keys().inventory()) {
            o.ref().ifPresent(ref -> byVersion.computeIfAbsent(ref, r -> new ArrayList<>()).add(o));
        }
        Map<KeyVersionRef, Set<KeyUsage>> expected = expected(byVersion.keySet());
        int conforming = 0;
        int unowned = 0;
        List<KeyVersionRef> corrected = new ArrayList<>();
        Map<KeyVersionRef, String> refused = new LinkedHashMap<>();
        for (Map.Entry<KeyVersionRef, List<KeyObject>> e : byVersion.entrySet()) {
            Set<KeyUsage> usages = expected.get(e.getKey());
            if (usages == null) {
                unowned++;
            } else if (e.getValue().stream().allMatch(o -> o.conformsTo(usages))) {
                conforming++;
            } else if (e.getValue().stream().anyMatch(o -> !o.locked())) {
                refused.put(e.getKey(), "its secret half is not sensitive, or is extractable other than wrapped by a trusted key");
            } else {
                // asked again just before the change: key_ops changed since the first answer must not be undone
                Set<KeyUsage> now = expected(Set.of(e.getKey())).get(e.getKey());
                if (now == null) {
                    unowned++;
                    continue;
                }
                try {
                    hsm.get().keys().setUsages(e.getKey(), now);
                    expected.put(e.getKey(), now);
                    corrected.add(e.getKey());
                } catch (HsmException failure) {
                    refused.put(e.getKey(), failure.getMessage());
                }
            }
        }
        Report report = new Report(conforming, List.copyOf(corrected), Map.copyOf(refused), unowned);
        LOG.info("key usages in the HSM: {} as they should be, {} corrected, {} not correctable, {} not Keyward's",
                conforming, corrected.size(), refused.size(), unowned);
        corrected.forEach(ref -> LOG.warn("key {} did not have exactly the usages it is for; they are now {}", ref,
                expected.get(ref)));
        refused.forEach((ref, why) -> LOG.error("key {} does not have exactly the usages it is for ({}) and was not"
                + " corrected: {}", ref, expected.get(ref), why));
        return report;
    }
}
