package io.keyward.app.vault;

import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.identity.Principal;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/** What other capabilities (the keys data plane, identity, the other resource providers) ask of vaults. */
public interface VaultService {

    /** The vault named {@code vaultName} unless it is soft-deleted; names are global and case-insensitive. */
    Optional<Vault> findActiveByName(String vaultName);

    /**
     * ARM tenant isolation, shared by every resource provider (the {@code subscriptions} table lives with vaults
     * because vaults came first): a subscription belongs to the tenant that first created something in it. Throws
     * 403 {@code AuthorizationFailed} for {@code action} when another tenant owns {@code sub}; with {@code claim},
     * an unowned subscription is registered to the caller's tenant in {@code tx}, the caller's transaction. Returns
     * whether the caller's tenant owns it (false only for an unowned subscription without {@code claim}, where a
     * read finds nothing and a list is empty).
     */
    boolean requireSubscriptionOwner(Connection tx, SubscriptionId sub, Principal caller, String action, boolean claim)
            throws SQLException;
}
