using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Storage;
using Argus.Storage.Security;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus user bootstrap|add|list|disable|enable|role|key</c>: people, roles, scopes and API keys. Everything but the
/// first-run bootstrap needs an administrator (<see cref="Capability.ManageUsers"/>); every change is audited.
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
            var password = PasswordHasher.Generate();
            var created = await store.TryBootstrapAdministratorAsync(name, password, ct: ct);
            if (created is null)
            {
                await GalleryCommands.Audit(host, store, AuditEvent.Refused(CliHost.Actor, "user.bootstrap", $"user:{name}", AuditDetails.Of(("code", "user.bootstrap_done"))), ct);
                throw new ArgusException("user.bootstrap_done", "Users already exist: bootstrap runs only on an empty store. Ask an administrator to add you.");
            }

            await GalleryCommands.Audit(host, store, AuditEvent.Ok(CliHost.Actor, "user.bootstrapped", $"user:{name}", AuditDetails.Of(("roles", "administrator"))), ct);
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
            var created = await Identity.Audited(host, store, actor.Id, "user.create", $"user:{name}", async () =>
            {
                AccessPolicy.Demand(actor, Capability.ManageUsers);
                var newUser = new NewUser(
                    name,
                    parse.GetValue(display) ?? name,
                    [.. parse.GetValue(roles)!.SelectMany(r => r.Split(',')).Select(AccessCodec.ParseRole)],
                    new Scope(List(parse.GetValue(sites)), List(parse.GetValue(cameras)), List(parse.GetValue(watchlists))));
                return await store.CreateUserAsync(newUser, ReadNewPassword(), ct: ct);
            }, ct);
            await GalleryCommands.Audit(host, store, AuditEvent.Ok(actor.Id, "user.created", $"user:{name}", Details(created)), ct);
            host.Out.WriteLine($"created user '{created.Username}' ({string.Join(", ", created.Roles.Select(AccessCodec.Name))})");
            return ArgusCli.Ok;
        }));

        var list = new Command("list", "List users with roles, scope and state.") { ArgusCli.JsonOption };
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            await Identity.Audited(host, store, actor.Id, "user.list", "users", () => AccessPolicy.Demand(actor, Capability.ManageUsers), ct);
            var users = await store.ListUsersAsync(ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteJson(new JsonObject { ["users"] = new JsonArray([.. users.Select(u => (JsonNode)Json(u))]) });
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
            await Identity.Audited(host, store, actor.Id, $"user.{verb}", $"user:{name}", async () =>
            {
                AccessPolicy.Demand(actor, Capability.ManageUsers);
                if (disabled)
                {
                    await KeepAnAdministratorAsync(store, name, ct);
                }

                return await store.SetUserDisabledAsync(name, disabled, ct);
            }, ct);
            await GalleryCommands.Audit(host, store, AuditEvent.Ok(actor.Id, $"user.{verb}d", $"user:{name}"), ct);
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
        var command = new Command("role", "Grant or take away roles.") { username, addRole, removeRole };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var name = parse.GetValue(username)!;
            var changed = await Identity.Audited(host, store, actor.Id, "user.role", $"user:{name}", async () =>
            {
                AccessPolicy.Demand(actor, Capability.ManageUsers);
                var current = await store.GetUserAsync(name, ct) ?? throw new ArgusException("user.not_found", $"There is no user named '{name}'.");
                var set = current.Roles.ToHashSet();
                set.UnionWith((parse.GetValue(addRole) ?? []).Select(AccessCodec.ParseRole));
                set.ExceptWith((parse.GetValue(removeRole) ?? []).Select(AccessCodec.ParseRole));
                if (!set.Contains(Core.Access.Role.Administrator))
                {
                    await KeepAnAdministratorAsync(store, name, ct);
                }

                return await store.SetUserRolesAsync(name, set, ct);
            }, ct);
            await GalleryCommands.Audit(host, store, AuditEvent.Ok(actor.Id, "user.roles_changed", $"user:{name}", AuditDetails.Of(("roles", changed.Roles.Select(AccessCodec.Name)))), ct);
            host.Out.WriteLine($"user '{name}': {(changed.Roles.Count == 0 ? "no roles" : string.Join(", ", changed.Roles.Select(AccessCodec.Name)))}");
            return ArgusCli.Ok;
        }));
        return command;
    }

    private static Command Password(TextWriter output, TextWriter error)
    {
        var username = new Argument<string?>("username") { Description = "Whose password (default: your own; others' need an administrator)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("passwd", $"Set a password from ${NewPasswordVariable} or the first line of stdin; clears a lockout.") { username };
        command.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var name = parse.GetValue(username) ?? actor.Id;
            await Identity.Audited(host, store, actor.Id, "user.passwd", $"user:{name}", async () =>
            {
                if (name != actor.Id)
                {
                    AccessPolicy.Demand(actor, Capability.ManageUsers);
                }

                return await store.SetUserPasswordAsync(name, ReadNewPassword(), ct: ct);
            }, ct);
            await GalleryCommands.Audit(host, store, AuditEvent.Ok(actor.Id, "user.password_changed", $"user:{name}"), ct);
            host.Out.WriteLine($"password of '{name}' changed");
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
        var create = new Command("create", "Create a key acting for USERNAME; the token is printed once.") { username, watchlists, sites };
        create.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            var name = parse.GetValue(username)!;
            var created = await Identity.Audited(host, store, actor.Id, "key.create", $"user:{name}", async () =>
            {
                AccessPolicy.Demand(actor, Capability.ManageUsers);
                Scope? scope = parse.GetValue(watchlists) is null && parse.GetValue(sites) is null
                    ? null
                    : new Scope(
                        parse.GetValue(sites) is { } s ? List(s) : new HashSet<string> { Scope.All },
                        new HashSet<string> { Scope.All },
                        parse.GetValue(watchlists) is { } w ? List(w) : new HashSet<string> { Scope.All });
                return await store.CreateApiKeyAsync(name, scope, ct);
            }, ct);
            await GalleryCommands.Audit(host, store, AuditEvent.Ok(actor.Id, "key.created", $"key:{created.Key.Id}", AuditDetails.Of(
                ("user", name), ("prefix", created.Key.Prefix), ("scope", created.Key.Scope is { } sc ? AccessCodec.ScopeJson(sc) : null))), ct);
            host.Out.WriteLine($"created API key #{created.Key.Id} for '{name}'");
            host.Out.WriteLine($"token: {created.Token}");
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
            var revoked = await Identity.Audited(host, store, actor.Id, "key.revoke", $"key:{keyId}", async () =>
            {
                AccessPolicy.Demand(actor, Capability.ManageUsers);
                return await store.RevokeApiKeyAsync(keyId, ct);
            }, ct);
            await GalleryCommands.Audit(host, store, AuditEvent.Ok(actor.Id, "key.revoked", $"key:{keyId}", AuditDetails.Of(("user", revoked.Username))), ct);
            host.Out.WriteLine($"revoked API key #{keyId} of '{revoked.Username}'");
            return ArgusCli.Ok;
        }));

        var list = new Command("list", "A user's keys (never their tokens).") { username };
        list.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await GalleryCommands.OpenStore(host, ct);
            var actor = await Identity.RequireAsync(host, store, parse, ct);
            await Identity.Audited(host, store, actor.Id, "key.list", $"user:{parse.GetValue(username)}", () => AccessPolicy.Demand(actor, Capability.ManageUsers), ct);
            foreach (var k in await store.ListApiKeysAsync(parse.GetValue(username)!, ct))
            {
                host.Out.WriteLine($"#{k.Id,-4} argus_{k.Prefix}_…  {(k.Revoked ? "revoked" : "active"),-8} created {k.CreatedAt:yyyy-MM-dd}  last used {k.LastUsedAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "never"}");
            }

            return ArgusCli.Ok;
        }));

        keys.Subcommands.Add(create);
        keys.Subcommands.Add(revoke);
        keys.Subcommands.Add(list);
        return keys;
    }

    /// <summary>Refuses (<c>user.last_administrator</c>) a change that would leave no enabled administrator to manage users.</summary>
    private static async Task KeepAnAdministratorAsync(ArgusStore store, string losing, CancellationToken ct)
    {
        var others = (await store.ListUsersAsync(ct)).Count(u => u.Username != losing && !u.Disabled && u.Roles.Contains(Core.Access.Role.Administrator));
        if (others == 0 && (await store.GetUserAsync(losing, ct))?.Roles.Contains(Core.Access.Role.Administrator) == true)
        {
            throw new ArgusException("user.last_administrator", $"'{losing}' is the last enabled administrator: add another administrator first.");
        }
    }

    private static string ReadNewPassword()
    {
        var password = CliEnvironment.Get(NewPasswordVariable) ?? CliEnvironment.Input.ReadLine();
        PasswordHasher.RequireStrong(password);
        return password!;
    }

    internal static HashSet<string> List(string? csv) =>
        csv is null ? [] : [.. csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static string Details(User u) => AuditDetails.Of(("roles", u.Roles.Select(AccessCodec.Name)), ("scope", AccessCodec.ScopeJson(u.Scope)));

    private static JsonObject Json(User u) => new()
    {
        ["username"] = u.Username,
        ["display_name"] = u.DisplayName,
        ["roles"] = new JsonArray([.. u.Roles.Select(r => (JsonNode)AccessCodec.Name(r))]),
        ["scope"] = JsonNode.Parse(AccessCodec.ScopeJson(u.Scope)),
        ["disabled"] = u.Disabled,
        ["locked_until"] = u.LockedUntil?.ToString("O", CultureInfo.InvariantCulture),
    };
}
