package io.keyward.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The structure of the app, read from its source tree and schema/ (docs/architecture.md, "Persistence"): packages
 * depend on each other without cycles; every table has one owning package and no other package names it in SQL (it
 * calls the owner's service); and {@code java.sql.Connection} stays inside repositories, with transactions carried by
 * Micronaut's transaction manager instead of parameters.
 */
class LayeringTest {

    private static final Path BASE = Path.of(System.getProperty("basedir", "."));
    private static final Path APP = BASE.resolve("src/main/java/io/keyward/app");
    private static final Path MIGRATIONS = BASE.resolve("../../schema/src/main/resources/db/migration").normalize();

    /**
     * Dependencies that still close a cycle, each being removed by other work of issue 10; delete an entry when its
     * dependency is gone (the test says so). Never add one: break the cycle (an event, a service of the lower package).
     */
    private static final Set<String> KNOWN_CYCLE_EDGES = Set.of();

    /** Which package owns each table; tables only come from schema/ migrations (the test ones from the test that makes them). */
    private static final Map<String, String> OWNERS = Map.ofEntries(
            Map.entry("host_heartbeat", "health"),
            Map.entry("identity_principals", "identity"),
            Map.entry("identity_clients", "identity"),
            Map.entry("identity_signing_keys", "identity"),
            Map.entry("subscriptions", "arm"),
            Map.entry("role_definitions", "authorization"),
            Map.entry("role_assignments", "authorization"),
            Map.entry("async_operations", "arm"),
            Map.entry("async_operation_steps", "arm"),
            Map.entry("vaults", "vault"),
            Map.entry("vault_keys", "vault.keys"),
            Map.entry("vault_key_versions", "vault.keys"),
            Map.entry("cmk_resources", "engine"),
            Map.entry("cmk_aeks", "cmk"),
            Map.entry("cmk_key_bindings", "cmk"),
            Map.entry("cluster_infrastructure_aeks", "dataplane"),
            Map.entry("cmk_key_health", "keyhealth"),
            Map.entry("cluster_workspaces", "clusters"),
            Map.entry("kusto_attached_database_configurations", "kusto"),
            Map.entry("workspaces", "workspaces"),
            Map.entry("workspace_link_events", "workspaces"),
            Map.entry("workspace_platform_aeks", "dataplane"),
            Map.entry("data_blocks", "dataplane"),
            Map.entry("data_dropped_records", "dataplane"),
            Map.entry("workspace_linked_storage_accounts", "linkedstorage"),
            Map.entry("workspace_saved_searches", "linkedstorage"),
            Map.entry("lockbox_tenants", "lockbox"),
            Map.entry("lockbox_requests", "lockbox"),
            Map.entry("lockbox_events", "lockbox"),
            Map.entry("user_assigned_identities", "managedidentity"));

    /** Tables the test handler of {@code arm} uses; AsyncOperationsTest and OperationsProcessTest create them. */
    private static final Set<String> TEST_TABLES = Set.of("scripted_operation_attempts", "scripted_operation_effects");

    /** {@code file: table} of another package, each being removed by other work of issue 10; delete an entry when it is gone. */
    private static final Set<String> KNOWN_FOREIGN_TABLES = Set.of();

    private static final Pattern PACKAGE = Pattern.compile("^package io\\.keyward\\.app\\.([\\w.]+);", Pattern.MULTILINE);
    /** An import or a qualified name of another app class: the package is the part before the first capitalised name. */
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.keyward\\.app\\.((?:[a-z]\\w*\\.)*[a-z]\\w*)\\.[A-Z]");
    /** SQL keywords are upper case in this code base; the table name follows. */
    private static final Pattern SQL_TABLE = Pattern.compile("\\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\\s+([a-z_][a-z0-9_]*)\\b");
    private static final Pattern MAPPED_ENTITY = Pattern.compile("@MappedEntity\\(\\s*\"([a-z_][a-z0-9_]*)\"");

    @Test
    void packagesDependOnEachOtherWithoutCycles() {
        Map<String, Set<String>> graph = dependencies();
        Set<String> gone = new TreeSet<>();
        for (String edge : KNOWN_CYCLE_EDGES) {
            String[] ends = edge.split(" -> ");
            if (!graph.getOrDefault(ends[0], Set.of()).remove(ends[1])) {
                gone.add(edge);
            }
        }
        assertThat(gone).as("dependencies of KNOWN_CYCLE_EDGES that no longer exist: delete them from the list").isEmpty();
        assertThat(cycles(graph)).as("package cycles (each set depends on itself through the others)").isEmpty();
    }

    /** The check itself: a cycle planted in a copy of the graph is found. */
    @Test
    void aCycleIsFound() {
        Map<String, Set<String>> graph = dependencies();
        graph.computeIfAbsent("base", p -> new HashSet<>()).add("retention");
        assertThat(cycles(graph)).anySatisfy(cycle -> assertThat(cycle).contains("base", "retention"));
    }

    @Test
    void everyTableHasOneOwnerAndNoOtherPackageNamesIt() {
        Set<String> tables = schemaTables();
        assertThat(tables).as("tables of schema/ without an owner in OWNERS").isSubsetOf(OWNERS.keySet());
        assertThat(OWNERS.keySet()).as("OWNERS naming tables schema/ does not have").isSubsetOf(tables);

        Set<String> foreign = new TreeSet<>();
        Set<String> named = new HashSet<>();
        SOURCES.forEach((file, source) -> {
            String pkg = packageOf(source);
            Set<String> used = tablesNamed(source);
            named.addAll(used);
            for (String table : used) {
                String owner = TEST_TABLES.contains(table) ? "arm" : OWNERS.get(table);
                if (owner != null && !owner.equals(pkg)) {
                    foreign.add(file + ": " + table);
                }
            }
        });
        Set<String> gone = new TreeSet<>(KNOWN_FOREIGN_TABLES);
        gone.removeAll(foreign);
        assertThat(gone).as("KNOWN_FOREIGN_TABLES no longer found: delete them from the list").isEmpty();
        foreign.removeAll(KNOWN_FOREIGN_TABLES);
        assertThat(foreign).as("tables named by a package that does not own them: call the owner's service").isEmpty();
        assertThat(named).as("the scan finds SQL at all").contains("async_operations", "vaults", "data_blocks", "cmk_resources");
    }

    @Test
    void onlyRepositoriesHandleJdbcConnections() {
        List<String> found = new ArrayList<>();
        SOURCES.forEach((name, source) -> {
            boolean repository = name.endsWith("Repository.java") || name.equals("base/SqlTransactions.java");
            if (!repository && source.contains("java.sql.Connection")) {
                found.add(name);
            }
        });
        assertThat(found).as("java.sql.Connection outside repositories: let repositories join the current transaction").isEmpty();
    }

    // --- reading the tree

    /** Every source file of the app, by its path under io/keyward/app, read once. */
    private static final Map<String, String> SOURCES = readSources();

    private static Map<String, String> readSources() {
        Map<String, String> sources = new TreeMap<>();
        try (Stream<Path> files = Files.walk(APP)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
                sources.put(APP.relativize(file).toString().replace('\\', '/'), Files.readString(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sources;
    }

    private static String packageOf(String source) {
        Matcher m = PACKAGE.matcher(source);
        assertThat(m.find()).as("a package declaration").isTrue();
        return m.group(1);
    }

    /** package -> the app packages it names (imports and qualified names), without itself. */
    private static Map<String, Set<String>> dependencies() {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String source : SOURCES.values()) {
            String pkg = packageOf(source);
            Set<String> deps = graph.computeIfAbsent(pkg, p -> new HashSet<>());
            Matcher m = REFERENCE.matcher(source);
            while (m.find()) {
                if (!m.group(1).equals(pkg)) {
                    deps.add(m.group(1));
                }
            }
        }
        assertThat(graph).as("the source tree was found").containsKeys("arm", "base", "engine");
        return graph;
    }

    /** The strongly connected components with more than one package (Tarjan). */
    private static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new HashSet<>();
        List<Set<String>> found = new ArrayList<>();
        for (String start : graph.keySet()) {
            if (!index.containsKey(start)) {
                connect(start, graph, index, low, stack, onStack, found);
            }
        }
        found.sort(Comparator.comparing(Set::toString));
        return found;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index, Map<String, Integer> low,
                                Deque<String> stack, Set<String> onStack, List<Set<String>> found) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, onStack, found);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                found.add(component);
            }
        }
    }

    /** The tables the SQL in a source file names: in its string literals after a keyword, and its mapped entities. */
    private static Set<String> tablesNamed(String source) {
        Set<String> tables = new TreeSet<>();
        Matcher sql = SQL_TABLE.matcher(String.join(" ", literals(source)));
        while (sql.find()) {
            tables.add(sql.group(1));
        }
        Matcher entity = MAPPED_ENTITY.matcher(source);
        while (entity.find()) {
            tables.add(entity.group(1));
        }
        tables.retainAll(knownTables());
        return tables;
    }

    private static Set<String> knownTables() {
        Set<String> all = new HashSet<>(OWNERS.keySet());
        all.addAll(TEST_TABLES);
        return all;
    }

    /** The contents of the string literals and text blocks of Java source, comments skipped. */
    private static List<String> literals(String source) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end;
                out.add(source.substring(i + 3, end));
                i = end + 3;
            } else if (c == '"' || c == '\'') {
                StringBuilder text = new StringBuilder();
                int j = i + 1;
                while (j < n && source.charAt(j) != c) {
                    if (source.charAt(j) == '\\') {
                        j++;
                    }
                    if (j < n) {
                        text.append(source.charAt(j));
                    }
                    j++;
                }
                if (c == '"') {
                    out.add(text.toString());
                }
                i = j + 1;
            } else {
                i++;
            }
        }
        return out;
    }

    /** The tables that exist after every migration of schema/: created, renamed and dropped in version order. */
    private static Set<String> schemaTables() {
        Pattern create = Pattern.compile("(?i)\\bCREATE TABLE\\s+(?:IF NOT EXISTS\\s+)?([a-z_][a-z0-9_]*)");
        Pattern rename = Pattern.compile("(?i)\\bALTER TABLE\\s+([a-z_][a-z0-9_]*)\\s+RENAME TO\\s+([a-z_][a-z0-9_]*)");
        Pattern drop = Pattern.compile("(?i)\\bDROP TABLE\\s+(?:IF EXISTS\\s+)?([a-z_][a-z0-9_]*)");
        Set<String> tables = new TreeSet<>();
        List<Path> migrations;
        try (Stream<Path> files = Files.list(MIGRATIONS)) {
            migrations = files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql"))
                    .sorted(Comparator.comparingInt(f -> Integer.parseInt(f.getFileName().toString().replaceAll("^V(\\d+)__.*", "$1"))))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(migrations).as("migrations under " + MIGRATIONS).isNotEmpty();
        for (Path migration : migrations) {
            String sql;
            try {
                sql = Files.readString(migration).replaceAll("--[^\n]*", "");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Matcher statement = Pattern.compile("[^;]+").matcher(sql);
            while (statement.find()) {
                String s = statement.group();
                Matcher m;
                if ((m = create.matcher(s)).find()) {
                    tables.add(m.group(1).toLowerCase());
                } else if ((m = rename.matcher(s)).find()) {
                    tables.remove(m.group(1).toLowerCase());
                    tables.add(m.group(2).toLowerCase());
                } else if ((m = drop.matcher(s)).find()) {
                    tables.remove(m.group(1).toLowerCase());
                }
            }
        }
        return tables;
    }
}
