package io.keyward.app.dataplane;

import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.keyward.devenv.LocalDatabase;
import io.keyward.hsm.Hsm;
import io.micronaut.context.ApplicationContext;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A second instance of the function app in the test JVM: its own Micronaut application context (its own beans, AEK
 * cache, connection pool, key-health state in memory: none), over the same PostgreSQL as the local host, whose data
 * plane tests call directly.
 *
 * <p>It shares the host's {@link Hsm} instead of opening the token again: two PKCS#11 bindings in one JVM break each
 * other at C_Finalize, so this context never loads the library (no {@code keyward.hsm.*} settings; the host's Hsm is
 * registered as a singleton, which the context does not close when it stops: {@code RevocationTest} checks the host's
 * HSM still works after this context closed).
 */
public final class SecondInstance implements AutoCloseable {

    private final ApplicationContext context;
    private final DataPlaneService dataPlane;

    private SecondInstance(ApplicationContext context) {
        this.context = context;
        this.dataPlane = context.getBean(DataPlaneService.class);
    }

    public static SecondInstance start(LocalDatabase db, Hsm hsm) {
        ApplicationContext context = ApplicationContext.builder()
                .properties(Map.of("keyward.database.url", db.jdbcUrl(), "keyward.database.user", db.user(),
                        "keyward.database.password", db.password(), "spec.name", "second-instance"))
                .singletons(hsm)
                .start();
        return new SecondInstance(context);
    }

    /** A query of the second instance's data plane as {@code objectId} of {@code tenantId} (who may read it): the records' {@code msg}. */
    public List<Object> query(String tenantId, String objectId, String workspaceId, String table) {
        Instant now = Instant.now();
        return dataPlane.query(UUID.fromString(workspaceId), new Principal(tenantId, objectId,
                        PrincipalType.SERVICE_PRINCIPAL, "second-instance-reader"), table, now.minusSeconds(7200), now, 1000)
                .stream().map(r -> r.get("msg")).toList();
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        context.close();
    }
}
