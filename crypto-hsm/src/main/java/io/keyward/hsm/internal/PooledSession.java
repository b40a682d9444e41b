package io.keyward.hsm.internal;

import org.xipki.pkcs11.wrapper.Session;

/** A session with the module generation it was opened in; sessions of an older generation are never reused. */
public record PooledSession(Session session, long generation) {
}
