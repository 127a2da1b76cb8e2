using Argus.Core;
using Argus.Vision.Pipeline;

namespace Argus.Application.Hosting;

/// <summary>
/// The process's one face engine, built on first use (the models are large: a process that never analyses a face
/// never loads them) and disposed with its owner. Thread-safe; a failure to build is kept in <see cref="Error"/>.
/// </summary>
public sealed class FaceEngineSource : IDisposable
{
    private readonly Lazy<FaceEngine> _engine;
    private readonly bool _owned;

    /// <summary>An engine built from the verified models in <paramref name="modelsDirectory"/> with <paramref name="options"/>, owned by this source.</summary>
    public FaceEngineSource(string modelsDirectory, FaceEngineOptions options)
        : this(() => new FaceEngineBuilder().UseModelDirectory(modelsDirectory).WithOptions(options).Build(), owned: true)
    {
    }

    /// <summary>An engine from <paramref name="build"/>; disposed here only when <paramref name="owned"/>.</summary>
    public FaceEngineSource(Func<FaceEngine> build, bool owned)
    {
        _engine = new Lazy<FaceEngine>(build, LazyThreadSafetyMode.ExecutionAndPublication);
        _owned = owned;
    }

    /// <summary>True once the engine is built.</summary>
    public bool IsBuilt => _engine.IsValueCreated;

    /// <summary>Why the engine could not be built (models missing or altered), or null.</summary>
    public string? Error { get; private set; }

    /// <summary>The engine, built now if it is not yet.</summary>
    public FaceEngine Get()
    {
        try
        {
            return _engine.Value;
        }
        catch (ArgusException e)
        {
            Error = e.Message;
            throw;
        }
    }

    /// <summary>Disposes the engine if this source built it.</summary>
    public void Dispose()
    {
        if (_owned && _engine.IsValueCreated)
        {
            _engine.Value.Dispose();
        }
    }
}
