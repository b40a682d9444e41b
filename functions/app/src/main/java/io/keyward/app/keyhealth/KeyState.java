package io.keyward.app.keyhealth;

/** What the key-health poller last saw of a cluster's customer key. */
public enum KeyState {
    /** The last unwrap through the vault worked. */
    Accessible,
    /** The vault refused the last unwrap (4xx: key disabled or deleted, access removed). */
    Revoked,
    /** Not polled yet. */
    Unknown,
    /**
     * The vault could not be reached or answered 5xx since {@code unavailable_since}: the data plane keeps the cached
     * AEK for {@code keyward.keyhealth.outage-grace}, then buffers ingestion (docs/data-plane-outages.md).
     */
    Unavailable
}
