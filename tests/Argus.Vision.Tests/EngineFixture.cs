using Argus.Tests;
using Argus.Vision.Pipeline;

namespace Argus.Vision.Tests;

/// <summary>One engine (with liveness and pose) shared by all model tests, as a process would share it.</summary>
public sealed class EngineFixture : IDisposable
{
    private readonly Lazy<FaceEngine> _engine = new(() => new FaceEngineBuilder()
        .UseModelDirectory(TestPaths.Models)
        .EnableLiveness()
        .EnablePose()
        .Build());

    public FaceEngine Engine => _engine.Value;

    public void Dispose()
    {
        if (_engine.IsValueCreated)
        {
            _engine.Value.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class EngineGroup : ICollectionFixture<EngineFixture>
{
    public const string Name = "engine";
}
