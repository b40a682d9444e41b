package io.keyward.app.identity;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives people running Keyward a way in: on start, unless {@code keyward.identity.operator-file} already holds
 * credentials that still sign in, registers an operator client in the default tenant and writes its credentials
 * there (mode 600). {@code ./keyward token} reads that file. Only the local host sets the property.
 */
@Singleton
@Requires(property = "keyward.identity.operator-file")
@Requires(property = "keyward.identity.mode", notEquals = "entra")
class OperatorBootstrap {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorBootstrap.class);

    @Serdeable
    record OperatorFile(String tenantId, String clientId, String clientSecret, String objectId, String authority) {
        @Override
        public String toString() {
            return "OperatorFile[tenantId=" + tenantId + ", clientId=" + clientId + ", clientSecret=<redacted>]";
        }
    }

    private final Directory directory;
    private final IdentityProperties properties;
    private final JsonMapper json;

    OperatorBootstrap(Directory directory, IdentityProperties properties, JsonMapper json) {
        this.directory = directory;
        this.properties = properties;
        this.json = json;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        try {
            ensure();
        } catch (RuntimeException e) {
            // The host still serves health and the other APIs; the operator can retry with a restart.
            LOG.error("could not set up the operator client in {} ({})", properties.operatorFile(), e.getClass().getSimpleName());
        }
    }

    /** Returns the operator's credentials, registering a new operator only when the file's no longer sign in. */
    synchronized OperatorFile ensure() {
        Path file = properties.operatorFile();
        Optional<OperatorFile> existing = read(file);
        if (existing.isPresent() && directory.signIn(existing.get().tenantId(), existing.get().clientId(),
                existing.get().clientSecret()).isPresent()) {
            requireOwnerOnly(file);
            return existing.get();
        }
        ClientCredentials c = directory.registerOperator(properties.defaultTenant(), "Keyward operator");
        OperatorFile written = new OperatorFile(c.tenantId(), c.clientId(), c.clientSecret(), c.principal().objectId(),
                properties.trimmedAuthority());
        write(file, written);
        LOG.info("registered operator client {} in tenant {}; credentials in {}", c.clientId(), c.tenantId(), file);
        return written;
    }

    private Optional<OperatorFile> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(json.readValue(Files.readAllBytes(file), OperatorFile.class));
        } catch (IOException | RuntimeException e) {
            LOG.warn("{} is unreadable; registering a new operator", file);
            return Optional.empty();
        }
    }

    /** Written to a 600 file beside the target, then moved over it: readers never see a partial or open file. */
    private void write(Path file, OperatorFile content) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path tmp = dir.resolve(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, json.writeValueAsBytes(content));
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (FileAlreadyExistsException e) {
            throw new IllegalStateException("another process is writing " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void requireOwnerOnly(Path file) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restrict " + file + " to its owner", e);
        }
    }
}
