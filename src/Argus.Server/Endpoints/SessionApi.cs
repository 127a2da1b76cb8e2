using Argus.Application.Accounts;
using Argus.Application.Contracts;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Server.Hosting;
using Argus.Server.Security;
using Argus.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Argus.Server.Endpoints;

/// <summary>
/// Console sessions: <c>POST /api/v1/session</c> logs in (password; lockout after repeated failures) and sets the
/// <c>argus_session</c> cookie (HttpOnly, SameSite=Strict, Secure over HTTPS); the response carries the session's
/// anti-forgery token, which every unsafe request of the session sends back as <c>X-Argus-CSRF</c>.
/// </summary>
internal static class SessionApi
{
    public static RouteGroupBuilder MapSessionApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.ApiGroup("/api/v1/session", "Session");

        group.MapPost("/", LoginAsync).AllowAnonymous().RequireRateLimiting(ArgusServer.LoginRateLimit).WithName("Login");
        group.MapGet("/", GetAsync).RequireAuthorization().WithName("GetSession");
        group.MapDelete("/", LogoutAsync).RequireAuthorization().WithName("Logout");
        return group;
    }

    private static async Task<Ok<SessionDto>> LoginAsync(LoginRequest request, HttpContext http, AuthenticationService authentication, SessionStore sessions, AuthFailureGate gate, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.Username) || string.IsNullOrEmpty(request.Password))
        {
            throw new ArgusException("request.invalid", "Give username and password.");
        }

        // A source that keeps failing is refused before its password is hashed or anything is written.
        var source = AuthFailureGate.SourceOf(http);
        if (gate.TryThrottle(source, out var retry))
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw new ArgusException("rate.limited", "Too many failed attempts from this address; retry later.");
        }

        Principal principal;
        long stamp;
        try
        {
            (principal, stamp) = await authentication.LoginWithStampAsync(request.Username, request.Password, ct, method: "session", source: source);
        }
        catch (ArgusException e) when (e.Code.StartsWith("auth.", StringComparison.Ordinal))
        {
            gate.RecordFailure(source);
            throw;
        }

        var session = sessions.Create(principal.Id, stamp);
        http.Response.Cookies.Append(SessionStore.CookieName, session.Id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = http.Request.IsHttps,
            Path = "/",
            Expires = session.ExpiresAt,
        });
        return TypedResults.Ok(Dto(principal, "session", session));
    }

    private static async Task<Ok<SessionDto>> GetAsync(HttpContext http, ArgusRuntime runtime, CancellationToken ct)
    {
        var actor = http.Actor();
        var session = http.ArgusSession();
        await runtime.Operations.AuditAsync(AuditEvent.Ok(actor.Id, "auth.session", $"user:{actor.Id}"), ct);
        return TypedResults.Ok(Dto(actor, session is null ? "api_key" : "session", session));
    }

    private static async Task<NoContent> LogoutAsync(HttpContext http, AuthenticationService authentication, SessionStore sessions, CancellationToken ct)
    {
        var actor = http.Actor();
        if (http.ArgusSession() is { } session)
        {
            sessions.End(session.Id);
            http.Response.Cookies.Delete(SessionStore.CookieName, new CookieOptions { Path = "/", SameSite = SameSiteMode.Strict, HttpOnly = true, Secure = http.Request.IsHttps });
        }

        await authentication.LogoutAsync(actor, ct);
        return TypedResults.NoContent();
    }

    private static SessionDto Dto(Principal p, string method, Session? session) => new(
        p.Id, [.. p.Roles.Select(AccessCodec.Name)], [.. Enum.GetValues<Capability>().Where(p.Can).Select(c => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(c.ToString()))], ScopeDto.From(p.Scope), method,
        session?.CsrfToken, session?.ExpiresAt);
}

/// <summary><c>/health</c>: the process answers (liveness). <c>/ready</c>: the store answers and the models are loaded.</summary>
internal static class HealthApi
{
    /// <summary>Below this many MiB free on the SQLite database's file system (default 64), <c>/ready</c> says not ready.</summary>
    public const string MinimumFreeVariable = "ARGUS_MIN_FREE_MB";

    public static void MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", () => TypedResults.Ok(new HealthDto("ok"))).AllowAnonymous().WithTags("Health").DisableRateLimiting();
        routes.MapGet("/ready", ReadyAsync).AllowAnonymous().WithTags("Health").DisableRateLimiting();
    }

    private static async Task<Results<Ok<ReadinessDto>, JsonHttpResult<ReadinessDto>>> ReadyAsync(ArgusRuntime runtime, CancellationToken ct)
    {
        int? version = null;
        string? detail = null;
        try
        {
            version = await runtime.Store.GetSchemaVersionAsync(ct);
        }
        catch (Exception e) when (e is ArgusException or InvalidOperationException)
        {
            detail = e is ArgusException a ? a.Code : "store not open";
        }

        // A store that answers reads but refuses writes (full disk, read-only file or role) cannot serve: every request
        // is audited, so every request would fail.
        string? unwritable = null;
        if (version is not null)
        {
            var minimumFree = (long)(runtime.Operations.PositiveDouble(MinimumFreeVariable, 64) * 1024 * 1024);
            unwritable = await runtime.Store.CheckWritableAsync(minimumFree, ct);
            detail ??= unwritable is null ? null : $"store not writable ({unwritable})";
        }

        var models = runtime.EngineReady;
        detail ??= models ? null : runtime.EngineError is null ? "models loading" : "models unavailable: run `argus models fetch`";
        var ready = version is not null && unwritable is null && models;
        var dto = new ReadinessDto(ready ? "ready" : "not_ready", version is not null && unwritable is null, version, models, detail);
        return ready ? TypedResults.Ok(dto) : TypedResults.Json(dto, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
