package io.keyward.app.storage;

import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.engine.KeyedResources;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.UUID;

/** What other capabilities (a workspace's linked storage) ask of storage accounts. */
@Singleton
public class StorageAccountService {

    /**
     * An active storage account: its uuid (whose AEK seals what is stored in it, when {@code customerKey}), its resource id
     * as created, region and tenant.
     */
    public record Account(UUID uuid, String resourceId, String location, String tenantId, boolean customerKey) {
    }

    private final KeyedResources engine;
    private final StorageAccounts accounts;

    StorageAccountService(KeyedResources engine, StorageAccounts accounts) {
        this.engine = engine;
        this.accounts = accounts;
    }

    /** The active account {@code resourceId} names (compared without case), if any; no access check. */
    public Optional<Account> find(@Nullable String resourceId) {
        return ArmResourceId.parse(resourceId, StorageAccount.TYPE).flatMap(id -> engine.find(accounts, id))
                .map(a -> new Account(a.uuid(), a.id().toString(), a.location(), a.tenantId(), a.key() != null));
    }

    /** The account with this uuid, while it is active. */
    public Optional<Account> find(UUID uuid) {
        return engine.findByUuid(accounts, uuid).filter(a -> !a.deleted())
                .map(a -> new Account(a.uuid(), a.id().toString(), a.location(), a.tenantId(), a.key() != null));
    }
}
