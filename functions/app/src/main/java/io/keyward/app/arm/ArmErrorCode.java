package io.keyward.app.arm;

import io.micronaut.http.HttpStatus;

/**
 * The ARM error codes Keyward answers with, each owning its HTTP status: one table from error to status, so a
 * code can never go out with two different statuses. Names are Azure's wire codes.
 */
public enum ArmErrorCode {
    BadRequest(HttpStatus.BAD_REQUEST),
    InvalidParameter(HttpStatus.BAD_REQUEST),
    InvalidRequestContent(HttpStatus.BAD_REQUEST),
    MissingApiVersionParameter(HttpStatus.BAD_REQUEST),
    InvalidApiVersionParameter(HttpStatus.BAD_REQUEST),
    InvalidSubscriptionId(HttpStatus.BAD_REQUEST),
    InvalidResourceGroupName(HttpStatus.BAD_REQUEST),
    VaultNameNotValid(HttpStatus.BAD_REQUEST),
    AuthenticationFailed(HttpStatus.UNAUTHORIZED),
    AuthorizationFailed(HttpStatus.FORBIDDEN),
    ResourceNotFound(HttpStatus.NOT_FOUND),
    SubscriptionNotFound(HttpStatus.NOT_FOUND),
    InvalidResourceType(HttpStatus.NOT_FOUND),
    NoRegisteredProviderFound(HttpStatus.BAD_REQUEST),
    VaultAlreadyExists(HttpStatus.CONFLICT),
    ConflictError(HttpStatus.CONFLICT),
    PreconditionFailed(HttpStatus.PRECONDITION_FAILED),
    // data plane: the customer's key refuses the cluster, or cannot be reached; a stored block fails its integrity check
    CustomerManagedKeyInaccessible(HttpStatus.FORBIDDEN),
    KeyVaultUnavailable(HttpStatus.SERVICE_UNAVAILABLE),
    DataIntegrityFailure(HttpStatus.CONFLICT),
    // Data Explorer (Microsoft.Kusto) customer-managed keys: the documented codes, all 400
    InvalidKeyVaultProperties(HttpStatus.BAD_REQUEST),
    CannotProvideKeyVaultPropertiesDuringCreation(HttpStatus.BAD_REQUEST),
    KeyVaultPropertiesOnlyForSystemAssignedResources(HttpStatus.BAD_REQUEST),
    KeyVaultNotFound(HttpStatus.BAD_REQUEST),
    KeyNotFound(HttpStatus.BAD_REQUEST),
    IdentityDoesNotHaveAccessToKeyVault(HttpStatus.BAD_REQUEST),
    KeyVaultNotPurgeProtected(HttpStatus.BAD_REQUEST),
    KeyVaultNotSoftDeleteEnabled(HttpStatus.BAD_REQUEST),
    // Microsoft.Authorization (role assignments and definitions)
    InvalidRoleAssignmentId(HttpStatus.BAD_REQUEST),
    InvalidRoleDefinitionId(HttpStatus.BAD_REQUEST),
    RoleDefinitionDoesNotExist(HttpStatus.BAD_REQUEST),
    RoleDefinitionNotFound(HttpStatus.NOT_FOUND),
    PrincipalNotFound(HttpStatus.BAD_REQUEST),
    RoleAssignmentNotFound(HttpStatus.NOT_FOUND),
    RoleAssignmentExists(HttpStatus.CONFLICT),
    RoleAssignmentUpdateNotPermitted(HttpStatus.CONFLICT),
    RoleAssignmentLimitExceeded(HttpStatus.BAD_REQUEST),
    InvalidAssignableScope(HttpStatus.BAD_REQUEST),
    InvalidActionOrNotAction(HttpStatus.BAD_REQUEST),
    RoleDefinitionWithSameNameExists(HttpStatus.CONFLICT),
    RoleDefinitionLimitExceeded(HttpStatus.BAD_REQUEST),
    RoleDefinitionHasAssignments(HttpStatus.CONFLICT),
    InvalidFilter(HttpStatus.BAD_REQUEST),
    // async operations (D): a failure the caller cannot fix; its cause is logged, never sent
    InternalServerError(HttpStatus.INTERNAL_SERVER_ERROR);

    private final HttpStatus status;

    ArmErrorCode(HttpStatus status) {
        this.status = status;
    }

    public HttpStatus status() {
        return status;
    }
}
