using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Argus.Server.Security;

/// <summary>A console session: who, until when, and the token that unsafe requests must echo (anti-forgery).</summary>
internal sealed record Session(string Id, string Username, string CsrfToken, DateTimeOffset ExpiresAt);

/// <summary>
/// Server-side sessions: the cookie carries only a random 256-bit id, so a session ends at logout, at expiry, or when
/// its user is disabled (the user is read from the store on every request). In memory: a restart logs everyone out,
/// and several server processes would need a shared store (not needed for the single-process deployment).
/// </summary>
internal sealed class SessionStore(TimeProvider time, IConfiguration configuration)
{
    public const string CookieName = "argus_session";
    public const string CsrfHeader = "X-Argus-CSRF";

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly TimeSpan _lifetime = TimeSpan.FromHours(configuration.GetValue("Argus:SessionHours", 12.0));

    public Session Create(string username)
    {
        var now = time.GetUtcNow();
        foreach (var stale in _sessions.Where(s => s.Value.ExpiresAt <= now).Select(s => s.Key).ToList())
        {
            _sessions.TryRemove(stale, out _);
        }

        var session = new Session(Token(), username, Token(), now + _lifetime);
        _sessions[session.Id] = session;
        return session;
    }

    public Session? Find(string id) =>
        _sessions.TryGetValue(id, out var s) && s.ExpiresAt > time.GetUtcNow() ? s : null;

    public void End(string id) => _sessions.TryRemove(id, out _);

    /// <summary>Ends every session of a user (disabled, password changed).</summary>
    public void EndAll(string username)
    {
        foreach (var s in _sessions.Values.Where(s => s.Username == username).ToList())
        {
            _sessions.TryRemove(s.Id, out _);
        }
    }

    private static string Token() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
