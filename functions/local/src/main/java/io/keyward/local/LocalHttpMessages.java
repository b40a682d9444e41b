package io.keyward.local;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.HttpStatusType;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.logging.Logger;

/** The Functions Java library's request, response and context types, as the local host hands them to a function. */
final class LocalHttpMessages {

    private LocalHttpMessages() {
    }

    /**
     * Header names are lower-cased, as the Java worker delivers them, and looked up case-insensitively.
     */
    record Request(URI uri, HttpMethod httpMethod, Map<String, String> headers, Map<String, String> queryParameters,
                   Optional<String> body) implements HttpRequestMessage<Optional<String>> {

        @Override public URI getUri() { return uri; }
        @Override public HttpMethod getHttpMethod() { return httpMethod; }
        @Override public Map<String, String> getHeaders() { return headers; }
        @Override public Map<String, String> getQueryParameters() { return queryParameters; }
        @Override public Optional<String> getBody() { return body; }

        @Override
        public HttpResponseMessage.Builder createResponseBuilder(HttpStatus status) {
            return new ResponseBuilder(status);
        }

        @Override
        public HttpResponseMessage.Builder createResponseBuilder(HttpStatusType status) {
            return new ResponseBuilder(status);
        }
    }

    static final class ResponseBuilder implements HttpResponseMessage.Builder {
        private HttpStatusType status;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Object body;

        ResponseBuilder(HttpStatusType status) {
            this.status = status;
        }

        @Override public HttpResponseMessage.Builder status(HttpStatusType s) { this.status = s; return this; }
        @Override public HttpResponseMessage.Builder header(String name, String value) { headers.put(name, value); return this; }
        @Override public HttpResponseMessage.Builder body(Object b) { this.body = b; return this; }

        @Override
        public HttpResponseMessage build() {
            Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            h.putAll(headers);
            return new Response(status, Collections.unmodifiableMap(h), body);
        }
    }

    record Response(HttpStatusType status, Map<String, String> headers, Object body) implements HttpResponseMessage {
        @Override public HttpStatusType getStatus() { return status; }
        @Override public String getHeader(String name) { return headers.get(name); }
        @Override public Object getBody() { return body; }
    }

    record Context(String functionName, String invocationId, Logger logger) implements ExecutionContext {
        @Override public Logger getLogger() { return logger; }
        @Override public String getInvocationId() { return invocationId; }
        @Override public String getFunctionName() { return functionName; }
    }
}
