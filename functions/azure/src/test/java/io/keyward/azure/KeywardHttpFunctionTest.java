package io.keyward.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.HttpStatusType;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The entry points route a path with empty segments ({@code //subscriptions/...}, which az sends when the cloud's ARM
 * endpoint ends in a slash) into the app with the segments merged, as the local host does: the Functions host hands such
 * a request to the catch-all function unmerged (docs/deployment.md), so the merge is the entry points' own.
 */
class KeywardHttpFunctionTest {

    @Test
    void emptySegmentsAreMergedAndNothingElseChanges() {
        Request doubled = new Request(URI.create("https://kw.example.net//subscriptions//abc/resourceGroups/g?api-version=2024-11-01&$filter=a%2Fb"));
        HttpRequestMessage<Optional<String>> merged = KeywardHttpFunction.withMergedSlashes(doubled);
        assertThat(merged.getUri()).hasToString("https://kw.example.net/subscriptions/abc/resourceGroups/g?api-version=2024-11-01&$filter=a%2Fb");
        assertThat(merged.getUri().getRawQuery()).isEqualTo(doubled.getUri().getRawQuery());
        assertThat(merged.getHttpMethod()).isEqualTo(HttpMethod.PUT);
        assertThat(merged.getHeaders()).isSameAs(doubled.getHeaders());
        assertThat(merged.getQueryParameters()).isSameAs(doubled.getQueryParameters());
        assertThat(merged.getBody()).contains("{}");
    }

    @Test
    void aPathWithoutEmptySegmentsIsTheRequestItself() {
        Request plain = new Request(URI.create("https://kw.example.net/metadata/endpoints?api-version=2022-09-01"));
        assertThat(KeywardHttpFunction.withMergedSlashes(plain)).isSameAs(plain);
        // a slash in a query value is not a path segment
        Request inQuery = new Request(URI.create("https://kw.example.net/x?next=https://a//b"));
        assertThat(KeywardHttpFunction.withMergedSlashes(inQuery)).isSameAs(inQuery);
        // percent-encoded slashes stay encoded (they are data, not segments)
        Request encoded = new Request(URI.create("https://kw.example.net//keys/a%2F%2Fb"));
        assertThat(KeywardHttpFunction.withMergedSlashes(encoded).getUri().getRawPath()).isEqualTo("/keys/a%2F%2Fb");
    }

    /** Every HTTP-triggered function goes through the merge: its class extends KeywardHttpFunction and does not override route. */
    @Test
    void everyHttpEntryPointExtendsTheMergingBase() throws Exception {
        List<String> problems = new ArrayList<>();
        int functions = 0;
        for (Class<?> c : entryPointClasses()) {
            for (Method m : c.getDeclaredMethods()) {
                boolean http = m.isAnnotationPresent(FunctionName.class) && Arrays.stream(m.getParameters())
                        .map(Parameter::getAnnotations).flatMap(Arrays::stream).anyMatch(a -> a instanceof HttpTrigger);
                if (!http) {
                    continue;
                }
                functions++;
                if (!KeywardHttpFunction.class.isAssignableFrom(c)) {
                    problems.add(c.getSimpleName() + " (" + m.getAnnotation(FunctionName.class).value() + ") does not extend KeywardHttpFunction");
                }
            }
            for (Method m : c.getDeclaredMethods()) {
                if (m.getName().equals("route") && c != KeywardHttpFunction.class) {
                    problems.add(c.getSimpleName() + " overrides route");
                }
            }
        }
        assertThat(functions).as("HTTP functions found").isGreaterThan(50);
        assertThat(problems).isEmpty();
    }

    private static List<Class<?>> entryPointClasses() throws IOException, ClassNotFoundException {
        Path dir = Path.of(KeywardHttpFunction.class.getProtectionDomain().getCodeSource().getLocation().getPath(), "io", "keyward", "azure");
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().contains("$")).toList()) {
                String name = f.getFileName().toString();
                out.add(Class.forName("io.keyward.azure." + name.substring(0, name.length() - ".class".length()), false,
                        KeywardHttpFunctionTest.class.getClassLoader()));
            }
        }
        return out;
    }

    private record Request(URI uri) implements HttpRequestMessage<Optional<String>> {
        private static final Map<String, String> HEADERS = Map.of("authorization", "Bearer t");
        private static final Map<String, String> QUERY = Map.of("api-version", "2024-11-01");

        @Override
        public URI getUri() {
            return uri;
        }

        @Override
        public HttpMethod getHttpMethod() {
            return HttpMethod.PUT;
        }

        @Override
        public Map<String, String> getHeaders() {
            return HEADERS;
        }

        @Override
        public Map<String, String> getQueryParameters() {
            return QUERY;
        }

        @Override
        public Optional<String> getBody() {
            return Optional.of("{}");
        }

        @Override
        public HttpResponseMessage.Builder createResponseBuilder(HttpStatus status) {
            throw new UnsupportedOperationException();
        }

        @Override
        public HttpResponseMessage.Builder createResponseBuilder(HttpStatusType status) {
            throw new UnsupportedOperationException();
        }
    }
}
