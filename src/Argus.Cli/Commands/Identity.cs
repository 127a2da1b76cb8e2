using System.CommandLine;
using System.Globalization;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Storage;

namespace Argus.Cli.Commands;

/// <summary>
/// Who is acting, authenticated against the store, and the audit of what they do. Every login (success or failure) is
/// one audit record; a refusal inside a command is audited with its error code before the error is shown.
/// </summary>
internal static class Identity
{
    public const string PasswordVariable = "ARGUS_PASSWORD";
    public const string ApiKeyVariable = "ARGUS_API_KEY";
    public const string LoginAction = "auth.login";

    /// <summary>The authenticated principal, or <c>auth.required</c>, <c>auth.failed</c>, <c>auth.locked</c>, <c>auth.disabled</c>, <c>auth.key_revoked</c>.</summary>
    public static async Task<Principal> RequireAsync(CliHost host, ArgusStore store, ParseResult parse, CancellationToken ct)
    {
        var user = parse.GetValue(ArgusCli.UserOption);
        LoginOutcome outcome;
        string method;
        if (user is not null)
        {
            method = "password";
            var password = CliEnvironment.Get(PasswordVariable);
            if (password is null)
            {
                await Refuse(host, store, user, "auth.required", "no_password", ct);
                throw new ArgusException("auth.required", $"--user {user} needs the password in ${PasswordVariable} (never on the command line).");
            }

            outcome = await store.LoginAsync(user, password, Lockout(), ct);
        }
        else if (CliEnvironment.Get(ApiKeyVariable) is { } key)
        {
            method = "api_key";
            outcome = await store.AuthenticateApiKeyAsync(key, ct);
        }
        else
        {
            await Refuse(host, store, CliHost.Actor, "auth.required", "no_credentials", ct);
            throw new ArgusException("auth.required", $"This command acts as a user: pass --user NAME with ${PasswordVariable} set, or set ${ApiKeyVariable}.");
        }

        var details = AuditDetails.Of(
            ("method", method), ("status", outcome.Status.ToString()), ("key_id", outcome.KeyId),
            ("failed_attempts", outcome.FailedAttempts), ("locked_until", outcome.LockedUntil));
        if (outcome.Status == LoginStatus.Ok)
        {
            await GalleryCommands.Audit(host, store, AuditEvent.Ok(outcome.Username, LoginAction, $"user:{outcome.Username}", details), ct);
            return outcome.Principal!;
        }

        var code = outcome.Status switch
        {
            LoginStatus.Locked => "auth.locked",
            LoginStatus.Disabled => "auth.disabled",
            LoginStatus.RevokedKey => "auth.key_revoked",
            _ => "auth.failed",
        };
        await GalleryCommands.Audit(host, store, new AuditEvent(outcome.Username, LoginAction, $"user:{outcome.Username}", "refused", details), ct);
        throw new ArgusException(code, outcome.Status switch
        {
            LoginStatus.Locked => $"Account '{outcome.Username}' is locked after repeated failed logins until {outcome.LockedUntil:yyyy-MM-dd HH:mm} UTC.",
            LoginStatus.Disabled => $"Account '{outcome.Username}' is disabled.",
            LoginStatus.RevokedKey => "This API key has been revoked.",
            _ => method == "api_key" ? "Unknown API key." : "Wrong username or password.",
        });
    }

    /// <summary>
    /// Runs <paramref name="body"/>; an <see cref="ArgusException"/> from it (a refusal, not a storage failure) is
    /// audited as <paramref name="action"/> refused, with its code, before it propagates.
    /// </summary>
    public static async Task<T> Audited<T>(CliHost host, ArgusStore store, string actor, string action, string target, Func<Task<T>> body, CancellationToken ct)
    {
        try
        {
            return await body();
        }
        catch (ArgusException e) when (!e.Code.StartsWith("storage.", StringComparison.Ordinal))
        {
            // AbuseDetector counts scope refusals by reason = "scope".
            var reason = e.Code == "access.denied" && e.Message.Contains("outside the scope", StringComparison.Ordinal) ? "scope" : e.Code;
            await GalleryCommands.Audit(host, store, AuditEvent.Refused(actor, action, target, AuditDetails.Of(("code", e.Code), ("reason", reason), ("message", e.Message))), CancellationToken.None);
            throw;
        }
    }

    public static Task Audited(CliHost host, ArgusStore store, string actor, string action, string target, Action body, CancellationToken ct) =>
        Audited(host, store, actor, action, target, () => { body(); return Task.FromResult(0); }, ct);

    /// <summary>Lockout from <c>ARGUS_LOCKOUT_FAILURES</c> and <c>ARGUS_LOCKOUT_MINUTES</c>, default 5 failures and 15 minutes.</summary>
    private static LockoutPolicy Lockout() => new(
        int.TryParse(CliEnvironment.Get("ARGUS_LOCKOUT_FAILURES"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : LockoutPolicy.Default.MaxFailures,
        double.TryParse(CliEnvironment.Get("ARGUS_LOCKOUT_MINUTES"), NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m > 0 ? TimeSpan.FromMinutes(m) : LockoutPolicy.Default.Duration);

    private static Task Refuse(CliHost host, ArgusStore store, string actor, string code, string status, CancellationToken ct) =>
        GalleryCommands.Audit(host, store, new AuditEvent(actor, LoginAction, $"user:{actor}", "refused", AuditDetails.Of(("code", code), ("status", status))), ct);
}
