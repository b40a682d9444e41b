package io.keyward.azure;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Optional;

/**
 * The encrypted data plane of workspaces: ingest in the shape of the Log Analytics Data Collector API, and query.
 * Anonymous at the Functions level: the bearer token is checked by the application, like every other route.
 */
public class DataPlaneFunctions extends KeywardHttpFunction {

    private static final String LOGS = "api/workspaces/{workspaceId}/logs";

    @FunctionName("DataPlane_Ingest")
    public HttpResponseMessage ingest(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = LOGS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("DataPlane_Query")
    public HttpResponseMessage query(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = LOGS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }
}
