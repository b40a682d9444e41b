package io.keyward.app.cmk;

import java.util.UUID;

/**
 * The resource's AEK was (re-)wrapped by a key just proven usable, in the publishing transaction: whatever key health
 * last recorded for it no longer applies, and it is due a check now. {@code active}: whether it is to be polled.
 */
public record AekBound(UUID resourceUuid, boolean active) {
}
