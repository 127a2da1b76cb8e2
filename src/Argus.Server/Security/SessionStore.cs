using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Argus.Server.Security;

/// <summary>
/// A console session: who, until when, the token that unsafe requests must echo (anti-forgery), and the user's security
/// stamp when it was opened (a change to the account moves the stamp and so ends the session).
/// </summary>
internal sealed record Session(string Id, string Username, string CsrfToken, DateTimeOffset ExpiresAt, long Stamp = 0);

/// <summary>
/// Server-side sessions: the cookie carries only a random 256-bit id, so a session ends at logout, at expiry, or when
/// its user's account changes (disabled, a role or scope taken away, a new password): the user is read from the store
/// on every request and a session whose stamp is older than the user's is ended, whichever process made the change.
/// Changes made through this process also end the user's open alert streams at once (<see cref="Watch"/>). In memory:
/// a restart logs everyone out, and several server processes would need a shared store (not needed for the
/// single-process deployment).
/// </summary>
internal sealed class SessionStore(TimeProvider time, IConfiguration configuration)
{
    public const string CookieName = "argus_session";
    public const string CsrfHeader = "X-Argus-CSRF";

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _revocations = new(StringComparer.Ordinal);
    private readonly TimeSpan _lifetime = TimeSpan.FromHours(configuration.GetValue("Argus:SessionHours", 12.0));

    public Session Create(string username, long stamp = 0)
    {
        var now = time.GetUtcNow();
        foreach (var stale in _sessions.Where(s => s.Value.ExpiresAt <= now).Select(s => s.Key).ToList())
        {
            _sessions.TryRemove(stale, out _);
        }

        var session = new Session(Token(), username, Token(), now + _lifetime, stamp);
        _sessions[session.Id] = session;
        return session;
    }

    public Session? Find(string id) =>
        _sessions.TryGetValue(id, out var s) && s.ExpiresAt > time.GetUtcNow() ? s : null;

    public void End(string id) => _sessions.TryRemove(id, out _);

    /// <summary>
    /// Ends every session of a user (disabled, role or scope taken away, password changed) and cancels
    /// <see cref="Watch"/> for them, which closes their open streams. <paramref name="keep"/> survives, moved to
    /// <paramref name="keepStamp"/>: the session that changed its own password.
    /// </summary>
    public void EndAll(string username, string? keep = null, long keepStamp = 0)
    {
        foreach (var s in _sessions.Values.Where(s => s.Username == username).ToList())
        {
            if (s.Id == keep)
            {
                _sessions[s.Id] = s with { Stamp = keepStamp };
            }
            else
            {
                _sessions.TryRemove(s.Id, out _);
            }
        }

        if (_revocations.TryRemove(username, out var revoked))
        {
            revoked.Cancel();
            revoked.Dispose();
        }
    }

    /// <summary>Cancelled when <see cref="EndAll"/> runs for <paramref name="username"/>: long-lived responses (the alert stream) link it.</summary>
    public CancellationToken Watch(string username)
    {
        while (true)
        {
            var source = _revocations.GetOrAdd(username, _ => new CancellationTokenSource());
            try
            {
                return source.Token;
            }
            catch (ObjectDisposedException)
            {
                // Revoked and disposed between GetOrAdd and Token: the next GetOrAdd makes a fresh one.
                _revocations.TryRemove(new KeyValuePair<string, CancellationTokenSource>(username, source));
            }
        }
    }

    private static string Token() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
