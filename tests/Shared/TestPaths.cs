namespace Argus.Tests;

/// <summary>
/// Where tests find the repository, the models and the dev faces. Model tests fail with the fixing command when
/// models are missing (./test.sh always installs them); dev-face tests are skipped, saying why, when the data set
/// is absent.
/// </summary>
internal static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Models =>
        Environment.GetEnvironmentVariable("ARGUS_MODELS") is { Length: > 0 } m ? m : Path.Combine(RepositoryRoot, "models");

    public static string FacesDev =>
        Environment.GetEnvironmentVariable("ARGUS_FACES_DEV") is { Length: > 0 } f
            ? f
            : Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "data", "faces-dev"));

    /// <summary>Skips the calling test when faces-dev is absent.</summary>
    public static string RequireFacesDev()
    {
        Skip.IfNot(
            File.Exists(Path.Combine(FacesDev, "pairs.csv")),
            $"faces-dev not found at {FacesDev}; set ARGUS_FACES_DEV or place it at ../shared/data/faces-dev.");
        return FacesDev;
    }

    public static string FacesDevFile(string relative) => Path.Combine(RequireFacesDev(), relative);

    /// <summary>A fresh directory under the system temp folder, removed by the caller's Dispose.</summary>
    public static TempDirectory TempDirectory() => new();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Argus.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (Argus.slnx) above " + AppContext.BaseDirectory);
    }
}

internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "argus-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
