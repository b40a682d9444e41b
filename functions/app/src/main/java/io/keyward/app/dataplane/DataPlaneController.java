package io.keyward.app.dataplane;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The data plane of a workspace, addressed by its workspace id (customerId). Ingest takes the shape of the Log
 * Analytics HTTP Data Collector API ({@code Log-Type} = table, optional {@code time-generated-field}, a JSON array of
 * records); query returns a table's records in a time range, newest first. Bearer tokens of the ARM audience; the
 * caller's tenant must own the workspace.
 */
@Controller("/api/workspaces/{workspaceId}/logs")
@Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.ALL})
class DataPlaneController {

    /** An open end of a time range: the far past and far future PostgreSQL's timestamptz holds. */
    private static final Instant NO_START = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant NO_END = Instant.parse("9999-12-31T23:59:59Z");

    private final DataPlaneService dataPlane;
    private final Clock clock;

    DataPlaneController(DataPlaneService dataPlane, Clock clock) {
        this.clock = clock;
        this.dataPlane = dataPlane;
    }

    @Post
    HttpResponse<Map<String, Object>> ingest(Principal caller, @PathVariable String workspaceId,
                                             @Header("Log-Type") @Nullable String logType,
                                             @Header("time-generated-field") @Nullable String timeGeneratedField,
                                             @Nullable @Body String body) {
        DataPlaneService.Ingested done = dataPlane.ingest(workspaceId(workspaceId), caller, logType, timeGeneratedField, body);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("records", done.records());
        out.put("blocks", done.blocks());
        out.put("key", done.keyKind());
        if (done.buffered()) {
            // the cluster's vault is out: kept under the platform key, re-sealed under the cluster's once it is back
            out.put("buffered", true);
        }
        return HttpResponse.ok(out);
    }

    @Get
    HttpResponse<Map<String, Object>> query(Principal caller, @PathVariable String workspaceId, @QueryValue @Nullable String table,
                                            @QueryValue @Nullable String from, @QueryValue @Nullable String to,
                                            @QueryValue @Nullable String timespan, @QueryValue @Nullable Integer limit) {
        Instant now = clock.instant();
        Instant start = NO_START;
        Instant end = NO_END;
        if (timespan != null && !timespan.isBlank()) {
            try {
                start = now.minus(Duration.parse(timespan));
                end = now;
            } catch (DateTimeParseException e) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "timespan '" + timespan + "' is not an ISO 8601 duration (e.g. PT1H).",
                        "timespan");
            }
        }
        if (from != null && !from.isBlank()) {
            start = instant(from, "from");
        }
        if (to != null && !to.isBlank()) {
            end = instant(to, "to");
        }
        List<Map<String, Object>> records = dataPlane.query(workspaceId(workspaceId), caller, table, start, end, limit);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("table", table);
        out.put("count", records.size());
        out.put("records", records);
        return HttpResponse.ok(out);
    }

    private static UUID workspaceId(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The workspace id '" + text + "' is not a GUID.", "workspaceId");
        }
    }

    private static Instant instant(String text, String name) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new ArmException(ArmErrorCode.InvalidParameter, name + " '" + text + "' is not an ISO 8601 date and time.", name);
        }
    }
}
