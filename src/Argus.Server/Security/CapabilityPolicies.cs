using Argus.Application.Auditing;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Server.Hosting;
using Argus.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Argus.Server.Security;

/// <summary>The capabilities an endpoint needs (any one of them); read by the authorisation matrix test too.</summary>
internal sealed record CapabilityMetadata(IReadOnlyList<Capability> AnyOf);

internal sealed class CapabilityRequirement(IReadOnlyList<Capability> anyOf) : IAuthorizationRequirement
{
    public IReadOnlyList<Capability> AnyOf { get; } = anyOf;
}

/// <summary>
/// Role checks at the door, before any body is read, so a refused request costs nothing and writes nothing. The
/// services check again (with scopes, which need the resource) and audit what they refuse.
/// </summary>
internal sealed class CapabilityHandler(IHttpContextAccessor accessor) : AuthorizationHandler<CapabilityRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, CapabilityRequirement requirement)
    {
        if (accessor.HttpContext?.TryActor() is { } actor && requirement.AnyOf.Any(actor.Can))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

internal static class CapabilityEndpoints
{
    public static string PolicyName(IEnumerable<Capability> anyOf) => "capability:" + string.Join('|', anyOf.Order());

    /// <summary>Requires one of <paramref name="anyOf"/>.</summary>
    public static TBuilder RequireCapability<TBuilder>(this TBuilder builder, params Capability[] anyOf)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(PolicyName(anyOf)).WithMetadata(new CapabilityMetadata(anyOf));

}

/// <summary>Builds the <c>capability:A|B</c> policies on demand, so endpoints name capabilities, not policy tables.</summary>
internal sealed class CapabilityPolicyProvider(Microsoft.Extensions.Options.IOptions<AuthorizationOptions> options) : DefaultAuthorizationPolicyProvider(options)
{
    private const string Prefix = "capability:";

    public override async Task<AuthorizationPolicy?> GetPolicyAsync(string policyName)
    {
        if (!policyName.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return await base.GetPolicyAsync(policyName);
        }

        var anyOf = policyName[Prefix.Length..].Split('|').Select(Enum.Parse<Capability>).ToArray();
        return new AuthorizationPolicyBuilder(ArgusAuthenticationHandler.SchemeName).RequireAuthenticatedUser().AddRequirements(new CapabilityRequirement(anyOf)).Build();
    }
}

/// <summary>
/// Turns authorisation failures into problem documents and audits them: a missing or failed login as
/// <c>auth.login</c> refused (failed credentials are already audited by the login itself), a role refusal as the
/// endpoint's action refused with <c>access.denied</c>.
/// </summary>
internal sealed class AuditingAuthorizationResultHandler(ArgusRuntime runtime, AuthFailureGate gate, ILogger<AuditingAuthorizationResultHandler> logger) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Challenged)
        {
            var (code, message) = context.Items[ProblemResponses.AuthFailureKey] is (string c, string m)
                ? (c, m)
                : ("auth.required", "This request needs a session (POST /api/v1/session) or an API key (Authorization: Bearer ...).");
            if (code is "auth.required" or "auth.session_expired")
            {
                // Anyone can repeat these at will (a script, a stale browser tab polling): counted against the source
                // first, then recorded as one group per source and code, never one record per request.
                var source = AuthFailureGate.SourceOf(context);
                if (gate.TryThrottle(source, out var retry))
                {
                    context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await ProblemResponses.WriteAsync(context, StatusCodes.Status429TooManyRequests, "rate.limited", "Too many failed attempts from this address; retry later.");
                    return;
                }

                if (code == "auth.required")
                {
                    gate.RecordFailure(source);
                }

                await AuditGroupedAsync(
                    AuditGrouping.Key("anonymous", source, code),
                    new AuditEvent("anonymous", "auth.login", "user:anonymous", "refused", AuditDetails.Of(("code", code), ("source", source), ("path", context.Request.Path.Value))),
                    code);
            }

            await ProblemResponses.WriteAsync(context, ProblemResponses.StatusFor(code), code, message);
            return;
        }

        if (result.Forbidden)
        {
            var actor = context.TryActor();
            var action = context.GetEndpoint()?.DisplayName ?? context.Request.Path.Value ?? "";
            var message = $"User {actor?.Name} ({string.Join(", ", actor?.Roles.Select(AccessCodec.Name) ?? [])}) may not {context.Request.Method} {context.Request.Path}.";
            await AuditAsync(AuditEvent.Refused(actor?.Id ?? "anonymous", "http.request", action, AuditDetails.Of(("code", "access.denied"), ("reason", "role"), ("message", message))), "access.denied");
            await ProblemResponses.WriteAsync(context, StatusCodes.Status403Forbidden, "access.denied", message);
            return;
        }

        await _default.HandleAsync(next, context, policy, result);
    }

    private async Task AuditGroupedAsync(string key, AuditEvent e, string code)
    {
        try
        {
            await runtime.Operations.AuditGroupedAsync(key, e, AuditGrouping.Refusals(runtime.Operations), CancellationToken.None);
        }
        catch (Core.ArgusException)
        {
            Log.AuditFailed(logger, code);
        }
    }

    private async Task AuditAsync(AuditEvent e, string code)
    {
        try
        {
            await runtime.Operations.AuditAsync(e, CancellationToken.None);
        }
        catch (Core.ArgusException)
        {
            Log.AuditFailed(logger, code);
        }
    }
}
