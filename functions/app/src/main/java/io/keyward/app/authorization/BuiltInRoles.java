package io.keyward.app.authorization;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Azure built-in roles Keyward's flows use, with the ids, actions, notActions and dataActions Azure publishes (the
 * role definitions as {@code az role definition list} returns them). Fixed here: built-in roles are not stored and
 * cannot be changed or deleted.
 */
public final class BuiltInRoles {

    private static final List<String> KEY_VAULT_DATA_ROLE_ACTIONS = List.of("Microsoft.Authorization/*/read",
            "Microsoft.Insights/alertRules/*", "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Support/*", "Microsoft.KeyVault/checkNameAvailability/read", "Microsoft.KeyVault/deletedVaults/read",
            "Microsoft.KeyVault/locations/*/read", "Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/operations/read");

    public static final RoleDefinition OWNER = role("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner",
            "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
            Permission.actions(List.of("*"), List.of()));
    public static final RoleDefinition CONTRIBUTOR = role("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor",
            "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in"
                    + " Azure Blueprints, or share image galleries.",
            Permission.actions(List.of("*"), List.of("Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                    "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Blueprint/blueprintAssignments/write",
                    "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action",
                    "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete",
                    "Microsoft.Resources/deploymentStacks/manageDenySetting/action", "Microsoft.Subscription/cancel/action",
                    "Microsoft.Subscription/enable/action")));
    public static final RoleDefinition READER = role("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader",
            "View all resources, but does not allow you to make any changes.", Permission.actions(List.of("*/read"), List.of()));
    public static final RoleDefinition USER_ACCESS_ADMINISTRATOR = role("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
            "User Access Administrator", "Lets you manage user access to Azure resources.",
            Permission.actions(List.of("*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"), List.of()));
    public static final RoleDefinition LOG_ANALYTICS_CONTRIBUTOR = role("92aaf0da-9dab-42b6-94a3-d43ce8d16293",
            "Log Analytics Contributor", "Log Analytics Contributor can read all monitoring data and edit monitoring settings.",
            Permission.actions(List.of("*/read", "Microsoft.ClassicCompute/virtualMachines/extensions/*",
                    "Microsoft.ClassicStorage/storageAccounts/listKeys/action", "Microsoft.Compute/virtualMachines/extensions/*",
                    "Microsoft.HybridCompute/machines/extensions/write", "Microsoft.Insights/alertRules/*",
                    "Microsoft.Insights/diagnosticSettings/*", "Microsoft.OperationalInsights/*", "Microsoft.OperationsManagement/*",
                    "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourcegroups/deployments/*",
                    "Microsoft.Storage/storageAccounts/listKeys/action", "Microsoft.Support/*"), List.of()));
    public static final RoleDefinition LOG_ANALYTICS_READER = role("73c42c96-874c-492b-b04d-ab87d138a893", "Log Analytics Reader",
            "Log Analytics Reader can view and search all monitoring data as well as view monitoring settings.",
            Permission.actions(List.of("*/read", "Microsoft.OperationalInsights/workspaces/analytics/query/action",
                    "Microsoft.OperationalInsights/workspaces/search/action", "Microsoft.Support/*"),
                    List.of("Microsoft.OperationalInsights/workspaces/sharedKeys/read")));
    public static final RoleDefinition MONITORING_METRICS_PUBLISHER = role("3913510d-42f4-4e42-8a64-420c390055eb",
            "Monitoring Metrics Publisher", "Enables publishing metrics against Azure resources (and, through the Logs Ingestion API, logs).",
            new Permission(List.of("Microsoft.Insights/Register/Action", "Microsoft.Support/*",
                    "Microsoft.Resources/subscriptions/resourceGroups/read"), List.of(),
                    List.of("Microsoft.Insights/Metrics/Write", "Microsoft.Insights/Telemetry/Write"), List.of()));
    public static final RoleDefinition KEY_VAULT_CONTRIBUTOR = role("f25e0fa2-a7c8-4377-a976-54943a77a395", "Key Vault Contributor",
            "Lets you manage key vaults, but not access to them.",
            Permission.actions(List.of("Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.KeyVault/*",
                    "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*"),
                    List.of("Microsoft.KeyVault/locations/deletedVaults/purge/action", "Microsoft.KeyVault/hsmPools/*",
                            "Microsoft.KeyVault/managedHsms/*")));
    public static final RoleDefinition KEY_VAULT_ADMINISTRATOR = role("00482a5a-887f-4fb3-b363-3b7fe8e74483", "Key Vault Administrator",
            "Perform all data plane operations on a key vault and all objects in it. Cannot manage key vault resources or manage role"
                    + " assignments. Only works for key vaults that use the 'Azure role-based access control' permission model.",
            new Permission(KEY_VAULT_DATA_ROLE_ACTIONS, List.of(), List.of("Microsoft.KeyVault/vaults/*"), List.of()));
    public static final RoleDefinition KEY_VAULT_CRYPTO_OFFICER = role("14b46e9e-c2b7-41b4-b07b-48a6ebf60603", "Key Vault Crypto Officer",
            "Perform any action on the keys of a key vault, except manage permissions. Only works for key vaults that use the 'Azure"
                    + " role-based access control' permission model.",
            new Permission(KEY_VAULT_DATA_ROLE_ACTIONS, List.of(),
                    List.of("Microsoft.KeyVault/vaults/keys/*", "Microsoft.KeyVault/vaults/keyrotationpolicies/*"), List.of()));
    public static final RoleDefinition KEY_VAULT_CRYPTO_USER = role("12338af0-0e69-4776-bea7-57ae8d297424", "Key Vault Crypto User",
            "Perform cryptographic operations using keys. Only works for key vaults that use the 'Azure role-based access control'"
                    + " permission model.",
            new Permission(List.of(), List.of(), List.of("Microsoft.KeyVault/vaults/keys/read",
                    "Microsoft.KeyVault/vaults/keys/update/action", "Microsoft.KeyVault/vaults/keys/backup/action",
                    "Microsoft.KeyVault/vaults/keys/encrypt/action", "Microsoft.KeyVault/vaults/keys/decrypt/action",
                    "Microsoft.KeyVault/vaults/keys/wrap/action", "Microsoft.KeyVault/vaults/keys/unwrap/action",
                    "Microsoft.KeyVault/vaults/keys/sign/action", "Microsoft.KeyVault/vaults/keys/verify/action"), List.of()));
    public static final RoleDefinition KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER = role("e147488a-f6f5-4113-8e2d-b22465e65bf6",
            "Key Vault Crypto Service Encryption User", "Read metadata of keys and perform wrap/unwrap operations. Only works for key"
                    + " vaults that use the 'Azure role-based access control' permission model.",
            new Permission(List.of("Microsoft.EventGrid/eventSubscriptions/write", "Microsoft.EventGrid/eventSubscriptions/read",
                    "Microsoft.EventGrid/eventSubscriptions/delete"), List.of(), List.of("Microsoft.KeyVault/vaults/keys/read",
                    "Microsoft.KeyVault/vaults/keys/wrap/action", "Microsoft.KeyVault/vaults/keys/unwrap/action"), List.of()));
    public static final RoleDefinition KEY_VAULT_READER = role("21090545-7ca7-4776-b22c-e363652d74d2", "Key Vault Reader",
            "Read metadata of key vaults and its certificates, keys, and secrets. Cannot read sensitive values such as secret contents"
                    + " or key material. Only works for key vaults that use the 'Azure role-based access control' permission model.",
            new Permission(KEY_VAULT_DATA_ROLE_ACTIONS, List.of(), List.of("Microsoft.KeyVault/vaults/*/read",
                    "Microsoft.KeyVault/vaults/secrets/readMetadata/action"), List.of()));
    public static final RoleDefinition CUSTOMER_LOCKBOX_APPROVER = role("4dae6930-7baf-46f5-909e-0383bc931c46",
            "Azure Customer Lockbox Approver for Subscription", "Can approve Microsoft support requests to access specific resources"
                    + " contained within a subscription, or the subscription itself, when Customer Lockbox for Microsoft Azure is enabled on"
                    + " the tenant where the subscription resides.",
            Permission.actions(List.of("Microsoft.Resources/subscriptions/read", "Microsoft.CustomerLockbox/requests/UpdateApproval/action",
                    "Microsoft.CustomerLockbox/requests/read", "Microsoft.Authorization/*/read",
                    "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Insights/eventtypes/values/read"), List.of()));

    public static final List<RoleDefinition> ALL = List.of(OWNER, CONTRIBUTOR, READER, USER_ACCESS_ADMINISTRATOR, LOG_ANALYTICS_CONTRIBUTOR,
            LOG_ANALYTICS_READER, MONITORING_METRICS_PUBLISHER, KEY_VAULT_CONTRIBUTOR, KEY_VAULT_ADMINISTRATOR, KEY_VAULT_CRYPTO_OFFICER,
            KEY_VAULT_CRYPTO_USER, KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, KEY_VAULT_READER, CUSTOMER_LOCKBOX_APPROVER);

    private static final Map<UUID, RoleDefinition> BY_ID = ALL.stream().collect(Collectors.toUnmodifiableMap(RoleDefinition::id,
            Function.identity()));

    private BuiltInRoles() {
    }

    public static Optional<RoleDefinition> byId(UUID id) {
        return Optional.ofNullable(BY_ID.get(id));
    }

    public static Optional<RoleDefinition> byName(String roleName) {
        String wanted = roleName.toLowerCase(Locale.ROOT);
        return ALL.stream().filter(r -> r.roleName().toLowerCase(Locale.ROOT).equals(wanted)).findFirst();
    }

    private static RoleDefinition role(String id, String name, String description, Permission permission) {
        return new RoleDefinition(UUID.fromString(id), name, description, true, List.of(permission), List.of("/"), null, null, null,
                null, null);
    }
}
