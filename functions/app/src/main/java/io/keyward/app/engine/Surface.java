package io.keyward.app.engine;

import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.StepResult;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.KeyPolicy;
import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import java.time.Duration;

/**
 * What a keyed resource type supplies to the engine: only what differs between surfaces. The lifecycle (ownership, busy
 * checks, the durable key update, delete and crypto-shredding, the key-health view) is the engine's, written once.
 *
 * @param <P> the surface's own properties, stored as one JSON object
 */
public interface Surface<P> {

    /** The ARM resource type, as ids spell it ({@code Microsoft.Kusto/clusters}). */
    String type();

    /** The record the surface's properties are read into. */
    Class<P> propertiesType();

    /** What the key must be for {@code resource} (sizes, region, extra access-policy permissions). */
    KeyPolicy keyPolicy(Resource<P> resource, KeyUpdate update);

    /** The failed key update for a refusal of the core, with the surface's documented code and message. */
    StepResult.Failed refused(Resource<P> resource, KeyUpdate update, Binding.Refused refusal);

    /** The failed key update when the vault could not be reached for {@link #keyUpdateTimeout()}. */
    StepResult.Failed unreachable(Resource<P> resource, KeyUpdate update);

    /** How long a key update keeps retrying an unreachable vault. */
    Duration keyUpdateTimeout();

    /** 404 for {@code id}, in the surface's words. */
    ArmException notFound(ArmResourceId id);

    /** What a request does to a resource, for the surface's words when it is refused. */
    enum Request { PUT, PATCH, DELETE }

    /** Whether a resource in {@code phase} refuses changes and deletes (an operation runs on it). */
    default boolean refusesChangesIn(Phase phase) {
        return phase.busy();
    }

    /** Refusal of {@code request} while an operation runs on {@code resource}, in the surface's words. */
    ArmException busy(Resource<P> resource, Request request);

    /** How long a deleted resource's name stays reserved (and it can be recovered); null: no soft delete, deletes shred at once. */
    @Nullable
    default Duration softDeleteRetention() {
        return null;
    }

    /** Refusal of a create over a soft-deleted resource whose name is still reserved. */
    default ArmException nameReserved(Resource<P> deleted) {
        throw new IllegalStateException(type() + " has no soft delete");
    }

    /** Whether the key-health poller checks the resource's key now (not while it is stopped, say). */
    default boolean polled(Resource<P> resource) {
        return true;
    }

    /** The resource after its key update bound {@code update}: the engine has set the key; the surface adds its own. */
    default Resource<P> keyBound(Resource<P> resource, KeyUpdate update) {
        return resource;
    }

    /** The resource after its key update failed or was abandoned: it keeps its key; the engine has set the phase. */
    default Resource<P> keyFailed(Resource<P> resource) {
        return resource;
    }

    /** The resource after its create started {@code operation} (the surface may note the operation's id). */
    default Resource<P> operationStarted(Resource<P> resource, AsyncOperation operation) {
        return resource;
    }

    /** Where an asynchronous create stands: ready, failed (with its message), or waiting (look again after {@code recheck}). */
    sealed interface Readiness<P> {
        record Ready<P>(Resource<P> resource) implements Readiness<P> {
        }

        record Failed<P>(Resource<P> resource, String message) implements Readiness<P> {
        }

        record Waiting<P>(java.time.Duration recheck) implements Readiness<P> {
        }
    }

    /**
     * For a surface whose creates are asynchronous ({@link KeyedResources.Created} with {@link KeyedResources#CREATE}):
     * whether {@code resource} is ready now, in the create operation's transaction; the resource returned is written.
     */
    default Readiness<P> readiness(Resource<P> resource, java.time.Instant now) {
        return new Readiness.Ready<>(resource.withPhase(Phase.Succeeded));
    }

    // --- the wire: how the engine's ARM endpoints ({@link ResourcesController}) read and show the surface's resources

    /** The api-versions the surface accepts. */
    ApiVersions apiVersions();

    /** The resource's name from a path, checked against the surface's naming rules (its 400 otherwise). */
    String name(String name);

    /** A PUT: create or replace, from the request body as sent. */
    KeyedResources.Saved<P> put(ArmResourceId id, @Nullable String body, Principal caller);

    /** A PATCH, from the request body as sent. */
    KeyedResources.Saved<P> patch(ArmResourceId id, @Nullable String body, Principal caller);

    /** The resource as answers to PUT, PATCH and lists show it. */
    Object out(Resource<P> resource);

    /** The resource as a GET of it shows it (with its key health, say). */
    default Object outOne(Resource<P> resource) {
        return out(resource);
    }

    /** Page size of lists ({@code $top} default; 0: the surface's lists are never paged). */
    default int pageSize() {
        return 100;
    }

    /** The ARM namespace ({@code Microsoft.Kusto}). */
    default String provider() {
        return type().substring(0, type().indexOf('/'));
    }
}
