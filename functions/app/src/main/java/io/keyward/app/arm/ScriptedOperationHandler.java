package io.keyward.app.arm;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.UUID;

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

    private final Scripts scripts;
    private final JsonMapper json;
    private final String runner = ManagementFactory.getRuntimeMXBean().getName();

    ScriptedOperationHandler(Scripts scripts, JsonMapper json) {
        this.scripts = scripts;
        this.json = json;
    }

    /** The two test tables; a step's {@code run} has no transaction open, so an attempt commits on its own at once. */
    @JdbcRepository(dialect = Dialect.POSTGRES)
    @Requires(property = "keyward.operations.test-handlers", value = "true")
    interface Scripts extends GenericRepository<Scripts.Effect, UUID> {

        @MappedEntity("scripted_operation_effects")
        record Effect(@Id UUID operationId, int step, String runner) {
        }

        @Query("INSERT INTO scripted_operation_attempts (operation_id, step, runner) VALUES (:id, :step, :runner)")
        void attempt(UUID id, int step, String runner);

        @Query("SELECT count(*) FROM scripted_operation_attempts WHERE operation_id = :id AND step = :step")
        int attempts(UUID id, int step);

        @Query("INSERT INTO scripted_operation_effects (operation_id, step, runner) VALUES (:id, :step, :runner)")
        void effect(UUID id, int step, String runner);
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
        scripts.attempt(op.id(), step, runner);
        int attempt = scripts.attempts(op.id(), step);
        if (is(script.slowStep(), step) && attempt == 1) {
            Thread.sleep(script.slowMillis() == null ? 1000 : script.slowMillis());
        }
        return new StepResult.InTransaction(() -> {
            scripts.effect(op.id(), step, runner);
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
    public void abandoned(AsyncOperation op) {
        scripts.effect(op.id(), -1, runner);
    }

    private static boolean is(@Nullable Integer wanted, int step) {
        return wanted != null && wanted == step;
    }
}
