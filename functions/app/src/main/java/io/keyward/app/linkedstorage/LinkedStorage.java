package io.keyward.app.linkedstorage;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.authorization.Authorization;
import io.keyward.app.authorization.Scope;
import io.keyward.app.dataplane.SealedRecords;
import io.keyward.app.identity.Principal;
import io.keyward.app.storage.StorageAccountService;
import io.keyward.app.workspaces.WorkspacePlace;
import io.keyward.app.workspaces.WorkspaceService;
import io.keyward.hsm.envelope.BlockRef;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A workspace's linked storage accounts and saved searches, with the rules of Azure Monitor's "customer-managed key for
 * queries" (BYOS): a workspace links exactly one storage account per data source type ({@code Query}, {@code Alerts}), in
 * the workspace's region; linking for {@code Query} removes the workspace's existing saved searches; saved searches of a
 * workspace linked for {@code Query} are then stored in that account, sealed under its AEK (its customer-managed key,
 * through {@link SealedRecords}); otherwise under the workspace's platform key. With the account's key revoked they can
 * be neither read nor written (403 {@code CustomerManagedKeyInaccessible}) until access is restored. Sealing and opening
 * happen outside any transaction; a write's transaction checks, under the workspace's lock, that the link still names the
 * key the search was sealed under.
 */
@Singleton
class LinkedStorage {

    static final String QUERY = "Query";
    private static final String WORKSPACE_TYPE = "Microsoft.OperationalInsights/workspaces";
    private static final String LINKS = "linkedStorageAccounts";
    private static final String SEARCHES = "savedSearches";
    private static final String LINK_READ = "Microsoft.OperationalInsights/workspaces/linkedStorageAccounts/read";
    private static final String LINK_WRITE = "Microsoft.OperationalInsights/workspaces/linkedStorageAccounts/write";
    private static final String LINK_DELETE = "Microsoft.OperationalInsights/workspaces/linkedStorageAccounts/delete";
    private static final String SEARCH_READ = "Microsoft.OperationalInsights/workspaces/savedSearches/read";
    static final String ALERTS = "Alerts";
    /** Data source types of the spec that Keyward has no data for. */
    private static final List<String> UNSUPPORTED = List.of("CustomLogs", "AzureWatson", "Ingestion");
    private static final Pattern SEARCH_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_.()|-]{0,255}$");
    private static final Logger LOG = LoggerFactory.getLogger(LinkedStorage.class);

    private final Authorization authorization;
    private final WorkspaceService workspaces;
    private final StorageAccountService accounts;
    private final LinkRepository links;
    private final SavedSearchRepository searches;
    private final SealedRecords sealing;
    private final JsonMapper json;
    private final TransactionOperations<?> transactions;
    private final Clock clock;

    LinkedStorage(Authorization authorization, WorkspaceService workspaces, StorageAccountService accounts, LinkRepository links,
                  SavedSearchRepository searches, SealedRecords sealing, JsonMapper json, TransactionOperations<?> transactions, Clock clock) {
        this.authorization = authorization;
        this.workspaces = workspaces;
        this.accounts = accounts;
        this.links = links;
        this.searches = searches;
        this.sealing = sealing;
        this.json = json;
        this.transactions = transactions;
        this.clock = clock;
    }

    /**
     * A workspace's sub-resource request: the workspace, after the caller was found allowed {@code action} at
     * {@code child} (a linked storage account or saved search of the workspace, or the workspace itself for a list).
     */
    private WorkspacePlace workspace(SubscriptionId sub, ResourceGroupName group, String name, Principal caller, String action,
                                     @Nullable String childType, @Nullable String childName) {
        Scope scope = Scope.of(ArmResourceId.of(sub, group, WORKSPACE_TYPE, name));
        authorization.require(childType == null ? scope : scope.child(childType, childName), caller, action, false);
        return workspaces.place(sub, group, name).orElseThrow(() -> new ArmException(ArmErrorCode.ResourceNotFound,
                "The workspace '" + name + "' under resource group '" + group + "' was not found."));
    }

    // --- linked storage accounts

    /** The path's data source type in the spec's spelling; those Keyward has no data for are refused. */
    static String dataSourceType(String given) {
        for (String t : List.of(QUERY, ALERTS)) {
            if (t.equalsIgnoreCase(given)) {
                return t;
            }
        }
        if (UNSUPPORTED.stream().anyMatch(t -> t.equalsIgnoreCase(given))) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The data source type '" + given + "' is not supported by Keyward, which"
                    + " stores saved queries (Query) and log alert queries (Alerts) in linked storage accounts.", "dataSourceType");
        }
        throw new ArmException(ArmErrorCode.InvalidParameter, "The data source type '" + given + "' is invalid: use Query or Alerts.",
                "dataSourceType");
    }

    /** Keyward links exactly one storage account per data source type (the one whose key seals what it holds). */
    static void requireOneAccount(List<String> storageAccountIds) {
        if (storageAccountIds.size() != 1) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The property 'properties.storageAccountIds' names "
                    + storageAccountIds.size() + " storage accounts: exactly one can be linked per data source type.",
                    "properties.storageAccountIds");
        }
    }

    record Linked(WorkspacePlace workspace, LinkRepository.Link link, int searchesRemoved) {
    }

    /**
     * Links {@code storageAccountIds} (exactly one account, of the caller's tenant, in the workspace's region) for the data
     * source type, replacing the account linked for it before. Linking an account for Query removes the workspace's saved
     * searches (the docs: they are not moved); linking the same account again changes nothing.
     */
    Linked link(SubscriptionId sub, ResourceGroupName group, String workspaceName, String type, List<String> storageAccountIds,
                Principal caller) {
        requireOneAccount(storageAccountIds);
        return transactions.executeWrite(status -> {
            WorkspacePlace ws = workspace(sub, group, workspaceName, caller, LINK_WRITE, LINKS, type);
            StorageAccountService.Account account = accounts.find(storageAccountIds.get(0))
                    .filter(a -> a.tenantId().equalsIgnoreCase(caller.tenantId()))
                    .orElseThrow(() -> new ArmException(ArmErrorCode.InvalidParameter, "The storage account '" + storageAccountIds.get(0)
                            + "' was not found.", "properties.storageAccountIds"));
            // linking makes the account hold the workspace's queries: the caller must at least see the account
            authorization.require(Scope.parse(account.resourceId()).orElseThrow(), caller, "Microsoft.Storage/storageAccounts/read", false);
            if (!normal(account.location()).equals(normal(ws.location()))) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "The storage account must be in the workspace's region: workspace '"
                        + workspaceName + "' is in '" + ws.location() + "' and the account in '" + account.location() + "'.",
                        "properties.storageAccountIds");
            }
            searches.lockWorkspace(ws.customerId());
            Optional<LinkRepository.Link> before = links.find(ws.customerId(), type);
            if (before.isPresent() && before.get().storageAccountUuid().equals(account.uuid())) {
                return new Linked(ws, before.get(), 0);
            }
            Instant now = now();
            links.upsert(ws.customerId(), type, account.resourceId(), account.uuid(), now);
            int removed = type.equals(QUERY) ? searches.deleteAllOf(ws.customerId()) : 0;
            LOG.info("workspace {}: storage account {} linked for {}; {} saved searches removed", ws.resourceId(), account.resourceId(),
                    type, removed);
            return new Linked(ws, new LinkRepository.Link(ws.customerId(), type, account.resourceId(), account.uuid(), now), removed);
        });
    }

    Linked getLink(SubscriptionId sub, ResourceGroupName group, String workspaceName, String type, Principal caller) {
        return transactions.executeRead(status -> {
            WorkspacePlace ws = workspace(sub, group, workspaceName, caller, LINK_READ, LINKS, type);
            return new Linked(ws, links.find(ws.customerId(), type).orElseThrow(() -> new ArmException(ArmErrorCode.ResourceNotFound,
                    "The workspace '" + workspaceName + "' has no storage account linked for " + type + ".")), 0);
        });
    }

    record Links(WorkspacePlace workspace, List<LinkRepository.Link> links) {
    }

    Links listLinks(SubscriptionId sub, ResourceGroupName group, String workspaceName, Principal caller) {
        return transactions.executeRead(status -> {
            WorkspacePlace ws = workspace(sub, group, workspaceName, caller, LINK_READ, null, null);
            return new Links(ws, links.listOf(ws.customerId()));
        });
    }

    /** Unlinks the data source type; unlinking Query removes the saved searches stored in the account. False: none linked. */
    boolean unlink(SubscriptionId sub, ResourceGroupName group, String workspaceName, String type, Principal caller) {
        return transactions.executeWrite(status -> {
            WorkspacePlace ws = workspace(sub, group, workspaceName, caller, LINK_DELETE, LINKS, type);
            searches.lockWorkspace(ws.customerId());
            Optional<LinkRepository.Link> link = links.find(ws.customerId(), type);
            if (link.isEmpty()) {
                return false;
            }
            links.delete(ws.customerId(), type);
            if (type.equals(QUERY)) {
                searches.deleteStoredIn(ws.customerId(), link.get().storageAccountUuid());
            }
            return true;
        });
    }

    // --- saved searches

    static String searchName(String name) {
        if (name == null || !SEARCH_NAME.matcher(name).matches()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The saved search id '" + name + "' is invalid: use 1 to 256 letters,"
                    + " digits, '_', '.', '-', '|', '(' or ')', starting with a letter or digit.", "savedSearchId");
        }
        return name;
    }

    record Search(WorkspacePlace workspace, SavedSearchRepository.Row row, LinkedStorageWire.SearchProperties properties) {
    }

    /** Where a workspace's new searches go: the storage account linked for Query, if it has a customer key; else platform. */
    private record Target(String kind, @Nullable UUID account, String noun) {
    }

    private Target target(WorkspacePlace ws) {
        Optional<LinkRepository.Link> link = links.find(ws.customerId(), QUERY);
        if (link.isEmpty()) {
            return new Target("platform", null, "");
        }
        UUID uuid = link.get().storageAccountUuid();
        // an account deleted since keeps its link: what would be stored in it cannot be (the key is gone with it)
        boolean customerKey = accounts.find(uuid).map(StorageAccountService.Account::customerKey).orElse(true);
        return customerKey ? new Target("storage", uuid, "storage account '" + link.get().storageAccountId() + "'")
                : new Target("platform", null, "");
    }

    private SealedRecords.Key key(WorkspacePlace ws, String kind, @Nullable UUID account, String noun) {
        return kind.equals("storage") ? new SealedRecords.Key.Customer(account, noun) : new SealedRecords.Key.Platform(ws.customerId());
    }

    /** The AAD of a search: its owner workspace, the key it is under, and its row. */
    private static BlockRef ref(WorkspacePlace ws, String kind, @Nullable UUID account, UUID searchUuid) {
        return new BlockRef(ws.resourceId() + "/savedSearches/" + (account == null ? kind : kind + ":" + account), searchUuid.toString());
    }

    /**
     * Creates or replaces a saved search. An {@code etag} other than {@code *} must be the search's current one (409
     * otherwise). Sealed outside any transaction; stored in one that finds the workspace's link unchanged.
     */
    Search saveSearch(SubscriptionId sub, ResourceGroupName group, String workspaceName, String name, LinkedStorageWire.SearchRequest request,
                      Principal caller) {
        String action = "Microsoft.OperationalInsights/workspaces/savedSearches/write";
        record Before(WorkspacePlace ws, Target target, Optional<SavedSearchRepository.Row> row) {
        }
        Before before = transactions.executeRead(status -> {
            WorkspacePlace ws = workspace(sub, group, workspaceName, caller, action, SEARCHES, name);
            return new Before(ws, target(ws), searches.find(ws.customerId(), name));
        });
        requireEtag(before.row(), request.etag(), name);
        UUID searchUuid = before.row().map(SavedSearchRepository.Row::searchUuid).orElseGet(UUID::randomUUID);
        Target t = before.target();
        byte[] sealed = sealing.seal(key(before.ws(), t.kind(), t.account(), t.noun()), ref(before.ws(), t.kind(), t.account(), searchUuid),
                write(request.properties()));
        return transactions.executeWrite(status -> {
            WorkspacePlace ws = workspace(sub, group, workspaceName, caller, action, SEARCHES, name);
            searches.lockWorkspace(ws.customerId());
            Optional<SavedSearchRepository.Row> row = searches.find(ws.customerId(), name);
            if (!target(ws).equals(t) || !row.map(SavedSearchRepository.Row::searchUuid).orElse(searchUuid).equals(searchUuid)) {
                throw new ArmException(ArmErrorCode.ConflictError, "The saved search '" + name + "' or the workspace's linked storage"
                        + " changed while the search was being saved; retry the request.");
            }
            requireEtag(row, request.etag(), name);
            Instant now = now();
            String etag = "W/\"" + UUID.randomUUID() + "\"";
            SavedSearchRepository.Row next = new SavedSearchRepository.Row(searchUuid, ws.customerId(),
                    row.map(SavedSearchRepository.Row::name).orElse(name), etag, t.kind(), t.account(), sealed,
                    row.map(SavedSearchRepository.Row::createdAt).orElse(now), now);
            if (row.isPresent()) {
                searches.update(next);
            } else {
                searches.save(next);
            }
            return new Search(ws, next, request.properties());
        });
    }

    private static void requireEtag(Optional<SavedSearchRepository.Row> row, @Nullable String etag, String name) {
        if (etag != null && !etag.equals("*") && !row.map(r -> r.etag().equals(etag)).orElse(false)) {
            throw new ArmException(ArmErrorCode.ConflictError, "The etag does not match the current etag of saved search '" + name + "';"
                    + " read it again, or send etag '*' to overwrite it.", "etag");
        }
    }

    Search getSearch(SubscriptionId sub, ResourceGroupName group, String workspaceName, String name, Principal caller) {
        record Found(WorkspacePlace ws, SavedSearchRepository.Row row, String noun) {
        }
        Found f = transactions.executeRead(status -> {
            WorkspacePlace ws = workspace(sub, group, workspaceName, caller, SEARCH_READ, SEARCHES, name);
            SavedSearchRepository.Row row = searches.find(ws.customerId(), name).orElseThrow(() -> notFound(workspaceName, name));
            return new Found(ws, row, noun(ws, row));
        });
        return new Search(f.ws(), f.row(), open(f.ws(), f.row(), f.noun()));
    }

    record Searches(WorkspacePlace workspace, List<Search> items) {
    }

    /** Every search of the workspace, opened: one under a revoked key makes the list refused, as each of them would be. */
    Searches listSearches(SubscriptionId sub, ResourceGroupName group, String workspaceName, Principal caller) {
        record Found(WorkspacePlace ws, List<SavedSearchRepository.Row> rows, List<String> nouns) {
        }
        Found f = transactions.executeRead(status -> {
            WorkspacePlace ws = workspace(sub, group, workspaceName, caller, SEARCH_READ, null, null);
            List<SavedSearchRepository.Row> rows = searches.listOf(ws.customerId());
            return new Found(ws, rows, rows.stream().map(r -> noun(ws, r)).toList());
        });
        List<Search> out = new ArrayList<>();
        for (int i = 0; i < f.rows().size(); i++) {
            out.add(new Search(f.ws(), f.rows().get(i), open(f.ws(), f.rows().get(i), f.nouns().get(i))));
        }
        return new Searches(f.ws(), out);
    }

    /** Deletes a search; one under a revoked key is refused as a write is (it is in the customer's storage). */
    boolean deleteSearch(SubscriptionId sub, ResourceGroupName group, String workspaceName, String name, Principal caller) {
        String action = "Microsoft.OperationalInsights/workspaces/savedSearches/delete";
        record Found(WorkspacePlace ws, Optional<SavedSearchRepository.Row> row, String noun) {
        }
        Found f = transactions.executeRead(status -> {
            WorkspacePlace ws = workspace(sub, group, workspaceName, caller, action, SEARCHES, name);
            Optional<SavedSearchRepository.Row> row = searches.find(ws.customerId(), name);
            return new Found(ws, row, row.map(r -> noun(ws, r)).orElse(""));
        });
        if (f.row().isEmpty()) {
            return false;
        }
        SavedSearchRepository.Row row = f.row().get();
        sealing.requireUsable(key(f.ws(), row.keyKind(), row.storageAccountUuid(), f.noun())); // as for any write
        return transactions.executeWrite(status -> {
            searches.lockWorkspace(f.ws().customerId());
            return searches.delete(f.ws().customerId(), name) > 0;
        });
    }

    private String noun(WorkspacePlace ws, SavedSearchRepository.Row row) {
        if (row.storageAccountUuid() == null) {
            return "";
        }
        return links.listOf(ws.customerId()).stream().filter(l -> l.storageAccountUuid().equals(row.storageAccountUuid())).findFirst()
                .map(l -> "storage account '" + l.storageAccountId() + "'").orElse("storage account " + row.storageAccountUuid());
    }

    private LinkedStorageWire.SearchProperties open(WorkspacePlace ws, SavedSearchRepository.Row row, String noun) {
        byte[] plain = sealing.open(key(ws, row.keyKind(), row.storageAccountUuid(), noun), ref(ws, row.keyKind(), row.storageAccountUuid(),
                row.searchUuid()), row.sealed());
        try {
            return json.readValue(plain, LinkedStorageWire.SearchProperties.class);
        } catch (IOException e) {
            throw new UncheckedIOException("an opened saved search is not its properties", e);
        }
    }

    private byte[] write(LinkedStorageWire.SearchProperties p) {
        try {
            return json.writeValueAsBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ArmException notFound(String workspaceName, String name) {
        return new ArmException(ArmErrorCode.ResourceNotFound, "The saved search '" + name + "' of workspace '" + workspaceName
                + "' was not found.");
    }

    private static String normal(String location) {
        return location.replace(" ", "").toLowerCase(Locale.ROOT);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
