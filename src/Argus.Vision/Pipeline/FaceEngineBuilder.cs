using Argus.Vision.Models;

namespace Argus.Vision.Pipeline;

/// <summary>
/// Configures and builds a <see cref="FaceEngine"/>. Build once per process: the engine holds one ONNX session
/// per model and is safe to share across threads.
/// </summary>
public sealed class FaceEngineBuilder
{
    private string? _modelDirectory;
    private FaceEngineOptions _options = new();
    private bool _liveness;
    private bool _pose;

    public FaceEngineBuilder UseModelDirectory(string directory)
    {
        _modelDirectory = directory;
        return this;
    }

    public FaceEngineBuilder WithOptions(FaceEngineOptions options)
    {
        _options = options;
        return this;
    }

    /// <summary>Loads the passive liveness model (experimental: never let it decide alone).</summary>
    public FaceEngineBuilder EnableLiveness(bool enable = true)
    {
        _liveness = enable;
        return this;
    }

    /// <summary>Loads the head-pose model (adds yaw, pitch and roll to face quality).</summary>
    public FaceEngineBuilder EnablePose(bool enable = true)
    {
        _pose = enable;
        return this;
    }

    /// <summary>Verifies every model file against the manifest and opens the sessions.</summary>
    public FaceEngine Build()
    {
        var directory = _modelDirectory ?? throw new InvalidOperationException("Call UseModelDirectory before Build.");
        var store = new ModelStore(directory);
        return new FaceEngine(store, _options, _liveness, _pose);
    }
}
