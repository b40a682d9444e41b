package io.keyward.app.keyhealth;

import io.keyward.app.cmk.AekActivity;
import io.keyward.app.cmk.AekBound;
import io.keyward.app.cmk.AekShredded;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;

/**
 * What the CMK core tells key health about resources, in the core's own transaction (listeners run on the publishing
 * thread, and the repository joins its transaction): so a key bound, shredded, paused or resumed and its health row
 * commit or roll back together.
 */
@Singleton
class AekEvents {

    private final KeyHealthRepository repository;

    AekEvents(KeyHealthRepository repository) {
        this.repository = repository;
    }

    /** The key was just proven usable: whatever was recorded (revoked, unavailable) no longer applies; checked at once. */
    @EventListener
    void onBound(AekBound event) {
        repository.bound(event.resourceUuid(), event.active());
    }

    @EventListener
    void onActivity(AekActivity event) {
        repository.setActive(event.resourceUuid(), event.active());
    }

    @EventListener
    void onShredded(AekShredded event) {
        repository.forget(event.resourceUuid());
    }
}
