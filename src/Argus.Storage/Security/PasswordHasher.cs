using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Argus.Core;
using Konscious.Security.Cryptography;

namespace Argus.Storage.Security;

/// <summary>
/// Argon2id cost. The default follows OWASP's password storage guidance (19 MiB, 2 passes, 1 lane): about 50 ms per
/// check here, which makes offline guessing of a stolen table expensive. Each hash stores its own parameters, so raising
/// them later does not invalidate existing passwords.
/// </summary>
public sealed record Argon2Parameters(int MemoryKiB, int Iterations, int Parallelism)
{
    public static Argon2Parameters Default { get; } = new(19_456, 2, 1);
}

/// <summary>
/// Memory-hard password hashing. Stored form: <c>argon2id$m=MEMORY,t=ITERATIONS,p=LANES$SALT$HASH</c> (base64), with a
/// 16-byte random salt per user and a 32-byte output.
/// </summary>
public static class PasswordHasher
{
    public const int MinimumLength = 12;

    private const string Scheme = "argon2id";

    public static string Hash(string password, Argon2Parameters? parameters = null)
    {
        var p = parameters ?? Argon2Parameters.Default;
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Derive(password, salt, p);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Scheme}$m={p.MemoryKiB},t={p.Iterations},p={p.Parallelism}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>True when <paramref name="password"/> matches <paramref name="stored"/>; false for any malformed stored value.</summary>
    public static bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme)
        {
            return false;
        }

        try
        {
            var settings = parts[1].Split(',').Select(s => s.Split('=')).ToDictionary(kv => kv[0], kv => int.Parse(kv[1], CultureInfo.InvariantCulture));
            var p = new Argon2Parameters(settings["m"], settings["t"], settings["p"]);
            var expected = Convert.FromBase64String(parts[3]);
            var actual = Derive(password, Convert.FromBase64String(parts[2]), p);
            return CryptographicOperations.FixedTimeEquals(expected, actual);
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or IndexOutOfRangeException or OverflowException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Refuses passwords too short to resist guessing (<c>user.password_weak</c>).</summary>
    public static void RequireStrong(string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinimumLength)
        {
            throw new ArgusException("user.password_weak", $"The password must have at least {MinimumLength} characters.");
        }
    }

    /// <summary>A random password of 24 URL-safe characters (144 bits), for bootstrap credentials.</summary>
    public static string Generate() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');

    private static byte[] Derive(string password, byte[] salt, Argon2Parameters p)
    {
        using var argon = new Argon2id(Encoding.UTF8.GetBytes(password))
        {
            Salt = salt,
            MemorySize = p.MemoryKiB,
            Iterations = p.Iterations,
            DegreeOfParallelism = p.Parallelism,
        };
        return argon.GetBytes(32);
    }
}
