package io.keyward.azure;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import io.micronaut.azure.function.http.AzureFunctionHttpRequest;
import io.micronaut.azure.function.http.AzureFunctionHttpResponse;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.convert.ConversionService;
import io.micronaut.function.BinaryTypeConfiguration;
import io.micronaut.http.HttpHeaders;
import io.micronaut.servlet.http.BodyBuilder;
import io.micronaut.servlet.http.ServletExchange;
import java.util.Optional;

/**
 * The base of Keyward's HTTP functions: {@link io.micronaut.azure.function.http.AzureHttpFunction}'s routing into the
 * Micronaut application, the same request and response adapters and the same handler, without its per-invocation
 * costs that do nothing here. Micronaut's {@code route} looks up five beans per invocation (the conversion service
 * twice, the binary-type configuration twice, the body builder), which this class looks up once; and it ends every
 * invocation with {@code destroyBean(this)}, which only finds the function object among the context's singletons
 * (the first function class registers itself as one; nothing injects it) and, after the first call, finds nothing.
 */
public abstract class KeywardHttpFunction extends io.micronaut.azure.function.http.AzureHttpFunction {

    private final ConversionService conversion;
    private final BinaryTypeConfiguration binaryTypes;
    private final BodyBuilder bodies;

    protected KeywardHttpFunction() {
        ApplicationContext context = httpHandler.getApplicationContext();
        this.conversion = context.getBean(ConversionService.class);
        this.binaryTypes = context.getBean(BinaryTypeConfiguration.class);
        this.bodies = context.getBean(BodyBuilder.class);
    }

    @Override
    public HttpResponseMessage route(HttpRequestMessage<Optional<String>> request, ExecutionContext executionContext) {
        AzureFunctionHttpRequest<?> adapted = new AzureFunctionHttpRequest<>(request,
                new AzureFunctionHttpResponse<>(request, conversion, binaryTypes), executionContext, conversion, binaryTypes, bodies);
        ServletExchange<HttpRequestMessage<Optional<String>>, HttpResponseMessage> exchange = httpHandler.exchange(adapted);
        // as Micronaut's route does: the Functions host frames the response itself
        exchange.getResponse().getHeaders().remove(HttpHeaders.TRANSFER_ENCODING);
        return exchange.getResponse().getNativeResponse();
    }
}
