using System.Security.Cryptography;
using Argus.Core;
using Argus.Core.Audit;

namespace Argus.Application.Auditing;

/// <summary>
/// The audit chain's key: <c>ARGUS_AUDIT_KEY</c> (hex or base64, 256 bits or more), as production must provide it from
/// its secrets store. Without it, an embedded single-machine installation gets a key generated once into
/// <c>DATA/secrets/audit.key</c> (mode 600), which still stops anyone who can change only the database from rewriting
/// the log. Shared by the CLI and the server so that both write and verify one chain.
/// </summary>
public static class AuditKey
{
    public const string Variable = "ARGUS_AUDIT_KEY";

    /// <summary>
    /// Loads (or, first time, generates) the key; <paramref name="generated"/> hears the path of a new key file. A key
    /// is generated only for an empty log: when <paramref name="logHasRecords"/> says the log already has records, a
    /// missing key file is <c>audit.key_missing</c>, since a new key would make every existing record look edited.
    /// </summary>
    public static AuditChain LoadChain(string dataDirectory, Func<string, string?> settings, Action<string>? generated = null, Func<bool>? logHasRecords = null)
    {
        if (settings(Variable) is { Length: > 0 } secret)
        {
            return AuditChain.FromSecret(secret);
        }

        var path = Path.Combine(dataDirectory, "secrets", "audit.key");
        if (!File.Exists(path))
        {
            if (logHasRecords?.Invoke() == true)
            {
                throw new ArgusException(
                    "audit.key_missing",
                    $"The audit key {path} is missing but the audit log already has records: restore the key file from your backup or set {Variable}. " +
                    "No new key is made, because records written with another key cannot be verified.");
            }

            PrivateFiles.CreateDirectory(Path.GetDirectoryName(path)!);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);
                writer.Write(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: use theirs.
            }

            generated?.Invoke(path);
        }

        return AuditChain.FromSecret(File.ReadAllText(path).Trim());
    }
}
