using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Storage;
using Argus.Storage.Security;

namespace Argus.Application.Accounts;

/// <summary>
/// Who is acting, authenticated against the store. Every attempt (success or failure) is one <c>auth.login</c> audit
/// record. Wrong passwords count in SQL and lock the account after <c>ARGUS_LOCKOUT_FAILURES</c> (5) in a row for
/// <c>ARGUS_LOCKOUT_MINUTES</c> (15).
/// </summary>
public sealed class AuthenticationService(OperationContext context)
{
    public const string LoginAction = "auth.login";
    public const string LockoutFailuresVariable = "ARGUS_LOCKOUT_FAILURES";
    public const string LockoutMinutesVariable = "ARGUS_LOCKOUT_MINUTES";

    /// <summary>The one answer to every failed password login: unknown user, wrong password, locked or disabled account.</summary>
    public const string WrongCredentials = "Wrong username or password.";

    /// <summary>What the audit records instead of a typed username that names no account (with the name's keyed pseudonym).</summary>
    public const string UnknownUserActor = "unknown-user";

    /// <summary>What the audit records instead of the text of an API key that matches none (with its prefix's keyed pseudonym).</summary>
    public const string UnknownKeyActor = "unknown-key";

    /// <summary>
    /// The principal for a password, or <c>auth.failed</c> (unknown user, wrong password, locked or disabled: indistinguishable).
    /// <paramref name="source"/> (the client's address, <c>local</c> for the CLI) groups repeated failures in the audit.
    /// </summary>
    public async Task<Principal> LoginAsync(string username, string password, CancellationToken ct, string method = "password", string source = "local") =>
        (await LoginWithStampAsync(username, password, ct, method, source)).Principal;

    /// <summary>As <see cref="LoginAsync"/>, with the user's security stamp at the moment the password was checked (a session keeps it).</summary>
    public async Task<(Principal Principal, long SecurityStamp)> LoginWithStampAsync(string username, string password, CancellationToken ct, string method = "password", string source = "local")
    {
        var outcome = await context.Store.LoginAsync(username, password, Lockout(), ct);
        return (await CompleteAsync(outcome, method, source, ct), outcome.SecurityStamp);
    }

    /// <summary>The principal an API key acts for, or <c>auth.failed</c> (unknown key or disabled user), <c>auth.key_revoked</c>.</summary>
    public async Task<Principal> AuthenticateApiKeyAsync(string token, CancellationToken ct, string source = "local") =>
        await CompleteAsync(await context.Store.AuthenticateApiKeyAsync(token, ct), "api_key", source, ct);

    /// <summary>Audits a request that came without credentials and returns the <c>auth.required</c> refusal to throw.</summary>
    public async Task<ArgusException> RefuseMissingAsync(string actor, string status, string message, CancellationToken ct)
    {
        await context.AuditAsync(new AuditEvent(actor, LoginAction, $"user:{actor}", "refused", AuditDetails.Of(("code", "auth.required"), ("status", status))), ct);
        return new ArgusException("auth.required", message);
    }

    /// <summary>Audits a logout (a session ended by its user).</summary>
    public Task LogoutAsync(Principal actor, CancellationToken ct) =>
        context.AuditAsync(AuditEvent.Ok(actor.Id, "auth.logout", $"user:{actor.Id}"), ct);

    /// <summary>First run only: creates administrator <paramref name="username"/> and returns its generated password (<c>user.bootstrap_done</c> otherwise).</summary>
    public async Task<string> BootstrapAsync(string actor, string username, CancellationToken ct)
    {
        var password = PasswordHasher.Generate();
        // The administrator and its record commit together; a refused bootstrap (users exist) is recorded in the same way.
        var created = await context.AuditedStore<User?>(u => u is null
                ? AuditEvent.Refused(actor, "user.bootstrap", $"user:{username}", AuditDetails.Of(("code", "user.bootstrap_done")))
                : AuditEvent.Ok(actor, "user.bootstrapped", $"user:{username}", AuditDetails.Of(("roles", "administrator"))))
            .TryBootstrapAdministratorAsync(username, password, ct: ct);
        if (created is null)
        {
            throw new ArgusException("user.bootstrap_done", "Users already exist: bootstrap runs only on an empty store. Ask an administrator to add you.");
        }

        return password;
    }

    /// <summary>Lockout from <c>ARGUS_LOCKOUT_FAILURES</c> and <c>ARGUS_LOCKOUT_MINUTES</c>, default 5 failures and 15 minutes.</summary>
    public LockoutPolicy Lockout() => new(
        context.PositiveInt(LockoutFailuresVariable, LockoutPolicy.Default.MaxFailures),
        TimeSpan.FromMinutes(context.PositiveDouble(LockoutMinutesVariable, LockoutPolicy.Default.Duration.TotalMinutes)));

    private async Task<Principal> CompleteAsync(LoginOutcome outcome, string method, string source, CancellationToken ct)
    {
        if (outcome.Status == LoginStatus.Ok)
        {
            var ok = AuditDetails.Of(
                ("method", method), ("status", outcome.Status.ToString()), ("key_id", outcome.KeyId),
                ("failed_attempts", outcome.FailedAttempts), ("locked_until", outcome.LockedUntil));
            await context.AuditAsync(AuditEvent.Ok(outcome.Username, LoginAction, $"user:{outcome.Username}", ok), ct);
            return outcome.Principal!;
        }

        // A name that is no account is never stored: it may be a password typed into the wrong field. The record
        // keeps a fixed marker and a keyed pseudonym, so repeated guesses of the same text are still recognisable.
        var unknown = outcome.Status == LoginStatus.UnknownUser;
        var actor = unknown ? method == "api_key" ? UnknownKeyActor : UnknownUserActor : outcome.Username;
        var details = AuditDetails.Of(
            ("method", method), ("status", outcome.Status.ToString()), ("key_id", outcome.KeyId),
            ("failed_attempts", outcome.FailedAttempts), ("locked_until", outcome.LockedUntil), ("source", source),
            ("name_pseudonym", unknown ? context.AuditChain.Pseudonym(outcome.Username) : null));

        // Repeats of the same failure from the same source are one group: the first is chained at once, the rest
        // become one record with their count when the window closes (AuditGrouping.Refusals).
        await context.AuditGroupedAsync(
            Auditing.AuditGrouping.Key("auth", source, method, outcome.Status.ToString(), actor),
            new AuditEvent(actor, LoginAction, $"user:{actor}", "refused", details),
            Auditing.AuditGrouping.Refusals(context),
            ct);

        // Locked and disabled accounts answer exactly as a wrong password does (same code, status and text), so a caller
        // cannot learn which usernames exist, are locked or are disabled; the audit record above keeps the truth.
        // A revoked key says so: only the holder of the key's secret can see it.
        if (outcome.Status == LoginStatus.RevokedKey)
        {
            throw new ArgusException("auth.key_revoked", "This API key has been revoked.");
        }

        throw new ArgusException("auth.failed", method == "api_key" ? "Unknown API key." : WrongCredentials);
    }
}
