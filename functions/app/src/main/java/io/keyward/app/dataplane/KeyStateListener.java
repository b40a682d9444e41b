package io.keyward.app.dataplane;

import io.keyward.app.cmk.AekShredded;
import io.keyward.app.keyhealth.KeyRevoked;
import io.keyward.app.keyhealth.KeysAccessible;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;

/**
 * What key health and the CMK core tell the data plane of this instance. Other instances need no message: their data
 * plane reads the recorded key state on every request.
 */
@Singleton
class KeyStateListener {

    private final AekCache cache;
    private final OutageBuffer buffer;

    KeyStateListener(AekCache cache, OutageBuffer buffer) {
        this.cache = cache;
        this.buffer = buffer;
    }

    /** The vault refused the key: the plaintext AEK goes (destroyed once no request still uses it). */
    @EventListener
    void onRevoked(KeyRevoked event) {
        cache.evictCluster(event.resourceUuid());
    }

    /** The AEK is gone for good: so is its plaintext here (in the shredding transaction; a reload finds nothing). */
    @EventListener
    void onShredded(AekShredded event) {
        cache.evictCluster(event.resourceUuid());
    }

    /** The vault is back: what was buffered under the platform key meanwhile is re-sealed under the cluster's AEK. */
    @EventListener
    void onAccessible(KeysAccessible event) {
        buffer.resealPending(event.aeks());
    }
}
