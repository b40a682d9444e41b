package io.keyward.bench;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Closed-loop unwrapkey load against a host in another process (bench/coldstart.sh measures that host's memory while
 * this runs): {@code UnwrapLoad URL TOKEN BODY CLIENTS SECONDS TRUSTSTORE}.
 */
public final class UnwrapLoad {

    private UnwrapLoad() {
    }

    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        String token = args[1];
        String body = args[2];
        int clients = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        SSLContext ssl;
        try (InputStream in = Files.newInputStream(Path.of(args[5]))) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(in, "changeit".toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
        }
        List<HttpClient> http = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            http.add(HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build());
        }
        Phases.Result r = new Phases(Duration.ofSeconds(2), Duration.ofSeconds(seconds)).closedLoop("unwrapkey", clients, i -> {
            HttpResponse<String> response = http.get(i).send(HttpRequest.newBuilder(uri)
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("unwrapkey answered " + response.statusCode());
            }
        });
        System.out.printf("errors: %d%n", r.errors());
        System.exit(0);
    }
}
