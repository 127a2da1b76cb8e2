using System.Security.Claims;
using System.Text.Encodings.Web;
using Argus.Core;
using Argus.Core.Access;
using Argus.Server.Hosting;
using Argus.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Argus.Server.Security;

/// <summary>
/// One scheme for both front doors: <c>Authorization: Bearer argus_…</c> (API keys, for integrations; every use is an
/// audited login) or the <c>argus_session</c> cookie (the console). The authenticated <see cref="Principal"/> is kept
/// on the request for the endpoints and the capability policies.
/// </summary>
internal sealed class ArgusAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ArgusRuntime runtime, SessionStore sessions, AuthFailureGate gate)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Argus";
    public const string MethodClaim = "argus:method";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var auth = new Application.Accounts.AuthenticationService(runtime.Operations);
        var source = AuthFailureGate.SourceOf(Context);
        var header = Request.Headers.Authorization.ToString();
        var cookie = Request.Cookies[SessionStore.CookieName];
        if ((header.Length > 0 || cookie is { Length: > 0 }) && gate.TryThrottle(source, out var retry))
        {
            // Checked before the credential: a source that keeps failing costs no hash, no query and no audit write.
            return Throttled(retry);
        }

        if (header.Length > 0)
        {
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                gate.RecordFailure(source);
                return Fail("auth.failed", "Only bearer API keys are accepted in the Authorization header.");
            }

            try
            {
                var principal = await auth.AuthenticateApiKeyAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted, source);
                return Success(principal, "api_key", null);
            }
            catch (ArgusException e) when (!e.Code.StartsWith("storage.", StringComparison.Ordinal))
            {
                gate.RecordFailure(source);
                return Fail(e.Code, e.Message);
            }
        }

        if (cookie is { Length: > 0 } id)
        {
            if (sessions.Find(id) is not { } session)
            {
                gate.RecordFailure(source);
                return Fail("auth.session_expired", "The session has ended; log in again.");
            }

            var user = await runtime.Store.GetUserAsync(session.Username, Context.RequestAborted);
            if (user is null || user.Disabled || user.SecurityStamp != session.Stamp)
            {
                // Disabled, or its roles, scope or password changed since the session began (here or in another process).
                sessions.End(id);
                gate.RecordFailure(source);
                return Fail("auth.session_expired", "The session has ended; log in again.");
            }

            return Success(user.ToPrincipal(), "session", session);
        }

        return AuthenticateResult.NoResult();
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // The 401 problem document is written by ProblemResponses from what was recorded here.
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }

    private AuthenticateResult Success(Principal principal, string method, Session? session)
    {
        Context.SetArgusPrincipal(principal, session);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, principal.Id), new Claim(MethodClaim, method), .. principal.Roles.Select(r => new Claim(ClaimTypes.Role, AccessCodec.Name(r)))],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    private AuthenticateResult Throttled(TimeSpan retry)
    {
        Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Fail("rate.limited", "Too many failed attempts from this address; retry later.");
    }

    private AuthenticateResult Fail(string code, string message)
    {
        Context.Items[ProblemResponses.AuthFailureKey] = (code, message);
        return AuthenticateResult.Fail(message);
    }
}

internal static class PrincipalAccess
{
    private const string PrincipalKey = "argus.principal";
    private const string SessionKey = "argus.session";

    public static void SetArgusPrincipal(this HttpContext http, Principal principal, Session? session)
    {
        http.Items[PrincipalKey] = principal;
        http.Items[SessionKey] = session;
    }

    /// <summary>The authenticated Argus principal (endpoints behind authorisation always have one).</summary>
    public static Principal Actor(this HttpContext http) =>
        http.Items[PrincipalKey] as Principal ?? throw new ArgusException("auth.required", "This request needs a session or an API key.");

    public static Principal? TryActor(this HttpContext http) => http.Items[PrincipalKey] as Principal;

    public static Session? ArgusSession(this HttpContext http) => http.Items[SessionKey] as Session;
}
