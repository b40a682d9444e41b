package io.keyward.app.engine;

import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.StepResult;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.KeyPolicy;
import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;

/**
 * What a keyed resource type supplies to the engine: only what differs between surfaces. The lifecycle (ownership, busy
 * checks, the durable key update, delete and crypto-shredding, the key-health view, the ARM operations every type has)
 * is the engine's, written once.
 *
 * @param <P> the surface's own properties, stored as one JSON object
 */
public interface Surface<P> {

    /**
     * The constants of a surface.
     *
     * @param type                the ARM resource type, as ids spell it ({@code Microsoft.Kusto/clusters})
     * @param propertiesType      the record the surface's properties are read into
     * @param apiVersions         the api-versions it accepts
     * @param keyUpdateTimeout    how long a key update keeps retrying an unreachable vault
     * @param softDeleteRetention how long a deleted resource's name stays reserved (and it can be recovered); null: no soft
     *                            delete, a delete shreds at once
     * @param pageSize            {@code $top} default of lists; 0: the surface's lists are never paged
     */
    record Definition<P>(String type, Class<P> propertiesType, ApiVersions apiVersions, Duration keyUpdateTimeout,
                         @Nullable Duration softDeleteRetention, int pageSize) {
    }

    Definition<P> definition();

    /** What the key must be for {@code resource} (sizes, region, extra access-policy permissions). */
    KeyPolicy keyPolicy(Resource<P> resource, KeyUpdate update);

    /**
     * The failed key update, with the surface's documented code and message: the core refused the key
     * ({@link Binding.Refused}), or the vault could not be reached for the key-update timeout ({@link Binding.Unreachable}).
     */
    StepResult.Failed keyUpdateFailed(Resource<P> resource, KeyUpdate update, Binding outcome);

    /** What a request does to a resource, for the surface's words when it is refused. */
    enum Request { PUT, PATCH, DELETE }

    /** Refusal of {@code request} while an operation runs on {@code resource}, in the surface's words. */
    ArmException busy(Resource<P> resource, Request request);

    /** Whether a resource in {@code phase} refuses changes and deletes (an operation runs on it). */
    default boolean refusesChangesIn(Phase phase) {
        return phase.busy();
    }

    /** 404 for {@code id}, in the surface's words. */
    default ArmException notFound(ArmResourceId id) {
        return new ArmException(ArmErrorCode.ResourceNotFound, "The Resource '" + type() + "/" + id.name() + "' under resource group '"
                + id.resourceGroup() + "' was not found.");
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

    /** The resource after its create started {@code operation} (the surface may note the operation's id). */
    default Resource<P> operationStarted(Resource<P> resource, AsyncOperation operation) {
        return resource;
    }

    /** The operation of the resource's asynchronous create, if the surface noted it ({@link #operationStarted}). */
    default java.util.Optional<java.util.UUID> createOperation(Resource<P> resource) {
        return java.util.Optional.empty();
    }

    /** Where an asynchronous create stands: ready, failed (with its message), or waiting (look again after {@code recheck}). */
    sealed interface Readiness<P> {
        record Ready<P>(Resource<P> resource) implements Readiness<P> {
        }

        record Failed<P>(Resource<P> resource, String message) implements Readiness<P> {
        }

        record Waiting<P>(Duration recheck) implements Readiness<P> {
        }
    }

    /**
     * For a surface whose creates are asynchronous ({@link KeyedResources.Created} with {@link KeyedResources#CREATE}):
     * whether {@code resource} is ready now, in the create operation's transaction; the resource returned is written.
     */
    default Readiness<P> readiness(Resource<P> resource, Instant now) {
        return new Readiness.Ready<>(resource.withPhase(Phase.Succeeded));
    }

    // --- the wire: how the engine's ARM endpoints ({@link ResourcesController}) read and show the surface's resources

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

    /** {@code POST .../{name}/{action}} (Data Explorer's stop, a cache's authorizeKeyVault): the answer's body, or null. */
    @Nullable
    default Object act(String action, ArmResourceId id, Principal caller) {
        throw new ArmException(ArmErrorCode.InvalidResourceType, "The resource type '" + type() + "' has no action '" + action + "'.");
    }

    default String type() {
        return definition().type();
    }

    /** The ARM namespace ({@code Microsoft.Kusto}). */
    default String provider() {
        return type().substring(0, type().indexOf('/'));
    }
}
