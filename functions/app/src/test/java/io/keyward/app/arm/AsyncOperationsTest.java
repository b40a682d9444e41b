package io.keyward.app.arm;

import io.keyward.app.base.SqlTransactions;
import io.keyward.app.base.ErrorEnvelope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.keyward.devenv.Databases;
import io.keyward.devenv.LocalDatabase;
import io.keyward.devenv.SoftHsmToken;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.exceptions.IllegalTransactionStateException;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Async operations on real PostgreSQL, with the scripted test handler ({@link ScriptedOperationHandler}). Runs are
 * started explicitly ({@link OperationRunner#runNow}): no timer runs in this context, so every outcome is the one a
 * test asked for. Crashes of real processes are in functions/local's OperationsProcessTest.
 */
@MicronautTest(startApplication = false, transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AsyncOperationsTest implements TestPropertyProvider {

    private static final String TENANT = "33333333-3333-3333-3333-333333333333";
    private static final String SUBSCRIPTION = "7d3f2b1a-0000-4000-8000-00000000a5c1";
    private static final String PROVIDER = "Microsoft.OperationalInsights";
    private static final Duration LEASE = Duration.ofSeconds(2);

    private LocalDatabase db;

    @Inject
    AsyncOperations operations;

    @Inject
    OperationRunner runner;

    @Inject
    AsyncOperationRepository repository;

    @Inject
    OperationsController controller;

    @Inject
    DataSource dataSource;

    @Inject
    TransactionOperations<Connection> transactions;

    @Override
    public Map<String, String> getProperties() {
        SoftHsmToken token = SoftHsmToken.init(Path.of("target/softhsm"));
        // Its own data directory: the embedded cluster is kept across runs and other tests own theirs.
        db = Databases.start(Path.of("target/postgres-operations"), System.getenv());
        return Map.ofEntries(
                Map.entry("keyward.database.url", db.jdbcUrl()),
                Map.entry("keyward.database.user", db.user()),
                Map.entry("keyward.database.password", db.password()),
                Map.entry("keyward.hsm.library", token.library().toString()),
                Map.entry("keyward.hsm.token-label", token.label()),
                Map.entry("keyward.hsm.pin", token.pin()),
                Map.entry("keyward.operations.test-handlers", "true"),
                Map.entry("keyward.operations.lease", LEASE.toMillis() + "ms"),
                Map.entry("keyward.operations.max-attempts", "3"),
                Map.entry("keyward.operations.retry-base", "100ms"),
                Map.entry("keyward.operations.retry-after", "3s"));
    }

    @BeforeAll
    void scriptTables() throws SQLException {
        try (Connection c = SqlTransactions.plain(dataSource).getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS scripted_operation_attempts (operation_id uuid, step int, runner text)");
            s.execute("CREATE TABLE IF NOT EXISTS scripted_operation_effects (operation_id uuid, step int, runner text)");
        }
    }

    @AfterAll
    void stopDatabase() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void stepsRunInOrderEachCommittedOnceAndTheOperationSucceeds() throws Exception {
        AsyncOperation started = start("{\"steps\":4}");
        assertThat(started.status()).isEqualTo(OperationStatus.Updating);
        assertThat(started.step()).isZero();
        assertThat(operations.hasActive(started.resourceId().toUpperCase())).as("resource ids are case-insensitive").isTrue();

        assertThat(runner.runNow(started.id())).contains(OperationRunner.Outcome.ENDED);

        AsyncOperation done = operations.find(started.id()).orElseThrow();
        assertThat(done.status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(done.step()).isEqualTo(4);
        assertThat(done.percentComplete()).isEqualTo(100);
        assertThat(done.endTime()).isAfterOrEqualTo(done.startTime());
        assertThat(done.error()).isNull();
        assertThat(steps(started.id())).containsExactly("0:Continue", "1:Continue", "2:Continue", "3:Succeeded");
        assertThat(effects(started.id())).containsExactly(0, 1, 2, 3);
        assertThat(operations.hasActive(started.resourceId())).isFalse();
        assertThat(runner.runNow(started.id())).as("an ended operation is never claimed again").isEmpty();
    }

    @Test
    void aFailedStepEndsTheOperationWithItsArmError() throws Exception {
        AsyncOperation started = start("{\"steps\":4,\"failStep\":1}");

        assertThat(runner.runNow(started.id())).contains(OperationRunner.Outcome.ENDED);

        AsyncOperation done = operations.find(started.id()).orElseThrow();
        assertThat(done.status()).isEqualTo(OperationStatus.Failed);
        assertThat(done.error()).isEqualTo(new ErrorEnvelope.Body("InvalidParameter", "Scripted failure at step 1."));
        assertThat(steps(started.id())).containsExactly("0:Continue", "1:Failed");
        assertThat(effects(started.id())).as("a Failed step's writes commit with it").containsExactly(0, 1);
    }

    @Test
    void retryLaterRollsBackTheStepAndRunsItAgainWhenDue() throws Exception {
        AsyncOperation started = start("{\"steps\":3,\"retryStep\":1}");

        assertThat(runner.runNow(started.id())).contains(OperationRunner.Outcome.POSTPONED);
        AsyncOperation waiting = operations.find(started.id()).orElseThrow();
        assertThat(waiting.status()).isEqualTo(OperationStatus.Updating);
        assertThat(waiting.step()).isEqualTo(1);
        assertThat(effects(started.id())).as("the postponed step's write is rolled back").containsExactly(0);

        Optional<OperationRunner.Outcome> later = poll(() -> runner.runNow(started.id()), Duration.ofSeconds(5));
        assertThat(later).contains(OperationRunner.Outcome.ENDED);
        assertThat(operations.find(started.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(attempts(started.id(), 1)).isEqualTo(2);
        assertThat(effects(started.id())).containsExactly(0, 1, 2);
        assertThat(steps(started.id())).containsExactly("0:Continue", "1:Continue", "2:Succeeded");
    }

    @Test
    void aThrowingStepIsRetriedWithBackoffThenSucceeds() throws Exception {
        AsyncOperation started = start("{\"steps\":2,\"throwStep\":0,\"throwTimes\":1}");

        assertThat(runner.runNow(started.id())).contains(OperationRunner.Outcome.POSTPONED);
        assertThat(operations.find(started.id()).orElseThrow().step()).as("still at the failed step").isZero();

        assertThat(poll(() -> runner.runNow(started.id()), Duration.ofSeconds(5))).contains(OperationRunner.Outcome.ENDED);
        assertThat(operations.find(started.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(effects(started.id())).containsExactly(0, 1);
    }

    @Test
    void aStepThatKeepsThrowingEndsFailedWithoutTheExceptionText() throws Exception {
        AsyncOperation started = start("{\"steps\":2,\"throwStep\":0}");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (operations.find(started.id()).orElseThrow().endTime() == null && System.nanoTime() < deadline) {
            runner.runNow(started.id());
            Thread.sleep(50);
        }

        AsyncOperation done = operations.find(started.id()).orElseThrow();
        assertThat(done.status()).isEqualTo(OperationStatus.Failed);
        assertThat(done.error().code()).isEqualTo("InternalServerError");
        assertThat(done.error().message()).contains("after 3 attempts").contains(started.id().toString())
                .doesNotContain("hunter2").doesNotContain("IllegalStateException");
        assertThat(attempts(started.id(), 0)).isEqualTo(3);
        assertThat(effects(started.id())).as("no attempt's write, only the handler's abandoned() record").containsExactly(-1);
        assertThat(steps(started.id())).containsExactly("0:Failed");
    }

    @Test
    void anOperationOfAnUnknownKindEndsFailedClearly() throws Exception {
        AsyncOperation started = start("nobody.knows.this", "{}");

        assertThat(runner.runNow(started.id())).contains(OperationRunner.Outcome.ENDED);

        AsyncOperation done = operations.find(started.id()).orElseThrow();
        assertThat(done.status()).isEqualTo(OperationStatus.Failed);
        assertThat(done.error().code()).isEqualTo("InternalServerError");
        assertThat(done.error().message()).contains("'nobody.knows.this'");
    }

    /** Nothing to claim is an empty answer, not a failure the runner has to swallow (and log every timer period). */
    @Test
    void claimingWhenNothingIsDueAnswersEmpty() {
        AsyncOperation started = start("{\"steps\":1}");
        assertThat(runner.runNow(started.id())).contains(OperationRunner.Outcome.ENDED);

        assertThat(repository.claim(started.id(), "runner#1", LEASE)).as("an ended operation").isEmpty();
        assertThat(repository.claim(UUID.randomUUID(), "runner#1", LEASE)).as("an unknown operation").isEmpty();
    }

    @Test
    void anExpiredLeaseLetsAnotherRunnerContinue() throws Exception {
        AsyncOperation started = start("{\"steps\":3}");
        // A runner that claimed it and died: its lease stands until it expires.
        assertThat(repository.claim(started.id(), "crashed-instance#1", Duration.ofMillis(800))).isPresent();
        assertThat(runner.runNow(started.id())).as("leased to another runner").isEmpty();

        assertThat(poll(() -> runner.runNow(started.id()), Duration.ofSeconds(5))).contains(OperationRunner.Outcome.ENDED);
        assertThat(operations.find(started.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
        assertThat(steps(started.id())).containsExactly("0:Continue", "1:Continue", "2:Succeeded");
    }

    @Test
    void aRunnerThatLostItsLeaseMidStepRollsTheStepBack() throws Exception {
        // Step 1 sleeps longer than the lease on its first attempt: runner A's lease runs out under it.
        AsyncOperation started = start("{\"steps\":3,\"slowStep\":1,\"slowMillis\":" + (LEASE.toMillis() + 1500) + "}");
        CompletableFuture<Optional<OperationRunner.Outcome>> a = CompletableFuture.supplyAsync(() -> runner.runNow(started.id()));
        poll(() -> attempts(started.id(), 1) >= 1 ? Optional.of(true) : Optional.empty(), Duration.ofSeconds(5));

        Optional<OperationRunner.Outcome> b = poll(() -> runner.runNow(started.id()), Duration.ofSeconds(LEASE.toSeconds() + 5));

        assertThat(b).contains(OperationRunner.Outcome.ENDED);
        assertThat(a.get(10, TimeUnit.SECONDS)).contains(OperationRunner.Outcome.LEASE_LOST);
        assertThat(attempts(started.id(), 1)).as("step 1 ran twice").isEqualTo(2);
        assertThat(effects(started.id())).as("but committed once: A's write was rolled back").containsExactly(0, 1, 2);
        assertThat(steps(started.id())).containsExactly("0:Continue", "1:Continue", "2:Succeeded");
        assertThat(operations.find(started.id()).orElseThrow().status()).isEqualTo(OperationStatus.Succeeded);
    }

    @Test
    void kickRunsTheOperationInTheBackground() throws Exception {
        AsyncOperation started = start("{\"steps\":2}");

        operations.kick(started.id());

        Optional<AsyncOperation> done = poll(() -> operations.find(started.id()).filter(o -> o.status().terminal()), Duration.ofSeconds(10));
        assertThat(done).map(AsyncOperation::status).contains(OperationStatus.Succeeded);
        operations.kick(UUID.randomUUID()); // unknown: nothing happens, nothing thrown
    }

    @Test
    void theStartingTransactionDecidesWhetherTheOperationExists() throws Exception {
        UUID id = transactions.executeWrite(status -> {
            UUID started = operations.start(newOperation(ScriptedOperationHandler.KIND, "{\"steps\":1}")).id();
            status.setRollbackOnly();
            return started;
        });
        assertThat(operations.find(id)).isEmpty();
    }

    @Test
    void anOperationIsNeverStartedOutsideTheTransactionOfItsStateChange() throws Exception {
        NewOperation op = newOperation(ScriptedOperationHandler.KIND, "{\"steps\":1}");
        assertThatThrownBy(() -> operations.start(op)).isInstanceOf(IllegalTransactionStateException.class);
        assertThat(operations.hasActive(op.resourceId())).as("nothing was written").isFalse();
    }

    @Test
    void acceptedSetsTheArmPollingHeaders() throws Exception {
        AsyncOperation op = start("{\"steps\":1}");
        HttpResponse<?> r = operations.accepted(HttpResponse.status(HttpStatus.ACCEPTED), op,
                URI.create("https://127.0.0.1:8443/subscriptions/x/resourceGroups/rg/providers/p/clusters/c?api-version=2022-10-01"),
                "2022-10-01");

        String base = "https://127.0.0.1:8443/subscriptions/" + SUBSCRIPTION + "/providers/" + PROVIDER + "/locations/westeurope/";
        assertThat(r.getHeaders().get("Azure-AsyncOperation")).isEqualTo(base + "operationStatuses/" + op.id() + "?api-version=2022-10-01");
        assertThat(r.getHeaders().get("Location")).isEqualTo(base + "operationResults/" + op.id() + "?api-version=2022-10-01");
        assertThat(r.getHeaders().get("Retry-After")).isEqualTo("3");
    }

    @Test
    void statusAndResultResourcesFollowTheOperation() throws Exception {
        AsyncOperation op = start("{\"steps\":2}");
        Principal owner = new Principal(TENANT, UUID.randomUUID().toString(), PrincipalType.SERVICE_PRINCIPAL, "owner");

        HttpResponse<?> running = controller.status(get(op, "operationStatuses"), owner, SUBSCRIPTION, PROVIDER, "WestEurope",
                op.id().toString());
        assertThat(running.code()).isEqualTo(200);
        OperationsController.OperationStatusBody body = (OperationsController.OperationStatusBody) running.body();
        assertThat(body.status()).isEqualTo("Updating");
        assertThat(body.name()).isEqualTo(op.id().toString());
        assertThat(body.id()).endsWith("/locations/westeurope/operationStatuses/" + op.id());
        assertThat(body.endTime()).isNull();
        HttpResponse<?> pending = controller.result(get(op, "operationResults"), owner, SUBSCRIPTION, PROVIDER, "westeurope",
                op.id().toString());
        assertThat(pending.code()).isEqualTo(202);
        assertThat(pending.getHeaders().get("Location")).contains("/operationResults/" + op.id());
        assertThat(pending.getHeaders().get("Retry-After")).isEqualTo("3");

        runner.runNow(op.id());
        body = (OperationsController.OperationStatusBody) controller.status(get(op, "operationStatuses"), owner, SUBSCRIPTION,
                PROVIDER, "westeurope", op.id().toString()).body();
        assertThat(body.status()).isEqualTo("Succeeded");
        assertThat(body.percentComplete()).isEqualTo(100);
        assertThat(body.endTime()).isNotNull();
        assertThat(controller.result(get(op, "operationResults"), owner, SUBSCRIPTION, PROVIDER, "westeurope", op.id().toString())
                .code()).isEqualTo(204);
    }

    @Test
    void aFailedOperationsResultIsItsError() throws Exception {
        AsyncOperation op = start("{\"steps\":1,\"failStep\":0}");
        runner.runNow(op.id());
        Principal owner = new Principal(TENANT, UUID.randomUUID().toString(), PrincipalType.SERVICE_PRINCIPAL, "owner");

        HttpResponse<?> r = controller.result(get(op, "operationResults"), owner, SUBSCRIPTION, PROVIDER, "westeurope",
                op.id().toString());

        assertThat(r.code()).isEqualTo(400);
        assertThat(r.body()).isEqualTo(ErrorEnvelope.of("InvalidParameter", "Scripted failure at step 0."));
    }

    @Test
    void onlyTheOperationsTenantMayReadItAndApiVersionIsRequired() throws Exception {
        AsyncOperation op = start("{\"steps\":1}");
        Principal stranger = new Principal("44444444-4444-4444-4444-444444444444", UUID.randomUUID().toString(),
                PrincipalType.SERVICE_PRINCIPAL, "stranger");
        Principal owner = new Principal(TENANT, UUID.randomUUID().toString(), PrincipalType.SERVICE_PRINCIPAL, "owner");
        String id = op.id().toString();

        assertThatThrownBy(() -> controller.status(get(op, "operationStatuses"), stranger, SUBSCRIPTION, PROVIDER, "westeurope", id))
                .isInstanceOfSatisfying(ArmException.class, e -> assertThat(e.code()).isEqualTo(ArmErrorCode.AuthorizationFailed));
        assertThatThrownBy(() -> controller.result(get(op, "operationResults"), stranger, SUBSCRIPTION, PROVIDER, "westeurope", id))
                .isInstanceOfSatisfying(ArmException.class, e -> assertThat(e.code()).isEqualTo(ArmErrorCode.AuthorizationFailed));
        assertThatThrownBy(() -> controller.status(HttpRequest.GET("/x"), owner, SUBSCRIPTION, PROVIDER, "westeurope", id))
                .isInstanceOfSatisfying(ArmException.class,
                        e -> assertThat(e.code()).isEqualTo(ArmErrorCode.MissingApiVersionParameter));
        assertThatThrownBy(() -> controller.status(get(op, "operationStatuses"), owner, SUBSCRIPTION, PROVIDER, "eastus", id))
                .isInstanceOfSatisfying(ArmException.class, e -> assertThat(e.code()).isEqualTo(ArmErrorCode.ResourceNotFound));
        assertThatThrownBy(() -> controller.status(get(op, "operationStatuses"), owner, SUBSCRIPTION, PROVIDER, "westeurope",
                UUID.randomUUID().toString()))
                .isInstanceOfSatisfying(ArmException.class, e -> assertThat(e.code()).isEqualTo(ArmErrorCode.ResourceNotFound));
        assertThatThrownBy(() -> controller.status(get(op, "operationStatuses"), owner, SUBSCRIPTION, PROVIDER, "westeurope", "not-a-guid"))
                .isInstanceOfSatisfying(ArmException.class, e -> assertThat(e.code()).isEqualTo(ArmErrorCode.ResourceNotFound));
    }

    // --- helpers

    private static HttpRequest<?> get(AsyncOperation op, String collection) {
        MutableHttpRequest<?> r = HttpRequest.GET("https://127.0.0.1:8443/subscriptions/" + SUBSCRIPTION + "/providers/" + PROVIDER
                + "/locations/westeurope/" + collection + "/" + op.id() + "?api-version=2022-10-01");
        // outside a server, requests do not parse their query string
        r.getParameters().add("api-version", "2022-10-01");
        return r;
    }

    private NewOperation newOperation(String kind, String payload) {
        String resource = "/subscriptions/" + SUBSCRIPTION + "/resourceGroups/rg/providers/" + PROVIDER + "/clusters/c"
                + UUID.randomUUID().toString().substring(0, 8);
        return new NewOperation(PROVIDER, "westeurope", SUBSCRIPTION, TENANT, resource, kind, OperationStatus.Updating, payload);
    }

    private AsyncOperation start(String payload) {
        return start(ScriptedOperationHandler.KIND, payload);
    }

    /** In a transaction of the test's own, committed before the operation is run, as a controller would. */
    private AsyncOperation start(String kind, String payload) {
        return transactions.executeWrite(status -> operations.start(newOperation(kind, payload)));
    }

    private List<String> steps(UUID id) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = SqlTransactions.plain(dataSource).getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT step, outcome FROM async_operation_steps WHERE operation_id = ? ORDER BY step")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getInt(1) + ":" + rs.getString(2));
                }
            }
        }
        return out;
    }

    /** The steps whose transactional write committed, in order, with repeats. */
    private List<Integer> effects(UUID id) throws SQLException {
        List<Integer> out = new ArrayList<>();
        try (Connection c = SqlTransactions.plain(dataSource).getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT step FROM scripted_operation_effects WHERE operation_id = ? ORDER BY step")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getInt(1));
                }
            }
        }
        return out;
    }

    private int attempts(UUID id, int step) {
        try (Connection c = SqlTransactions.plain(dataSource).getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM scripted_operation_attempts WHERE operation_id = ? AND step = ?")) {
            ps.setObject(1, id);
            ps.setInt(2, step);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first non-empty value of {@code probe}, polled every 50 ms; empty when {@code limit} passes first. */
    private static <T> Optional<T> poll(Supplier<Optional<T>> probe, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            Optional<T> v = probe.get();
            if (v.isPresent() || System.nanoTime() > deadline) {
                return v;
            }
            Thread.sleep(50);
        }
    }
}
