using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Argus.Core;
using Argus.Core.Access;
using Argus.Storage.Security;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>
/// Users (Argon2id password hashes, roles, scope, lockout) and API keys (stored as the SHA-256 of the token, scoped,
/// revocable). Refusals: <c>user.exists</c>, <c>user.not_found</c>, <c>user.invalid_name</c>, <c>user.password_weak</c>,
/// <c>key.not_found</c>. Login failures are outcomes (<see cref="LoginOutcome"/>), not exceptions, because the failure
/// count must be committed.
/// </summary>
public sealed partial class ArgusStore
{
    private const string UserColumns =
        "id, username, display_name, roles, scope, disabled, failed_attempts, locked_until_ticks, created_at, updated_at, security_stamp";

    private const string KeyPrefix = "argus_";

    // Checked for unknown users too, so that timing does not tell which usernames exist.
    private static readonly Lazy<string> DummyHash = new(() => PasswordHasher.Hash(PasswordHasher.Generate()));

    public Task<User> CreateUserAsync(NewUser user, string password, Argon2Parameters? hashing = null, CancellationToken ct = default)
    {
        RequireUsername(user.Username);
        PasswordHasher.RequireStrong(password);
        var hash = PasswordHasher.Hash(password, hashing);
        return WriteAsync((connection, transaction, _) => InsertUserAsync(connection, transaction, user, hash, ct), ct);
    }

    /// <summary>Creates the first administrator only while no user exists; null when there already is one.</summary>
    public Task<User?> TryBootstrapAdministratorAsync(string username, string password, Argon2Parameters? hashing = null, CancellationToken ct = default)
    {
        RequireUsername(username);
        PasswordHasher.RequireStrong(password);
        var hash = PasswordHasher.Hash(password, hashing);
        return WriteAsync<User?>(
            async (connection, transaction, _) =>
            {
                await using (var count = connection.Command(transaction, "SELECT COUNT(*) FROM users"))
                {
                    if (await count.ScalarInt64Async(ct) > 0)
                    {
                        return null;
                    }
                }

                return await InsertUserAsync(connection, transaction, new NewUser(username, "Administrator", [Role.Administrator], Scope.Everything), hash, ct);
            },
            ct);
    }

    public Task<IReadOnlyList<User>> ListUsersAsync(CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<User>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, $"SELECT {UserColumns} FROM users ORDER BY username");
                await using var reader = await command.ExecuteReaderAsync(ct);
                var users = new List<User>();
                while (await reader.ReadAsync(ct))
                {
                    users.Add(ReadUser(reader));
                }

                return users;
            },
            ct);

    public Task<User?> GetUserAsync(string username, CancellationToken ct = default) =>
        ReadAsync((connection, transaction, ct) => FindUserAsync(connection, transaction, username, ct), ct);

    public Task<User> SetUserDisabledAsync(string username, bool disabled, CancellationToken ct = default) =>
        UpdateUserAsync(username, "disabled = @v", disabled ? 1 : 0, ct);

    public Task<User> SetUserRolesAsync(string username, IReadOnlyCollection<Role> roles, CancellationToken ct = default) =>
        UpdateUserAsync(username, "roles = @v", AccessCodec.Roles(roles), ct);

    public Task<User> SetUserScopeAsync(string username, Scope scope, CancellationToken ct = default) =>
        UpdateUserAsync(username, $"scope = {_dialect.Json("@v")}", AccessCodec.ScopeJson(scope), ct);

    /// <summary>
    /// Sets a password and clears a lockout; with <paramref name="revokeKeys"/> every API key of the user is revoked in
    /// the same transaction (a password change after a suspected compromise must not leave a key working).
    /// </summary>
    public Task<User> SetUserPasswordAsync(string username, string password, Argon2Parameters? hashing = null, bool revokeKeys = false, CancellationToken ct = default)
    {
        PasswordHasher.RequireStrong(password);
        return UpdateUserAsync(
            username,
            "password_hash = @v, failed_attempts = 0, locked_until_ticks = NULL",
            PasswordHasher.Hash(password, hashing),
            revokeKeys ? "UPDATE api_keys SET revoked = 1 WHERE user_id = (SELECT id FROM users WHERE username = @u)" : null,
            ct);
    }

    /// <summary>
    /// Checks a password. Wrong passwords count; <see cref="LockoutPolicy.MaxFailures"/> in a row lock the account for
    /// <see cref="LockoutPolicy.Duration"/>, during which even the right password is refused. Success resets the count.
    /// </summary>
    public async Task<LoginOutcome> LoginAsync(string username, string password, LockoutPolicy? lockout = null, CancellationToken ct = default)
    {
        var policy = lockout ?? LockoutPolicy.Default;
        var found = await ReadAsync<(User User, string Hash)?>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, $"SELECT {UserColumns}, password_hash FROM users WHERE username = @u");
                command.Add("u", username);
                await using var reader = await command.ExecuteReaderAsync(ct);
                return await reader.ReadAsync(ct) ? (ReadUser(reader), reader.GetString(11)) : null;
            },
            ct);
        var now = _time.GetUtcNow();
        if (found is not { } f)
        {
            PasswordHasher.Verify(password, DummyHash.Value);
            return new LoginOutcome(LoginStatus.UnknownUser, username, null);
        }

        if (f.User.LockedUntil is { } until && until > now)
        {
            // Verified against nothing, so that a locked account takes as long to refuse as a wrong password.
            PasswordHasher.Verify(password, DummyHash.Value);
            return new LoginOutcome(LoginStatus.Locked, username, null, f.User.FailedAttempts, until);
        }

        var ok = PasswordHasher.Verify(password, f.Hash);
        return await WriteAsync(
            async (connection, transaction, _) =>
            {
                if (ok)
                {
                    await using var reset = connection.Command(transaction, "UPDATE users SET failed_attempts = 0, locked_until_ticks = NULL WHERE id = @id");
                    reset.Add("id", f.User.Id);
                    await reset.ExecuteNonQueryAsync(ct);
                    return f.User.Disabled
                        ? new LoginOutcome(LoginStatus.Disabled, username, null)
                        : new LoginOutcome(LoginStatus.Ok, username, f.User.ToPrincipal(), SecurityStamp: f.User.SecurityStamp);
                }

                // Count in SQL so that concurrent failures are all counted.
                await using var count = connection.Command(transaction, "UPDATE users SET failed_attempts = failed_attempts + 1 WHERE id = @id RETURNING failed_attempts");
                count.Add("id", f.User.Id);
                var failures = (int)await count.ScalarInt64Async(ct);
                DateTimeOffset? lockedUntil = null;
                if (failures >= policy.MaxFailures)
                {
                    lockedUntil = now + policy.Duration;
                    await using var lockUser = connection.Command(transaction, "UPDATE users SET failed_attempts = 0, locked_until_ticks = @t WHERE id = @id");
                    lockUser.Add("t", lockedUntil.Value.UtcTicks).Add("id", f.User.Id);
                    await lockUser.ExecuteNonQueryAsync(ct);
                }

                return new LoginOutcome(lockedUntil is null ? LoginStatus.WrongPassword : LoginStatus.Locked, username, null, failures, lockedUntil);
            },
            ct);
    }

    /// <summary>Creates an API key for <paramref name="username"/>, optionally narrowed to <paramref name="scope"/>; the token is returned once.</summary>
    public Task<CreatedApiKey> CreateApiKeyAsync(string username, Scope? scope = null, CancellationToken ct = default) =>
        InsertApiKeyAsync(username, scope, pending: false, createdBy: username, ct);

    /// <summary>
    /// A key prepared by <paramref name="createdBy"/> for <paramref name="username"/> that acts for nobody until its user
    /// claims it (<see cref="ClaimApiKeyAsync"/>): its stored secret is the hash of a token nobody was ever given.
    /// </summary>
    public async Task<ApiKey> CreatePendingApiKeyAsync(string username, Scope? scope, string createdBy, CancellationToken ct = default) =>
        (await InsertApiKeyAsync(username, scope, pending: true, createdBy, ct)).Key;

    /// <summary>
    /// Turns the pending key <paramref name="keyId"/> of <paramref name="username"/> into a working key with a fresh
    /// token, returned once (<c>key.not_found</c> for another user's key, <c>key.not_pending</c> when already claimed or revoked).
    /// </summary>
    public Task<CreatedApiKey> ClaimApiKeyAsync(long keyId, string username, CancellationToken ct = default)
    {
        var (prefix, token) = NewToken();
        return WriteAsync(
            async (connection, transaction, _) =>
            {
                var key = await FindKeyAsync(connection, transaction, keyId, ct);
                if (key is null || key.Username != username)
                {
                    throw new ArgusException("key.not_found", $"You have no API key with id {keyId}.");
                }

                if (!key.Pending || key.Revoked)
                {
                    throw new ArgusException("key.not_pending", $"API key {keyId} is {(key.Revoked ? "revoked" : "already claimed")}: only a pending key can be claimed.");
                }

                await using (var update = connection.Command(transaction, "UPDATE api_keys SET pending = 0, prefix = @p, secret_sha256 = @s WHERE id = @id AND pending = 1"))
                {
                    update.Add("p", prefix).Add("s", Sha256(token)).Add("id", keyId);
                    if (await update.ExecuteNonQueryAsync(ct) != 1)
                    {
                        throw new ArgusException("key.not_pending", $"API key {keyId} was claimed at the same time by another request.");
                    }
                }

                return new CreatedApiKey((await FindKeyAsync(connection, transaction, keyId, ct))!, token);
            },
            ct);
    }

    private Task<CreatedApiKey> InsertApiKeyAsync(string username, Scope? scope, bool pending, string createdBy, CancellationToken ct)
    {
        var (prefix, token) = NewToken();
        var now = _time.GetUtcNow();
        return WriteAsync(
            async (connection, transaction, _) =>
            {
                var user = await FindUserAsync(connection, transaction, username, ct) ?? throw UserNotFound(username);
                await using var insert = connection.Command(
                    transaction,
                    $"INSERT INTO api_keys (user_id, prefix, secret_sha256, scope, created_at, pending, created_by) VALUES (@u, @p, @s, {_dialect.Json("@scope")}, @t, @pending, @by) RETURNING id");
                insert.Add("u", user.Id).Add("p", prefix).Add("s", Sha256(token)).Add("scope", scope is null ? null : AccessCodec.ScopeJson(scope)).Add("t", now)
                    .Add("pending", pending ? 1 : 0).Add("by", createdBy);
                var id = await insert.ScalarInt64Async(ct);
                return new CreatedApiKey(new ApiKey(id, user.Id, user.Username, prefix, scope, false, now, null, pending, createdBy), pending ? "" : token);
            },
            ct);
    }

    private static (string Prefix, string Token) NewToken()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        return (prefix, $"{KeyPrefix}{prefix}_{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_')}");
    }

    /// <summary>The key with this id, or null.</summary>
    public Task<ApiKey?> GetApiKeyAsync(long keyId, CancellationToken ct = default) =>
        ReadAsync((connection, transaction, ct) => FindKeyAsync(connection, transaction, keyId, ct), ct);

    private static async Task<ApiKey?> FindKeyAsync(DbConnection connection, DbTransaction transaction, long keyId, CancellationToken ct)
    {
        await using var read = connection.Command(transaction, $"{KeyColumns} WHERE k.id = @id");
        read.Add("id", keyId);
        await using var reader = await read.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadKey(reader) : null;
    }

    public Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(string username, CancellationToken ct = default) =>
        ReadAsync<IReadOnlyList<ApiKey>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, $"{KeyColumns} WHERE u.username = @u ORDER BY k.id");
                command.Add("u", username);
                await using var reader = await command.ExecuteReaderAsync(ct);
                var keys = new List<ApiKey>();
                while (await reader.ReadAsync(ct))
                {
                    keys.Add(ReadKey(reader));
                }

                return keys;
            },
            ct);

    /// <summary>Revokes a key by id; returns it (<c>key.not_found</c> when unknown).</summary>
    public Task<ApiKey> RevokeApiKeyAsync(long keyId, CancellationToken ct = default) =>
        WriteAsync(
            async (connection, transaction, _) =>
            {
                await using var update = connection.Command(transaction, "UPDATE api_keys SET revoked = 1 WHERE id = @id");
                update.Add("id", keyId);
                if (await update.ExecuteNonQueryAsync(ct) == 0)
                {
                    throw new ArgusException("key.not_found", $"There is no API key with id {keyId}.");
                }

                await using var read = connection.Command(transaction, $"{KeyColumns} WHERE k.id = @id");
                read.Add("id", keyId);
                await using var reader = await read.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                return ReadKey(reader);
            },
            ct);

    /// <summary>Checks an API key token: the key's user, roles, and the key's scope within the user's.</summary>
    public Task<LoginOutcome> AuthenticateApiKeyAsync(string token, CancellationToken ct = default)
    {
        var parts = token.StartsWith(KeyPrefix, StringComparison.Ordinal) ? token[KeyPrefix.Length..].Split('_', 2) : [];
        if (parts.Length != 2)
        {
            return Task.FromResult(new LoginOutcome(LoginStatus.UnknownUser, "api-key", null));
        }

        var prefix = parts[0];
        return WriteAsync(
            async (connection, transaction, _) =>
            {
                (ApiKey Key, string Secret)? found = null;
                await using (var read = connection.Command(transaction, $"{KeyColumns} WHERE k.prefix = @p"))
                {
                    read.Add("p", prefix);
                    await using var reader = await read.ExecuteReaderAsync(ct);
                    if (await reader.ReadAsync(ct))
                    {
                        found = (ReadKey(reader), reader.GetString(8));
                    }
                }

                if (found is not { } f || f.Key.Pending || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(f.Secret), Encoding.ASCII.GetBytes(Sha256(token))))
                {
                    return new LoginOutcome(LoginStatus.UnknownUser, $"key:{prefix}", null);
                }

                var user = await FindUserAsync(connection, transaction, f.Key.Username, ct) ?? throw UserNotFound(f.Key.Username);
                if (f.Key.Revoked)
                {
                    return new LoginOutcome(LoginStatus.RevokedKey, user.Username, null, KeyId: f.Key.Id);
                }

                if (user.Disabled)
                {
                    return new LoginOutcome(LoginStatus.Disabled, user.Username, null, KeyId: f.Key.Id);
                }

                await using (var used = connection.Command(transaction, "UPDATE api_keys SET last_used_at = @t WHERE id = @id"))
                {
                    used.Add("t", _time.GetUtcNow()).Add("id", f.Key.Id);
                    await used.ExecuteNonQueryAsync(ct);
                }

                var principal = user.ToPrincipal();
                if (f.Key.Scope is { } keyScope)
                {
                    principal = principal with { Scope = AccessCodec.Intersect(user.Scope, keyScope) };
                }

                return new LoginOutcome(LoginStatus.Ok, user.Username, principal, KeyId: f.Key.Id);
            },
            ct);
    }

    private const string KeyColumns =
        "SELECT k.id, k.user_id, u.username, k.prefix, k.scope, k.revoked, k.created_at, k.last_used_at, k.secret_sha256, k.pending, k.created_by FROM api_keys k JOIN users u ON u.id = k.user_id";

    private async Task<User> InsertUserAsync(DbConnection connection, DbTransaction transaction, NewUser user, string hash, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        await using var insert = connection.Command(
            transaction,
            $"""
            INSERT INTO users (username, display_name, password_hash, roles, scope, created_at, updated_at)
            VALUES (@u, @d, @h, @r, {_dialect.Json("@s")}, @t, @t) RETURNING id
            """);
        insert.Add("u", user.Username).Add("d", user.DisplayName).Add("h", hash).Add("r", AccessCodec.Roles(user.Roles))
            .Add("s", AccessCodec.ScopeJson(user.Scope)).Add("t", now);
        try
        {
            var id = await insert.ScalarInt64Async(ct);
            return new User(id, user.Username, user.DisplayName, user.Roles.ToHashSet(), user.Scope, false, 0, null, now, now, 0);
        }
        catch (DbException e) when (_dialect.IsUniqueViolation(e))
        {
            throw new ArgusException("user.exists", $"A user named '{user.Username}' already exists.", e);
        }
    }

    /// <summary>
    /// Every change to a user's standing (enabled, roles, scope, password) moves its security stamp on: sessions opened
    /// under an older stamp end at their next request, in this process or any other sharing the store.
    /// </summary>
    private Task<User> UpdateUserAsync(string username, string assignment, object value, CancellationToken ct) =>
        UpdateUserAsync(username, assignment, value, null, ct);

    /// <summary>As the other overload, also running <paramref name="alsoSql"/> (parameter <c>@u</c>: the username) in the same transaction.</summary>
    private Task<User> UpdateUserAsync(string username, string assignment, object value, string? alsoSql, CancellationToken ct) =>
        WriteAsync(
            async (connection, transaction, _) =>
            {
                await using (var update = connection.Command(transaction, $"UPDATE users SET {assignment}, security_stamp = security_stamp + 1, updated_at = @t WHERE username = @u"))
                {
                    update.Add("v", value).Add("t", _time.GetUtcNow()).Add("u", username);
                    if (await update.ExecuteNonQueryAsync(ct) == 0)
                    {
                        throw UserNotFound(username);
                    }
                }

                if (alsoSql is not null)
                {
                    await using var also = connection.Command(transaction, alsoSql);
                    also.Add("u", username);
                    await also.ExecuteNonQueryAsync(ct);
                }

                return (await FindUserAsync(connection, transaction, username, ct))!;
            },
            ct);

    private static async Task<User?> FindUserAsync(DbConnection connection, DbTransaction transaction, string username, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, $"SELECT {UserColumns} FROM users WHERE username = @u");
        command.Add("u", username);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadUser(reader) : null;
    }

    private static User ReadUser(DbDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        r.GetString(2),
        AccessCodec.ParseStoredRoles(r.GetString(3)),
        AccessCodec.ParseScope(r.GetString(4)),
        Convert.ToInt64(r.GetValue(5)) != 0,
        Convert.ToInt32(r.GetValue(6)),
        r.IsDBNull(7) ? null : new DateTimeOffset(r.GetInt64(7), TimeSpan.Zero),
        r.GetTimestamp(8),
        r.GetTimestamp(9),
        Convert.ToInt64(r.GetValue(10)));

    private static ApiKey ReadKey(DbDataReader r) => new(
        r.GetInt64(0),
        r.GetInt64(1),
        r.GetString(2),
        r.GetString(3),
        r.IsDBNull(4) ? null : AccessCodec.ParseScope(r.GetString(4)),
        Convert.ToInt64(r.GetValue(5)) != 0,
        r.GetTimestamp(6),
        r.IsDBNull(7) ? null : r.GetTimestamp(7),
        Convert.ToInt64(r.GetValue(9)) != 0,
        r.IsDBNull(10) ? null : r.GetString(10));

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static ArgusException UserNotFound(string username) => new("user.not_found", $"There is no user named '{username}'.");

    private static void RequireUsername(string username)
    {
        if (username.Length is 0 or > 64 || !char.IsAsciiLetterOrDigit(username[0])
            || !username.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-'))
        {
            throw new ArgusException("user.invalid_name", $"Username '{username}' is not valid: use 1-64 lower-case letters, digits, '.', '_' or '-'.");
        }
    }
}
