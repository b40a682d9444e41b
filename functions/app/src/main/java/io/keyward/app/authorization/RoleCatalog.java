package io.keyward.app.authorization;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.base.UniqueViolation;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * {@code Microsoft.Authorization}'s resources: role assignments at a subscription, resource group or resource scope, and
 * role definitions (the built-in ones read-only, custom ones per subscription). Writing an assignment needs
 * {@code roleAssignments/write} at its scope (Owner, User Access Administrator), reading one {@code roleAssignments/read}
 * (any role with {@code *}{@code /read} or {@code Microsoft.Authorization/*}{@code /read}); role definitions likewise.
 */
@Singleton
class RoleCatalog {

    /** Azure's limit of role assignments per subscription. */
    static final int MAX_ASSIGNMENTS_PER_SUBSCRIPTION = 4000;
    static final int MAX_CUSTOM_ROLES_PER_SUBSCRIPTION = 5000;
    static final Set<String> PRINCIPAL_TYPES = Set.of("User", "Group", "ServicePrincipal", "ForeignGroup", "Device");

    private final Authorization authorization;
    private final RoleAssignmentRepository assignments;
    private final RoleDefinitionRepository definitions;
    private final IdentityService identities;
    private final boolean entra;
    private final Clock clock;

    RoleCatalog(Authorization authorization, RoleAssignmentRepository assignments, RoleDefinitionRepository definitions,
                IdentityService identities, io.keyward.app.identity.IdentityProperties identityProperties, Clock clock) {
        this.authorization = authorization;
        this.assignments = assignments;
        this.definitions = definitions;
        this.identities = identities;
        this.entra = identityProperties.entra();
        this.clock = clock;
    }

    /** What a PUT asks for. */
    record AssignmentRequest(UUID roleDefinitionId, UUID principalId, String principalType, @Nullable String description) {
    }

    record Saved<T>(T value, boolean created) {
    }

    // --- role assignments

    @Transactional
    Saved<RoleAssignment> putAssignment(Scope scope, UUID name, AssignmentRequest request, Principal caller) {
        authorization.require(scope, caller, "Microsoft.Authorization/roleAssignments/write", false);
        RoleDefinition role = definition(scope, request.roleDefinitionId())
                .filter(r -> r.assignableAt(scope))
                .orElseThrow(() -> new ArmException(ArmErrorCode.RoleDefinitionDoesNotExist, "The specified role definition with ID '"
                        + request.roleDefinitionId() + "' does not exist.", "properties.roleDefinitionId"));
        if (!entra && identities.findPrincipal(caller.tenantId(), request.principalId().toString()).isEmpty()) {
            throw new ArmException(ArmErrorCode.PrincipalNotFound, "Principal " + request.principalId().toString().replace("-", "")
                    + " does not exist in the directory " + caller.tenantId() + ". Check that you have the correct principal ID.",
                    "properties.principalId");
        }
        Optional<RoleAssignmentRepository.Row> existing = assignments.findById(name);
        Instant now = clock.instant();
        if (existing.isPresent()) {
            RoleAssignmentRepository.Row e = existing.get();
            boolean same = Scope.parse(e.scope()).orElseThrow().equals(scope) && e.roleDefinitionId().equals(role.id())
                    && e.principalId().equals(request.principalId());
            if (!same) {
                throw new ArmException(ArmErrorCode.RoleAssignmentUpdateNotPermitted, "Tenant ID, application ID, principal ID, and"
                        + " scope are not allowed to be updated.");
            }
            assignments.updateDescription(name, request.description(), now, caller.objectId());
            return new Saved<>(RoleAssignment.of(assignments.findById(name).orElseThrow()), false);
        }
        if (assignments.findGrant(scope.toString(), role.id(), request.principalId()).isPresent()) {
            throw new ArmException(ArmErrorCode.RoleAssignmentExists, "The role assignment already exists.");
        }
        if (assignments.countIn(scope.subscriptionId()) >= MAX_ASSIGNMENTS_PER_SUBSCRIPTION) {
            throw new ArmException(ArmErrorCode.RoleAssignmentLimitExceeded, "No more role assignments can be created: the subscription"
                    + " has reached its limit of " + MAX_ASSIGNMENTS_PER_SUBSCRIPTION + ".");
        }
        int inserted = assignments.insert(name, scope.subscriptionId(), scope.toString(), role.id(), request.principalId(),
                request.principalType(), request.description(), now, now, caller.objectId(), caller.objectId());
        if (inserted == 0) {
            // a concurrent PUT of the same grant or name won
            throw new ArmException(ArmErrorCode.RoleAssignmentExists, "The role assignment already exists.");
        }
        return new Saved<>(RoleAssignment.of(assignments.findById(name).orElseThrow()), true);
    }

    @Transactional
    RoleAssignment getAssignment(Scope scope, UUID name, Principal caller) {
        authorization.require(scope, caller, "Microsoft.Authorization/roleAssignments/read", false);
        return assignments.findById(name).map(RoleAssignment::of).filter(a -> a.scope().equals(scope))
                .orElseThrow(() -> assignmentNotFound(name));
    }

    /** The deleted assignment; empty when there was none (ARM answers 204). */
    @Transactional
    Optional<RoleAssignment> deleteAssignment(Scope scope, UUID name, Principal caller) {
        if (!authorization.require(scope, caller, "Microsoft.Authorization/roleAssignments/delete", false)) {
            return Optional.empty();
        }
        Optional<RoleAssignment> found = assignments.findById(name).map(RoleAssignment::of).filter(a -> a.scope().equals(scope));
        found.ifPresent(a -> assignments.delete(a.id()));
        return found;
    }

    /**
     * Assignments that concern {@code scope}, as Azure lists them: those at it, above it and below it; with
     * {@code atScope} only those at or above it (they apply there); with {@code principalId} only that principal's.
     */
    @Transactional
    List<RoleAssignment> listAssignments(Scope scope, boolean atScope, @Nullable UUID principalId, Principal caller) {
        if (!authorization.require(scope, caller, "Microsoft.Authorization/roleAssignments/read", false)) {
            return List.of();
        }
        Predicate<RoleAssignment> where = a -> a.scope().covers(scope) || (!atScope && scope.covers(a.scope()));
        return assignments.inSubscription(scope.subscriptionId()).stream().map(RoleAssignment::of).filter(where)
                .filter(a -> principalId == null || a.principalId().equals(principalId)).toList();
    }

    static ArmException assignmentNotFound(UUID name) {
        return new ArmException(ArmErrorCode.RoleAssignmentNotFound, "The role assignment '" + name + "' is not found.");
    }

    // --- role definitions

    /** A built-in role, or a custom role of the scope's subscription. */
    Optional<RoleDefinition> definition(Scope scope, UUID id) {
        return BuiltInRoles.byId(id).or(() -> definitions.findById(id).filter(r -> r.subscriptionId().equals(scope.subscriptionId()))
                .map(RoleDefinitionRepository.Row::definition));
    }

    @Transactional
    RoleDefinition getDefinition(Scope scope, UUID id, Principal caller) {
        authorization.require(scope, caller, "Microsoft.Authorization/roleDefinitions/read", false);
        return definition(scope, id).orElseThrow(() -> definitionNotFound(id));
    }

    /** Built-in roles and the subscription's custom roles assignable at {@code scope}, filtered by name or type. */
    @Transactional
    List<RoleDefinition> listDefinitions(Scope scope, @Nullable String roleName, @Nullable String type, Principal caller) {
        if (!authorization.require(scope, caller, "Microsoft.Authorization/roleDefinitions/read", false)) {
            return BuiltInRoles.ALL.stream().filter(r -> matches(r, roleName, type)).toList();
        }
        List<RoleDefinition> all = new ArrayList<>(BuiltInRoles.ALL);
        definitions.inSubscription(scope.subscriptionId()).stream().map(RoleDefinitionRepository.Row::definition)
                .filter(r -> r.assignableAt(scope)).forEach(all::add);
        return all.stream().filter(r -> matches(r, roleName, type)).toList();
    }

    private static boolean matches(RoleDefinition r, @Nullable String roleName, @Nullable String type) {
        return (roleName == null || r.roleName().equalsIgnoreCase(roleName)) && (type == null || r.type().equalsIgnoreCase(type));
    }

    /** A custom role: its assignable scopes must lie in {@code scope}'s subscription, and the caller must be able to write there. */
    @Transactional
    Saved<RoleDefinition> putDefinition(Scope scope, UUID id, String roleName, String description, List<Permission> permissions,
                                        List<String> assignableScopes, Principal caller) {
        if (BuiltInRoles.byId(id).isPresent()) {
            throw new ArmException(ArmErrorCode.BadRequest, "The role definition '" + id + "' is a built-in role; built-in roles cannot"
                    + " be changed.");
        }
        List<Scope> scopes = new ArrayList<>();
        for (String s : assignableScopes) {
            Scope parsed = Scope.parse(s).filter(p -> p.subscriptionId().equals(scope.subscriptionId()))
                    .orElseThrow(() -> new ArmException(ArmErrorCode.InvalidAssignableScope, "The assignable scope '" + s + "' is invalid:"
                            + " custom roles here are assignable within the subscription '" + scope.subscriptionId() + "' only.",
                            "properties.assignableScopes"));
            scopes.add(parsed);
        }
        authorization.require(scope, caller, "Microsoft.Authorization/roleDefinitions/write", false);
        for (Scope s : scopes) {
            authorization.require(s, caller, "Microsoft.Authorization/roleDefinitions/write", false);
        }
        Optional<RoleDefinitionRepository.Row> byName = definitions.findByName(scope.subscriptionId(), roleName)
                .filter(r -> !r.id().equals(id));
        if (byName.isPresent() || BuiltInRoles.byName(roleName).isPresent()) {
            throw new ArmException(ArmErrorCode.RoleDefinitionWithSameNameExists, "A role definition cannot be updated with a name that"
                    + " already exists.", "properties.roleName");
        }
        Instant now = clock.instant();
        Optional<RoleDefinitionRepository.Row> existing = definitions.findById(id);
        if (existing.isPresent() && !existing.get().subscriptionId().equals(scope.subscriptionId())) {
            throw new ArmException(ArmErrorCode.RoleDefinitionWithSameNameExists, "The role definition '" + id + "' belongs to another"
                    + " subscription.");
        }
        if (existing.isEmpty() && definitions.inSubscription(scope.subscriptionId()).size() >= MAX_CUSTOM_ROLES_PER_SUBSCRIPTION) {
            throw new ArmException(ArmErrorCode.RoleDefinitionLimitExceeded, "No more custom roles can be created in this subscription.");
        }
        List<String> scopeStrings = scopes.stream().map(Scope::toString).toList();
        try {
            if (existing.isPresent()) {
                RoleDefinitionRepository.Row e = existing.get();
                definitions.update(new RoleDefinitionRepository.Row(id, e.subscriptionId(), roleName, description, permissions, scopeStrings,
                        e.createdAt(), now, e.createdBy(), caller.objectId()));
            } else {
                definitions.save(new RoleDefinitionRepository.Row(id, scope.subscriptionId(), roleName, description, permissions,
                        scopeStrings, now, now, caller.objectId(), caller.objectId()));
            }
        } catch (RuntimeException e) {
            if (UniqueViolation.in(e)) {
                throw new ArmException(ArmErrorCode.RoleDefinitionWithSameNameExists, "A role definition cannot be updated with a name"
                        + " that already exists.", "properties.roleName");
            }
            throw e;
        }
        return new Saved<>(definitions.findById(id).orElseThrow().definition(), existing.isEmpty());
    }

    /** The deleted custom role; empty when there was none. A role still assigned is refused, as Azure refuses it. */
    @Transactional
    Optional<RoleDefinition> deleteDefinition(Scope scope, UUID id, Principal caller) {
        if (BuiltInRoles.byId(id).isPresent()) {
            throw new ArmException(ArmErrorCode.BadRequest, "The role definition '" + id + "' is a built-in role; built-in roles cannot"
                    + " be deleted.");
        }
        if (!authorization.require(scope, caller, "Microsoft.Authorization/roleDefinitions/delete", false)) {
            return Optional.empty();
        }
        Optional<RoleDefinition> found = definition(scope, id);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        if (assignments.countOfRole(id) > 0) {
            throw new ArmException(ArmErrorCode.RoleDefinitionHasAssignments, "There are existing role assignments referencing role"
                    + " definition '" + id + "'; delete them first.");
        }
        definitions.delete(id);
        return found;
    }

    static ArmException definitionNotFound(UUID id) {
        return new ArmException(ArmErrorCode.RoleDefinitionNotFound, "The role definition '" + id + "' could not be found.");
    }
}
