package io.keyward.app.hpccache;

import jakarta.inject.Singleton;

/** The Caches_FailUnauthorized timer's work: caches whose key vault access was not authorized in time fail. */
@Singleton
public class HpcCacheJob {

    private final HpcCaches catalog;

    HpcCacheJob(HpcCaches catalog) {
        this.catalog = catalog;
    }

    /** Fails every cache past its authorization window (keyward.hpccache.authorize-timeout); returns how many. */
    public int failUnauthorized() {
        return catalog.failUnauthorized();
    }
}
