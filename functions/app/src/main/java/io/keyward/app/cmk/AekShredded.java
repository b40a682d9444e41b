package io.keyward.app.cmk;

import java.util.UUID;

/** The resource's wrapped AEK was deleted (crypto-shredding), in the publishing transaction: nothing is left to check. */
public record AekShredded(UUID resourceUuid) {
}
