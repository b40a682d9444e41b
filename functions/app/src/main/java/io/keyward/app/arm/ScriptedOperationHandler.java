package io.keyward.app.arm;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * TEST ONLY: operation kind {@value #KIND}, whose steps do what their payload scripts, so that tests can watch the
 * runner from outside (even from another process). Registered only with {@code keyward.operations.test-handlers=true},
 * which no deployment sets. The tests create its two tables (they are not part of the schema):
 * <pre>
 * scripted_operation_attempts (operation_id uuid, step int, runner text)  -- every start of a step, committed at once
 * scripted_operation_effects  (operation_id uuid, step int, runner text)  -- the step's write, in the step's transaction
 * </pre>
 * Payload: {@code {"steps":4, "slowStep":2, "slowMillis":30000, "retryStep":1, "failStep":3, "throwStep":1,
 * "throwTimes":2}}; all but {@code steps} optional. The slow step sleeps on its first attempt only, so a run that
 * was killed there goes through when it is repeated.
 */
@Singleton
@Requires(property = "keyward.operations.test-handlers", value = "true")
class ScriptedOperationHandler implements OperationHandler {

    static final String KIND = "test.scripted";

    private final DataSource dataSource;
    private final JsonMapper json;
    private final String runner = ManagementFactory.getRuntimeMXBean().getName();

    ScriptedOperationHandler(DataSource dataSource, JsonMapper json) {
        this.dataSource = SqlTransactions.plain(dataSource);
        this.json = json;
    }

    @Serdeable
    record Script(int steps, @Nullable Integer slowStep, @Nullable Long slowMillis, @Nullable Integer retryStep,
                  @Nullable Integer failStep, @Nullable Integer throwStep, @Nullable Integer throwTimes) {
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public StepResult run(AsyncOperation op) throws Exception {
        Script script = json.readValue(op.payloadJson(), Script.class);
        int step = op.step();
        int attempt = recordAttempt(op.id(), step);
        if (is(script.slowStep(), step) && attempt == 1) {
            Thread.sleep(script.slowMillis() == null ? 1000 : script.slowMillis());
        }
        return new StepResult.InTransaction(tx -> {
            try (PreparedStatement ps = tx.prepareStatement(
                    "INSERT INTO scripted_operation_effects (operation_id, step, runner) VALUES (?, ?, ?)")) {
                ps.setObject(1, op.id());
                ps.setInt(2, step);
                ps.setString(3, runner);
                ps.executeUpdate();
            }
            if (is(script.throwStep(), step) && attempt <= (script.throwTimes() == null ? Integer.MAX_VALUE : script.throwTimes())) {
                throw new IllegalStateException("scripted failure with internal detail: password=hunter2");
            }
            if (is(script.retryStep(), step) && attempt == 1) {
                return new StepResult.RetryLater(Duration.ofMillis(200), "scripted retry");
            }
            if (is(script.failStep(), step)) {
                return new StepResult.Failed(ArmErrorCode.InvalidParameter, "Scripted failure at step " + step + ".");
            }
            if (step + 1 >= script.steps()) {
                return new StepResult.Succeeded(null);
            }
            return new StepResult.Continue(null, (step + 1) * 100 / script.steps());
        });
    }

    /** Step -1 in the effects table: the runner gave up on the operation. */
    @Override
    public void abandoned(AsyncOperation op, StepContext ctx) throws SQLException {
        try (PreparedStatement ps = ctx.connection().prepareStatement(
                "INSERT INTO scripted_operation_effects (operation_id, step, runner) VALUES (?, -1, ?)")) {
            ps.setObject(1, op.id());
            ps.setString(2, runner);
            ps.executeUpdate();
        }
    }

    private static boolean is(@Nullable Integer wanted, int step) {
        return wanted != null && wanted == step;
    }

    /** Committed on its own connection, so it survives the step's rollback: it counts how often a step started. */
    private int recordAttempt(UUID id, int step) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO scripted_operation_attempts (operation_id, step, runner) VALUES (?, ?, ?)")) {
                ps.setObject(1, id);
                ps.setInt(2, step);
                ps.setString(3, runner);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM scripted_operation_attempts WHERE operation_id = ? AND step = ?")) {
                ps.setObject(1, id);
                ps.setInt(2, step);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        }
    }
}
