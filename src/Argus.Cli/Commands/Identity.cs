using System.CommandLine;
using Argus.Application.Accounts;
using Argus.Core.Access;
using Argus.Storage;

namespace Argus.Cli.Commands;

/// <summary>
/// Who is acting: <c>--user NAME</c> with <c>ARGUS_PASSWORD</c>, or <c>ARGUS_API_KEY</c>, authenticated (and audited)
/// by <see cref="AuthenticationService"/>.
/// </summary>
internal static class Identity
{
    public const string PasswordVariable = "ARGUS_PASSWORD";
    public const string ApiKeyVariable = "ARGUS_API_KEY";

    /// <summary>The authenticated principal, or <c>auth.required</c>, <c>auth.failed</c> (also for locked or disabled accounts), <c>auth.key_revoked</c>.</summary>
    public static async Task<Principal> RequireAsync(CliHost host, ArgusStore store, ParseResult parse, CancellationToken ct)
    {
        var auth = new AuthenticationService(host.Operations(store));
        var user = parse.GetValue(ArgusCli.UserOption);
        if (user is not null)
        {
            var password = CliEnvironment.Get(PasswordVariable)
                ?? throw await auth.RefuseMissingAsync(user, "no_password", $"--user {user} needs the password in ${PasswordVariable} (never on the command line).", ct);
            return await auth.LoginAsync(user, password, ct);
        }

        if (CliEnvironment.Get(ApiKeyVariable) is { } key)
        {
            return await auth.AuthenticateApiKeyAsync(key, ct);
        }

        throw await auth.RefuseMissingAsync(
            CliHost.Actor, "no_credentials", $"This command acts as a user: pass --user NAME with ${PasswordVariable} set, or set ${ApiKeyVariable}.", ct);
    }

    /// <summary>Runs <paramref name="body"/>, auditing a refusal from it (see <see cref="Application.OperationContext.AuditedAsync{T}"/>).</summary>
    public static Task<T> Audited<T>(CliHost host, ArgusStore store, string actor, string action, string target, Func<Task<T>> body, CancellationToken ct) =>
        host.Operations(store).AuditedAsync(actor, action, target, body);

    public static Task Audited(CliHost host, ArgusStore store, string actor, string action, string target, Action body, CancellationToken ct) =>
        host.Operations(store).AuditedAsync(actor, action, target, body);
}
