package io.keyward.app.arm;

import io.keyward.app.base.ErrorEnvelope;
import io.keyward.hsm.HsmException;
import io.micronaut.data.exceptions.DataAccessException;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one fallback for whatever no other handler answers: the HSM or the database out of reach is 503 with
 * {@code Retry-After}; a value PostgreSQL cannot store (SQLSTATE class 22) is the caller's 400; anything else is a generic
 * 500 that names the request id. The body never carries the exception's text, class, SQL state or a library path; the log
 * line names the request id and the exception types (their messages can quote input and SQL), with the stack frames.
 */
@Produces
@Singleton
class UnexpectedErrors implements ExceptionHandler<Exception, HttpResponse<ErrorEnvelope>> {

    private static final Logger LOG = LoggerFactory.getLogger(UnexpectedErrors.class);
    /** Connection, resources, operator intervention, serialization and deadlock: the database, not the request. */
    private static final Set<String> UNAVAILABLE_CLASSES = Set.of("08", "53", "57", "58", "40", "XX");

    @Override
    public HttpResponse<ErrorEnvelope> handle(HttpRequest request, Exception exception) {
        String id = RequestIds.of(request);
        Kind kind = classify(exception);
        String types = types(exception);
        switch (kind) {
            case BAD_VALUE -> LOG.info("request {} {}: a value could not be stored ({})", id, request.getMethodName(), types);
            case UNAVAILABLE -> LOG.warn("request {} {}: a dependency is unavailable ({})", id, request.getMethodName(), types);
            default -> LOG.error("request {} {} {} failed unexpectedly ({})", id, request.getMethodName(), request.getPath(), types,
                    withoutMessages(exception));
        }
        return switch (kind) {
            case BAD_VALUE -> HttpResponse.<ErrorEnvelope>status(HttpStatus.BAD_REQUEST).body(ErrorEnvelope.of("BadRequest",
                    "The request contains a value that cannot be stored (a control character, or text where a number belongs)."));
            case UNAVAILABLE -> HttpResponse.<ErrorEnvelope>status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", "5")
                    .body(ErrorEnvelope.of("ServiceUnavailable", "The service cannot answer now; retry in a few seconds. Request id " + id + "."));
            case UNEXPECTED -> HttpResponse.<ErrorEnvelope>status(HttpStatus.INTERNAL_SERVER_ERROR).body(internal(id));
        };
    }

    static ErrorEnvelope internal(String requestId) {
        return ErrorEnvelope.of("InternalServerError", "The request failed due to an internal error. Retry it; if it keeps failing,"
                + " contact support with the request id " + requestId + ".");
    }

    private enum Kind { BAD_VALUE, UNAVAILABLE, UNEXPECTED }

    private static Kind classify(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HsmException) {
                return Kind.UNAVAILABLE;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().length() >= 2) {
                String cls = sql.getSQLState().substring(0, 2);
                return cls.equals("22") ? Kind.BAD_VALUE : UNAVAILABLE_CLASSES.contains(cls) ? Kind.UNAVAILABLE : Kind.UNEXPECTED;
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DataAccessException || t.getClass().getName().startsWith("io.micronaut.data.connection.exceptions")) {
                return Kind.UNAVAILABLE;
            }
        }
        return Kind.UNEXPECTED;
    }

    /** {@code IllegalStateException <- PSQLException(22021)}: the chain of types, SQL states, never messages. */
    private static String types(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(b.length() == 0 ? "" : " <- ").append(t.getClass().getSimpleName());
            if (t instanceof SQLException sql) {
                b.append('(').append(sql.getSQLState()).append(')');
            }
            if (t instanceof HsmException hsm) {
                b.append('(').append(hsm.failure()).append(')');
            }
        }
        return b.toString();
    }

    /** The stack frames of {@code e} and its causes, under a throwable that carries no message. */
    private static Throwable withoutMessages(Throwable e) {
        Throwable cause = e.getCause() == null || e.getCause() == e ? null : withoutMessages(e.getCause());
        Throwable copy = new Throwable(e.getClass().getName(), cause, false, true) {
        };
        copy.setStackTrace(e.getStackTrace());
        return copy;
    }
}
