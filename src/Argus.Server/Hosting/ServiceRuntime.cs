using System.Collections.Concurrent;
using Argus.Application.ServiceGalleries;
using Argus.Vision.Pipeline;

namespace Argus.Server.Hosting;

/// <summary>
/// What the service-gallery endpoints share: the cipher from <c>ARGUS_SERVICE_KEY</c> (checked on every request, so
/// without it the endpoints answer <c>service.key_missing</c> and the rest of the server carries on), two contexts
/// over the process's store and audit chain (administration on the server's face engine; verification and gates
/// on an engine of their own with the liveness and pose models, loaded on first use), one face-pay gate per
/// gallery and policy (each caches its rider index), and the stewards' alert board.
/// </summary>
internal sealed class ServiceRuntime(ArgusRuntime runtime, TimeProvider time) : IDisposable
{
    private readonly Lazy<FaceEngine> _livenessEngine = new(
        () => new FaceEngineBuilder().UseModelDirectory(runtime.Paths.ModelsDirectory).WithOptions(Application.Hosting.FaceEngineSettings.Options(runtime.Setting))
            .EnableLiveness().EnablePose().Build(),
        LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly ConcurrentDictionary<(string Gallery, double Fmr, LivenessPolicy Liveness), FacePayGate> _gates = new();
    private readonly Lock _lock = new();
    private readonly Lock _contexts = new();
    private ServiceCipher? _cipher;
    private ServiceContext? _admin;
    private ServiceContext? _faces;
    private ServiceGalleryService? _galleries;
    private VerificationService? _verification;

    public StewardAlertBoard Stewards { get; } = new(time);

    /// <summary>The cipher, or <c>service.key_missing</c> / <c>service.key_invalid</c> (503): nothing is read or written without it.</summary>
    public ServiceCipher Cipher()
    {
        lock (_lock)
        {
            return _cipher ??= ServiceCipher.FromSecret(runtime.Setting(ServiceCipher.KeyVariable));
        }
    }

    /// <summary>For administration (galleries, enrolment, data-subject requests, ledger): the server's engine, no liveness. One per process, made on the first request that has the key.</summary>
    public ServiceContext Admin()
    {
        var cipher = Cipher();
        lock (_contexts)
        {
            return _admin ??= new ServiceContext(runtime.Store, runtime.AuditChain, runtime.Engine(), cipher, runtime.Paths.DataDirectory, time);
        }
    }

    /// <summary>For verification and gates: the engine with liveness and pose. One per process, as <see cref="Admin"/>.</summary>
    public ServiceContext Faces()
    {
        var cipher = Cipher();
        lock (_contexts)
        {
            return _faces ??= new ServiceContext(runtime.Store, runtime.AuditChain, _livenessEngine.Value, cipher, runtime.Paths.DataDirectory, time);
        }
    }

    /// <summary>The administration service over <see cref="Admin"/> (stateless: one per process).</summary>
    public ServiceGalleryService Galleries()
    {
        var context = Admin();
        lock (_contexts)
        {
            return _galleries ??= new ServiceGalleryService(context);
        }
    }

    /// <summary>The verification service over <see cref="Faces"/> (stateless: one per process).</summary>
    public VerificationService Verification()
    {
        var context = Faces();
        lock (_contexts)
        {
            return _verification ??= new VerificationService(context);
        }
    }

    /// <summary>The gate for this gallery and policy; the operating point must be calibrated, so callers cannot fill the cache with arbitrary rates.</summary>
    public FacePayGate PayGate(string gallery, double targetFmr, LivenessPolicy liveness)
    {
        var context = Faces();
        var point = context.OperatingPoints().Select(targetFmr);
        return _gates.GetOrAdd((gallery, point.TargetFmr, liveness), key => new FacePayGate(context, key.Gallery, new GateOptions(key.Fmr, Liveness: key.Liveness)));
    }

    /// <summary>Drops a gate whose gallery turned out not to exist or not to be a transit gallery.</summary>
    public void Evict(FacePayGate gate)
    {
        foreach (var (key, value) in _gates)
        {
            if (ReferenceEquals(value, gate) && _gates.TryRemove(key, out _))
            {
                gate.Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (var gate in _gates.Values)
        {
            gate.Dispose();
        }

        if (_livenessEngine.IsValueCreated)
        {
            _livenessEngine.Value.Dispose();
        }
    }
}

/// <summary>A steward alert with the gallery it came from and a sequence number for polling (<c>after</c>).</summary>
internal sealed record PostedStewardAlert(long Id, string Gallery, StewardAlert Alert);

/// <summary>
/// The stewards' board: the last <see cref="Capacity"/> steward alerts raised by venue gates, in memory, newest last.
/// The camera alert stream is not used for these: it carries camera alerts (track, snapshot) to alert reviewers,
/// who hold police roles and may not see service-gallery traffic; stewards are venue staff. The durable record of
/// each alert is its <c>gate.venue</c> audit record.
/// </summary>
internal sealed class StewardAlertBoard(TimeProvider time)
{
    public const int Capacity = 500;

    private readonly Queue<PostedStewardAlert> _alerts = new();
    private readonly Lock _lock = new();
    private long _next;

    public TimeProvider Time { get; } = time;

    public PostedStewardAlert Post(string gallery, StewardAlert alert)
    {
        lock (_lock)
        {
            var posted = new PostedStewardAlert(++_next, gallery, alert);
            _alerts.Enqueue(posted);
            if (_alerts.Count > Capacity)
            {
                _alerts.Dequeue();
            }

            return posted;
        }
    }

    /// <summary>Alerts with an id above <paramref name="after"/>, oldest first.</summary>
    public IReadOnlyList<PostedStewardAlert> After(long after)
    {
        lock (_lock)
        {
            return [.. _alerts.Where(a => a.Id > after)];
        }
    }
}
