using System.Security.Cryptography;
using Argus.Core;

namespace Argus.Vision.Models;

/// <summary>Finds model files in a directory and refuses any that is missing or differs from the manifest.</summary>
public sealed class ModelStore
{
    public const string FixCommand = "argus models fetch";

    public ModelStore(string directory, ModelManifest? manifest = null)
    {
        Directory = directory;
        Manifest = manifest ?? ModelManifest.Default;
    }

    public string Directory { get; }

    public ModelManifest Manifest { get; }

    /// <summary>Path of a verified model file; throws <see cref="ArgusException"/> (models.missing / models.tampered).</summary>
    public string Resolve(string name)
    {
        var entry = Manifest.File(name);
        var path = Path.Combine(Directory, entry.Name);
        if (!System.IO.File.Exists(path))
        {
            throw new ArgusException(
                "models.missing",
                $"Model file {entry.Name} is missing from {Directory}. Run `{FixCommand}` (or set ARGUS_MODELS to where the models are).");
        }

        var actual = Sha256OfFile(path);
        if (!string.Equals(actual, entry.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgusException(
                "models.tampered",
                $"Model file {path} does not match the manifest (sha256 {actual[..12]}…, expected {entry.Sha256[..12]}…). Run `{FixCommand}` to reinstall it.");
        }

        return path;
    }

    /// <summary>Checks every model in the manifest; returns (name, problem or null) per file.</summary>
    public IReadOnlyList<(string Name, string? Problem)> VerifyAll()
    {
        var results = new List<(string, string?)>();
        foreach (var file in Manifest.Files)
        {
            try
            {
                Resolve(file.Name);
                results.Add((file.Name, null));
            }
            catch (ArgusException e)
            {
                results.Add((file.Name, e.Message));
            }
        }

        return results;
    }

    public static string Sha256OfFile(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
