package io.keyward.azure;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import io.keyward.app.arm.OperationRunner;
import java.util.Optional;

/**
 * ARM async operations of every Keyward resource provider: the status resources that {@code Azure-AsyncOperation}
 * and {@code Location} point at (routing into the app's {@code arm.OperationsController}), and the timer that runs
 * due operations. Anonymous at the Functions level: callers authenticate with bearer tokens, checked by the app.
 */
public class OperationsFunctions extends KeywardHttpFunction {

    private static final String LOCATION = "subscriptions/{subscriptionId}/providers/{provider}/locations/{location}";

    @FunctionName("OperationStatuses_Get")
    public HttpResponseMessage status(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = LOCATION + "/operationStatuses/{operationId}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    /** HPC Cache's status resource (StorageCache's AscOperations_Get). */
    @FunctionName("AscOperations_Get")
    public HttpResponseMessage ascStatus(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = LOCATION + "/ascOperations/{operationId}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("OperationResults_Get")
    public HttpResponseMessage result(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = LOCATION + "/operationResults/{operationId}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    /**
     * Claims and runs due operations: ones whose kick was lost, whose RetryLater or backoff is over, or whose runner
     * crashed (its lease expired). The Functions runtime holds timers to one instance at a time, while kicks run on
     * whichever instance took the request: the leases, not that singleton, keep a step from running twice.
     */
    @FunctionName("Operations_Run")
    public void run(@TimerTrigger(name = "timer", schedule = "%KEYWARD_OPERATIONS_SCHEDULE%") String timerInfo,
                    ExecutionContext context) {
        getApplicationContext().getBean(OperationRunner.class).runDue();
    }
}
