package io.keyward.app.keyhealth;

import java.util.UUID;

/**
 * A poll recorded the resource's key {@link KeyState#Revoked}: the vault refused it. Published after the state is
 * recorded (which every instance's data plane reads on each request); listeners on this instance drop what they hold of
 * the key.
 */
public record KeyRevoked(UUID resourceUuid) {
}
