using System.CommandLine;
using System.Globalization;
using Argus.Application.Accounts;
using Argus.Application.Contracts;
using Argus.Core.Access;
using Argus.Storage;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus user bootstrap|add|list|disable|enable|role|grant|scope|passwd|key</c>: people, roles, scopes and API keys.
/// Account management needs an administrator (<see cref="Capability.ManageUsers"/>), operational roles a second one
/// (<c>grant approve</c>); your own password and keys are yours; every change is audited.
/// </summary>
internal static class UserCommands
{
    /// <summary>The new user's password: <c>ARGUS_NEW_PASSWORD</c>, else the first line of stdin (<c>ARGUS_PASSWORD</c> is the acting user's).</summary>
    public const string NewPasswordVariable = "ARGUS_NEW_PASSWORD";

    public static Command Create(TextWriter output, TextWriter error)
    {
        var user = new Command("user", "Users, roles, scopes and API keys.");
        var username = new Argument<string>("username") { Description = "Login name (lower-case letters, digits, . _ -)" };

        var adminName = new Option<string>("--username") { Description = "Name of the first administrator", DefaultValueFactory = _ => "admin" };
        var bootstrap = new Command("bootstrap", "First run only: create the first administrator and print its generated password once.") { adminName };
        bootstrap.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var name = parse.GetValue(adminName)!;
            var password = await new AuthenticationService(host.Operations(store)).BootstrapAsync(CliHost.Actor, name, ct);
            host.Out.WriteLine($"created administrator '{name}'");
            host.Out.WriteLine($"password: {password}");
            host.Out.WriteLine("this password is shown once: store it in your secrets manager now");
            return ArgusCli.Ok;
        }));

        var roles = new Option<string[]>("--role") { Description = "Role (repeatable): " + string.Join(", ", Enum.GetValues<Role>().Select(AccessCodec.Name)), Required = true };
        var display = new Option<string?>("--name") { Description = "Display name (default: the username)" };
        var sites = new Option<string?>("--sites") { Description = "Sites the user may act on, comma-separated (* for all; default none)" };
        var cameras = new Option<string?>("--cameras") { Description = "Cameras, comma-separated (* for all; default none)" };
        var watchlists = new Option<string?>("--watchlists") { Description = "Watchlists and galleries, comma-separated (* for all; default none)" };
        var add = new Command("add", $"Add a user. The password comes from ${NewPasswordVariable} or the first line of stdin, never an argument.")
        {
            username, roles, display, sites, cameras, watchlists,
        };
        add.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var name = parse.GetValue(username)!;
            var scope = new Scope(List(parse.GetValue(sites)), List(parse.GetValue(cameras)), List(parse.GetValue(watchlists)));
            var created = await Users(host, store).CreateAsync(actor, name, parse.GetValue(display), parse.GetValue(roles)!, scope, ReadNewPassword, ct);
            host.Out.WriteLine($"created user '{created.User.Username}' ({(created.User.Roles.Count == 0 ? "no roles yet" : string.Join(", ", created.User.Roles.Select(AccessCodec.Name)))})");
            WritePendingGrant(host, created.PendingGrant);
            return ArgusCli.Ok;
        }));

        var list = new Command("list", "List users with roles, scope and state.") { ArgusCli.JsonOption };
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var users = await Users(host, store).ListAsync(actor, ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new UserListDto([.. users.Select(u => UserDto.From(u))]));
            }
            else
            {
                foreach (var u in users)
                {
                    var state = u.Disabled ? "disabled" : u.LockedUntil > CliEnvironment.Time.GetUtcNow() ? $"locked until {u.LockedUntil:HH:mm}Z" : "active";
                    host.Out.WriteLine($"{u.Username,-16} {string.Join(",", u.Roles.Select(AccessCodec.Name)),-28} {state,-20} {AccessCodec.ScopeJson(u.Scope)}");
                }
            }

            return ArgusCli.Ok;
        }));

        user.Subcommands.Add(bootstrap);
        user.Subcommands.Add(add);
        user.Subcommands.Add(list);
        user.Subcommands.Add(SetDisabled(output, error, "disable", true));
        user.Subcommands.Add(SetDisabled(output, error, "enable", false));
        user.Subcommands.Add(Role(output, error));
        user.Subcommands.Add(Password(output, error));
        user.Subcommands.Add(Keys(output, error));
        user.Subcommands.Add(Grants(output, error));
        user.Subcommands.Add(ScopeCommand(output, error));
        return user;
    }

    private static Command SetDisabled(TextWriter output, TextWriter error, string verb, bool disabled)
    {
        var username = new Argument<string>("username");
        var command = new Command(verb, disabled ? "Disable a user: every login and API key of theirs is refused." : "Enable a disabled user.") { username };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var name = parse.GetValue(username)!;
            await Users(host, store).SetDisabledAsync(actor, name, disabled, ct);
            host.Out.WriteLine($"{verb}d user '{name}'");
            return ArgusCli.Ok;
        }));
        return command;
    }

    private static Command Role(TextWriter output, TextWriter error)
    {
        var username = new Argument<string>("username");
        var addRole = new Option<string[]>("--add") { Description = "Role to grant (repeatable)" };
        var removeRole = new Option<string[]>("--remove") { Description = "Role to take away (repeatable)" };
        var command = new Command("role", "Take away roles (at once) or request roles (operational ones need a second administrator: see `argus user grant`).") { username, addRole, removeRole };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var name = parse.GetValue(username)!;
            var changed = await Users(host, store).ChangeRolesAsync(actor, name, parse.GetValue(addRole) ?? [], parse.GetValue(removeRole) ?? [], ct);
            host.Out.WriteLine($"user '{name}': {(changed.User.Roles.Count == 0 ? "no roles" : string.Join(", ", changed.User.Roles.Select(AccessCodec.Name)))}");
            WritePendingGrant(host, changed.PendingGrant);
            return ArgusCli.Ok;
        }));
        return command;
    }

    private static Command Password(TextWriter output, TextWriter error)
    {
        var username = new Argument<string?>("username") { Description = "Whose password (default: your own; others' need an administrator)", Arity = ArgumentArity.ZeroOrOne };
        var keepKeys = new Option<bool>("--keep-keys") { Description = "Leave the user's API keys working (default: a new password revokes them all)" };
        var command = new Command(
            "passwd",
            $"Set a password from ${NewPasswordVariable} or the first line of stdin; clears a lockout and ends the user's sessions. " +
            $"Your own needs your current password in ${Identity.PasswordVariable}.")
        {
            username, keepKeys,
        };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var name = parse.GetValue(username) ?? actor.Id;
            var revokeKeys = !parse.GetValue(keepKeys);
            await Users(host, store).SetPasswordAsync(actor, name, CliEnvironment.Get(Identity.PasswordVariable), ReadNewPassword, revokeKeys, ct);
            host.Out.WriteLine($"password of '{name}' changed; their sessions end{(revokeKeys ? " and their API keys are revoked" : "")}");
            return ArgusCli.Ok;
        }));
        return command;
    }

    private static Command Keys(TextWriter output, TextWriter error)
    {
        var keys = new Command("key", "API keys for integrations: stored hashed, scoped, revocable.");
        var username = new Argument<string>("username");
        var watchlists = new Option<string?>("--watchlists") { Description = "Narrow the key to these watchlists (within the user's scope)" };
        var sites = new Option<string?>("--sites") { Description = "Narrow the key to these sites" };
        var create = new Command(
            "create",
            "Create a key acting for USERNAME. Your own: the token is printed once. Someone else's (administrators): a pending key, which they claim with `argus user key claim ID`.")
        {
            username, watchlists, sites,
        };
        create.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var name = parse.GetValue(username)!;
            var created = await Users(host, store).CreateKeyAsync(
                actor, name, parse.GetValue(sites) is { } s ? List(s) : null, parse.GetValue(watchlists) is { } w ? List(w) : null, ct);
            if (created.Key.Pending)
            {
                host.Out.WriteLine($"prepared pending API key #{created.Key.Id} for '{name}': it works for nobody until '{name}' claims it");
                host.Out.WriteLine($"'{name}' runs: argus --user {name} user key claim {created.Key.Id}   (with their own password in ${Identity.PasswordVariable})");
                return ArgusCli.Ok;
            }

            host.Out.WriteLine($"created API key #{created.Key.Id} for '{name}'");
            host.Out.WriteLine($"token: {created.Token}");
            host.Out.WriteLine("the token is shown once and stored only as its SHA-256: give it to the integration as ARGUS_API_KEY now");
            return ArgusCli.Ok;
        }));

        var claimId = new Argument<long>("id") { Description = "The pending key's id (from `argus user key list`)" };
        var claim = new Command("claim", $"Claim a pending key prepared for you; your password (${Identity.PasswordVariable}) is checked again and the token printed once.") { claimId };
        claim.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var claimed = await Users(host, store).ClaimKeyAsync(actor, parse.GetValue(claimId), CliEnvironment.Get(Identity.PasswordVariable), ct);
            host.Out.WriteLine($"claimed API key #{claimed.Key.Id}");
            host.Out.WriteLine($"token: {claimed.Token}");
            host.Out.WriteLine("the token is shown once and stored only as its SHA-256: give it to the integration as ARGUS_API_KEY now");
            return ArgusCli.Ok;
        }));

        var id = new Argument<long>("id") { Description = "Key id (from `argus user key list`)" };
        var revoke = new Command("revoke", "Revoke a key at once.") { id };
        revoke.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var keyId = parse.GetValue(id);
            var revoked = await Users(host, store).RevokeKeyAsync(actor, keyId, ct);
            host.Out.WriteLine($"revoked API key #{keyId} of '{revoked.Username}'");
            return ArgusCli.Ok;
        }));

        var list = new Command("list", "A user's keys (never their tokens).") { username };
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            foreach (var k in await Users(host, store).ListKeysAsync(actor, parse.GetValue(username)!, ct))
            {
                host.Out.WriteLine($"#{k.Id,-4} argus_{k.Prefix}_…  {(k.Revoked ? "revoked" : k.Pending ? "pending" : "active"),-8} created {k.CreatedAt:yyyy-MM-dd}  last used {k.LastUsedAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "never"}");
            }

            return ArgusCli.Ok;
        }));

        keys.Subcommands.Add(create);
        keys.Subcommands.Add(claim);
        keys.Subcommands.Add(revoke);
        keys.Subcommands.Add(list);
        return keys;
    }

    private static Command Grants(TextWriter output, TextWriter error)
    {
        var grants = new Command("grant", "Role grants: operational roles requested by one administrator apply once a second administrator approves.");
        var all = new Option<bool>("--all") { Description = "Decided grants too (default: pending only)" };
        var list = new Command("list", "Role grants waiting for a second administrator.") { all };
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            foreach (var g in await Users(host, store).ListGrantsAsync(actor, !parse.GetValue(all), ct))
            {
                host.Out.WriteLine($"#{g.Id,-4} {g.Username,-16} {string.Join(",", g.Roles.Order().Select(AccessCodec.Name)),-28} requested by {g.RequestedBy} {g.State.ToString().ToLowerInvariant()}{(g.DecidedBy is { } d ? " by " + d : "")}");
            }

            return ArgusCli.Ok;
        }));
        grants.Subcommands.Add(list);
        foreach (var approve in (bool[])[true, false])
        {
            var id = new Argument<long>("id") { Description = "Grant id (from `argus user grant list`)" };
            var reason = new Option<string?>("--reason") { Description = "Why (recorded)" };
            var decide = new Command(approve ? "approve" : "reject", approve ? "Approve a grant requested by another administrator." : "Reject (or, as its requester, withdraw) a grant.") { id, reason };
            decide.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
            {
                await using var store = await GalleryCommands.OpenStore(host, ct);
                var actor = await Identity.RequireAsync(host, store, parse, ct);
                var decided = await Users(host, store).DecideGrantAsync(actor, parse.GetValue(id), approve, parse.GetValue(reason), ct);
                host.Out.WriteLine($"grant #{decided.PendingGrant!.Id} {(approve ? "approved" : "rejected")}: user '{decided.User.Username}' has {(decided.User.Roles.Count == 0 ? "no roles" : string.Join(", ", decided.User.Roles.Select(AccessCodec.Name)))}");
                return ArgusCli.Ok;
            }));
            grants.Subcommands.Add(decide);
        }

        return grants;
    }

    private static Command ScopeCommand(TextWriter output, TextWriter error)
    {
        var username = new Argument<string>("username");
        var sites = new Option<string?>("--sites") { Description = "Sites, comma-separated (* for all; default none)" };
        var cameras = new Option<string?>("--cameras") { Description = "Cameras, comma-separated (* for all; default none)" };
        var watchlists = new Option<string?>("--watchlists") { Description = "Watchlists and galleries, comma-separated (* for all; default none)" };
        var command = new Command("scope", "Replace a user's scope; their sessions end so that a narrower scope applies at once.") { username, sites, cameras, watchlists };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var scope = new Scope(List(parse.GetValue(sites)), List(parse.GetValue(cameras)), List(parse.GetValue(watchlists)));
            var user = await Users(host, store).SetScopeAsync(actor, parse.GetValue(username)!, scope, ct);
            host.Out.WriteLine($"user '{user.Username}': scope {AccessCodec.ScopeJson(user.Scope)}");
            return ArgusCli.Ok;
        }));
        return command;
    }

    private static void WritePendingGrant(CliHost host, RoleGrant? grant)
    {
        if (grant is not null)
        {
            host.Out.WriteLine(
                $"role grant #{grant.Id} requested ({string.Join(", ", grant.Roles.Order().Select(AccessCodec.Name))}): " +
                $"it applies once another administrator runs `argus user grant approve {grant.Id}`");
        }
    }

    private static UserService Users(CliHost host, ArgusStore store) => new(host.Operations(store));

    private static string? ReadNewPassword() => CliEnvironment.Get(NewPasswordVariable) ?? CliEnvironment.Input.ReadLine();

    internal static HashSet<string> List(string? csv) => UserService.List(csv);
}
