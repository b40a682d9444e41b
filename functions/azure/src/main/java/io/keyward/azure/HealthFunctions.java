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
 * Health probes. Anonymous: load balancers and uptime checks call them without credentials, and they reveal
 * nothing beyond the token's label and model.
 */
public class HealthFunctions extends KeywardHttpFunction {

    @FunctionName("Health_Ping")
    public HttpResponseMessage ping(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "health/ping",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Health_Hsm")
    public HttpResponseMessage hsm(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "health/hsm",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }
}
