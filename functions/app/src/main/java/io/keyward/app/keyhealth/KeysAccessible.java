package io.keyward.app.keyhealth;

import io.keyward.hsm.envelope.AekMaterial;
import java.util.Map;
import java.util.UUID;

/**
 * A poll just unwrapped these resources' AEKs, before it records them {@link KeyState#Accessible}: listeners may use
 * them (the data plane re-seals what it buffered under the platform key during an outage). The material belongs to the
 * publisher, which destroys it once the listeners returned: a listener copies what it keeps. Published with no database
 * transaction open.
 */
public record KeysAccessible(Map<UUID, AekMaterial> aeks) {
}
