using System.Text.Json;
using System.Text.Json.Serialization;

namespace Argus.Vision.Models;

public sealed record ManifestPackage(string Name, string Version, string TarballSha256, string Licence)
{
    public string Spec => $"{Name}@{Version}";
}

/// <summary>The embedding contract the embedder's templates carry; <see cref="Id"/> must equal the engine's.</summary>
public sealed record ManifestContract(string Id, int PreprocessingVersion, int Dimension);

public sealed record ManifestFile(
    string Name,
    string Package,
    string Path,
    string Sha256,
    string? Role = null,
    string? Input = null,
    string? Output = null,
    ManifestContract? EmbeddingContract = null);

/// <summary>The committed list of every external file Argus loads, with the hashes that pin them.</summary>
public sealed record ModelManifest(IReadOnlyList<ManifestPackage> Packages, IReadOnlyList<ManifestFile> Files, IReadOnlyList<ManifestFile> Demo)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    private static readonly Lazy<ModelManifest> Embedded = new(LoadEmbedded);

    public static ModelManifest Default => Embedded.Value;

    public ManifestFile File(string name) =>
        Files.FirstOrDefault(f => f.Name == name) ?? throw new InvalidOperationException($"Model '{name}' is not in the manifest.");

    public ManifestPackage Package(string name) =>
        Packages.FirstOrDefault(p => p.Name == name) ?? throw new InvalidOperationException($"Package '{name}' is not in the manifest.");

    private static ModelManifest LoadEmbedded()
    {
        using var stream = typeof(ModelManifest).Assembly.GetManifestResourceStream("Argus.Vision.models.manifest.json")
            ?? throw new InvalidOperationException("The model manifest resource is missing from Argus.Vision.");
        return JsonSerializer.Deserialize<ModelManifest>(stream, JsonOptions)
            ?? throw new InvalidOperationException("The model manifest is empty.");
    }
}
