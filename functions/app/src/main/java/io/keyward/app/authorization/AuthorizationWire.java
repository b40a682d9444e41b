package io.keyward.app.authorization;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JSON of {@code Microsoft.Authorization/roleAssignments} and {@code roleDefinitions} (azure-rest-api-specs,
 * authorization resource-manager, 2022-04-01): what requests carry and what responses look like.
 */
final class AuthorizationWire {

    static final String ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments";
    static final String DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions";
    private static final Pattern ROLE_DEFINITION_ID = Pattern.compile(
            "^(?:/subscriptions/[^/]+(?:/resourceGroups/[^/]+)?)?/providers/Microsoft\\.Authorization/roleDefinitions/([0-9a-fA-F-]{36})/?$",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern GUID = Pattern.compile("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$");
    private static final int MAX_DESCRIPTION = 2048;
    private static final int MAX_ENTRIES = 1000;

    private AuthorizationWire() {
    }

    // --- role assignments

    @Serdeable
    record AssignmentBody(@Nullable AssignmentIn properties) {
    }

    @Serdeable
    record AssignmentIn(@Nullable String roleDefinitionId, @Nullable String principalId, @Nullable String principalType,
                        @Nullable String description, @Nullable String condition, @Nullable String conditionVersion,
                        @Nullable String delegatedManagedIdentityResourceId, @Nullable Boolean canDelegate) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record AssignmentOut(String id, String name, String type, AssignmentProperties properties) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record AssignmentProperties(String roleDefinitionId, String principalId, String principalType, String scope,
                                @Nullable String description, @Nullable String condition, @Nullable String conditionVersion,
                                String createdOn, String updatedOn, @Nullable String createdBy, @Nullable String updatedBy,
                                @Nullable String delegatedManagedIdentityResourceId) {
    }

    @Serdeable
    record AssignmentList(List<AssignmentOut> value) {
    }

    static UUID assignmentName(String name) {
        if (!GUID.matcher(name).matches()) {
            throw new ArmException(ArmErrorCode.InvalidRoleAssignmentId, "The role assignment ID '" + name + "' is not valid. The role"
                    + " assignment ID must be a GUID.", "roleAssignmentName");
        }
        return UUID.fromString(name);
    }

    /** Every property is applied or refused: conditions and delegation are not supported here, so they are refused by name. */
    static RoleCatalog.AssignmentRequest request(AssignmentBody body) {
        AssignmentIn p = body.properties();
        if (p == null) {
            throw new ArmException(ArmErrorCode.InvalidRequestContent, "The request content must have 'properties'.", "properties");
        }
        if (p.condition() != null && !p.condition().isBlank() || p.conditionVersion() != null && !p.conditionVersion().isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "Role assignment conditions are not supported by Keyward.",
                    "properties.condition");
        }
        if (p.delegatedManagedIdentityResourceId() != null && !p.delegatedManagedIdentityResourceId().isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "Delegated managed identities are not supported by Keyward.",
                    "properties.delegatedManagedIdentityResourceId");
        }
        if (Boolean.TRUE.equals(p.canDelegate())) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "Delegation of role assignments is not supported by Keyward.",
                    "properties.canDelegate");
        }
        UUID role = roleDefinitionId(p.roleDefinitionId());
        if (p.principalId() == null || !GUID.matcher(p.principalId()).matches()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The principal ID '" + p.principalId() + "' is not valid: a principal"
                    + " ID is the object id (a GUID) of a user, group or service principal.", "properties.principalId");
        }
        String type = p.principalType() == null ? "User" : RoleCatalog.PRINCIPAL_TYPES.stream()
                .filter(t -> t.equalsIgnoreCase(p.principalType())).findFirst()
                .orElseThrow(() -> new ArmException(ArmErrorCode.InvalidParameter, "The principal type '" + p.principalType()
                        + "' is not valid; it is one of " + String.join(", ", RoleCatalog.PRINCIPAL_TYPES.stream().sorted().toList()) + ".",
                        "properties.principalType"));
        return new RoleCatalog.AssignmentRequest(role, UUID.fromString(p.principalId()), type, description(p.description()));
    }

    static UUID roleDefinitionId(@Nullable String id) {
        Matcher m = id == null ? null : ROLE_DEFINITION_ID.matcher(id);
        if (m == null || !m.matches() || !GUID.matcher(m.group(1)).matches()) {
            throw new ArmException(ArmErrorCode.InvalidRoleDefinitionId, "The role definition ID '" + id + "' is not valid: it is"
                    + " /subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/{roleDefinitionGuid}.",
                    "properties.roleDefinitionId");
        }
        return UUID.fromString(m.group(1));
    }

    static AssignmentOut out(RoleAssignment a) {
        String id = a.scope() + "/providers/" + ASSIGNMENT_TYPE + "/" + a.id();
        return new AssignmentOut(id, a.id().toString(), ASSIGNMENT_TYPE, new AssignmentProperties(
                definitionId(a.scope().subscriptionId(), a.roleDefinitionId()), a.principalId().toString(), a.principalType(),
                a.scope().toString(), a.description(), null, null, time(a.createdOn()), time(a.updatedOn()), a.createdBy(), a.updatedBy(),
                null));
    }

    /**
     * The list filters the SDKs and the CLI send: {@code atScope()}, {@code principalId eq '{id}'}, {@code assignedTo('{id}')}
     * (the principal's own assignments: Keyward has no groups), alone or joined by {@code and}. Any other is refused.
     */
    record AssignmentFilter(boolean atScope, @Nullable UUID principalId) {
        private static final Pattern PRINCIPAL = Pattern.compile("^(?:principalId\\s+eq\\s+'([^']*)'|assignedTo\\('([^']*)'\\))$",
                Pattern.CASE_INSENSITIVE);

        static AssignmentFilter parse(@Nullable String filter) {
            if (filter == null || filter.isBlank()) {
                return new AssignmentFilter(false, null);
            }
            boolean atScope = false;
            UUID principal = null;
            for (String term : filter.trim().split("(?i)\\s+and\\s+")) {
                String t = term.trim();
                Matcher m = PRINCIPAL.matcher(t);
                if (t.equalsIgnoreCase("atScope()")) {
                    atScope = true;
                } else if (m.matches() && principal == null) {
                    String id = m.group(1) != null ? m.group(1) : m.group(2);
                    if (!GUID.matcher(id).matches()) {
                        throw invalidFilter(filter);
                    }
                    principal = UUID.fromString(id);
                } else {
                    throw invalidFilter(filter);
                }
            }
            return new AssignmentFilter(atScope, principal);
        }
    }

    // --- role definitions

    @Serdeable
    record DefinitionBody(@Nullable DefinitionIn properties) {
    }

    @Serdeable
    record DefinitionIn(@Nullable String roleName, @Nullable String description, @Nullable String type,
                        @Nullable List<Permission> permissions, @Nullable List<String> assignableScopes) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record DefinitionOut(String id, String name, String type, DefinitionProperties properties) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record DefinitionProperties(String roleName, String type, String description, List<String> assignableScopes,
                                List<Permission> permissions, @Nullable String createdOn, @Nullable String updatedOn,
                                @Nullable String createdBy, @Nullable String updatedBy) {
    }

    @Serdeable
    record DefinitionList(List<DefinitionOut> value) {
    }

    static String definitionId(String subscriptionId, UUID id) {
        return "/subscriptions/" + subscriptionId + "/providers/" + DEFINITION_TYPE + "/" + id;
    }

    static DefinitionOut out(Scope scope, RoleDefinition r) {
        return new DefinitionOut(definitionId(scope.subscriptionId(), r.id()), r.id().toString(), DEFINITION_TYPE,
                new DefinitionProperties(r.roleName(), r.type(), r.description(), r.assignableScopes(), r.permissions(),
                        r.createdOn() == null ? null : time(r.createdOn()), r.updatedOn() == null ? null : time(r.updatedOn()),
                        r.createdBy(), r.updatedBy()));
    }

    /** A custom role's definition, checked: a name, at least one permission block, well-formed entries, assignable scopes. */
    record CustomRole(String roleName, String description, List<Permission> permissions, List<String> assignableScopes) {
    }

    static CustomRole customRole(DefinitionBody body) {
        DefinitionIn p = body.properties();
        if (p == null) {
            throw new ArmException(ArmErrorCode.InvalidRequestContent, "The request content must have 'properties'.", "properties");
        }
        if (p.roleName() == null || p.roleName().isBlank() || p.roleName().length() > 512) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "A role definition needs a roleName of 1 to 512 characters.",
                    "properties.roleName");
        }
        if (p.type() != null && !p.type().equalsIgnoreCase("CustomRole")) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The role type '" + p.type() + "' is not valid: only custom roles"
                    + " (type 'CustomRole') can be defined.", "properties.type");
        }
        if (p.permissions() == null || p.permissions().isEmpty() || p.permissions().size() > 10) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "A role definition needs 1 to 10 permission blocks.",
                    "properties.permissions");
        }
        List<Permission> permissions = new ArrayList<>();
        for (Permission perm : p.permissions()) {
            if (perm == null) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "A permission block is null.", "properties.permissions");
            }
            for (List<String> entries : List.of(perm.actions(), perm.notActions(), perm.dataActions(), perm.notDataActions())) {
                if (entries.size() > MAX_ENTRIES) {
                    throw new ArmException(ArmErrorCode.InvalidActionOrNotAction, "A permission block lists more than " + MAX_ENTRIES
                            + " entries.", "properties.permissions");
                }
                for (String e : entries) {
                    if (e == null || e.length() > 512 || !Permission.ENTRY.matcher(e).matches()) {
                        throw new ArmException(ArmErrorCode.InvalidActionOrNotAction, "The action '" + e + "' is not valid: an action is"
                                + " '{Namespace}/{resourceType}/{operation}', with '*' as a wildcard.", "properties.permissions");
                    }
                }
            }
            if (perm.actions().isEmpty() && perm.dataActions().isEmpty()) {
                throw new ArmException(ArmErrorCode.InvalidActionOrNotAction, "A permission block grants nothing: it needs actions or"
                        + " dataActions.", "properties.permissions");
            }
            if (perm.dataActions().stream().anyMatch(a -> a.equals("*")) || perm.notDataActions().stream().anyMatch(a -> a.equals("*"))) {
                throw new ArmException(ArmErrorCode.InvalidActionOrNotAction, "'*' alone is not a valid data action: name the data"
                        + " actions' provider.", "properties.permissions");
            }
            permissions.add(perm);
        }
        if (p.assignableScopes() == null || p.assignableScopes().isEmpty()) {
            throw new ArmException(ArmErrorCode.InvalidAssignableScope, "A custom role needs at least one assignable scope.",
                    "properties.assignableScopes");
        }
        return new CustomRole(p.roleName(), description(p.description()) == null ? "" : p.description(), permissions,
                p.assignableScopes());
    }

    /** {@code roleName eq '{name}'} or {@code type eq 'BuiltInRole'|'CustomRole'}. */
    record DefinitionFilter(@Nullable String roleName, @Nullable String type) {
        private static final Pattern TERM = Pattern.compile("^(roleName|type)\\s+eq\\s+'([^']*)'$", Pattern.CASE_INSENSITIVE);

        static DefinitionFilter parse(@Nullable String filter) {
            if (filter == null || filter.isBlank()) {
                return new DefinitionFilter(null, null);
            }
            Matcher m = TERM.matcher(filter.trim());
            if (!m.matches()) {
                throw invalidFilter(filter);
            }
            return m.group(1).toLowerCase(Locale.ROOT).equals("rolename") ? new DefinitionFilter(m.group(2), null)
                    : new DefinitionFilter(null, m.group(2));
        }
    }

    static UUID definitionName(String name) {
        if (!GUID.matcher(name).matches()) {
            throw new ArmException(ArmErrorCode.InvalidRoleDefinitionId, "The role definition ID '" + name + "' is not valid. The role"
                    + " definition ID must be a GUID.", "roleDefinitionId");
        }
        return UUID.fromString(name);
    }

    private static ArmException invalidFilter(String filter) {
        return new ArmException(ArmErrorCode.InvalidFilter, "The $filter '" + filter + "' is not supported. Supported: atScope(),"
                + " principalId eq '{id}', assignedTo('{id}') (role assignments); roleName eq '{name}', type eq '{type}' (role"
                + " definitions).", "$filter");
    }

    @Nullable
    private static String description(@Nullable String description) {
        if (description != null && description.length() > MAX_DESCRIPTION) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The description is longer than " + MAX_DESCRIPTION + " characters.",
                    "properties.description");
        }
        return description;
    }

    private static String time(Instant t) {
        return t.toString();
    }
}
