using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Storage;
using Argus.Vision.Pipeline;

namespace Argus.Application.ServiceGalleries;

/// <summary>
/// What the service-gallery operations share: the store, the audit chain, the face engine (built with liveness and
/// pose when those are wanted), the cipher from <c>ARGUS_SERVICE_KEY</c>, the data directory (calibration) and the
/// clock. Built once per process; thread-safe. Creating it without the key fails with <c>service.key_missing</c>, so
/// no service operation can start unencrypted.
/// </summary>
public sealed class ServiceContext
{
    public ServiceContext(ArgusStore store, AuditChain audit, FaceEngine engine, ServiceCipher cipher, string dataDirectory, TimeProvider? time = null)
    {
        Store = store;
        Audit = audit;
        Engine = engine;
        Cipher = cipher;
        DataDirectory = dataDirectory;
        Time = time ?? TimeProvider.System;
        Trail = new Auditing.AuditTrail(store, audit);
    }

    public ArgusStore Store { get; }

    public AuditChain Audit { get; }

    public FaceEngine Engine { get; }

    public ServiceCipher Cipher { get; }

    public string DataDirectory { get; }

    public TimeProvider Time { get; }

    /// <summary>The context with the key read from <paramref name="keySecret"/> (the content of <c>ARGUS_SERVICE_KEY</c>).</summary>
    public static ServiceContext Create(ArgusStore store, AuditChain audit, FaceEngine engine, string? keySecret, string dataDirectory, TimeProvider? time = null) =>
        new(store, audit, engine, ServiceCipher.FromSecret(keySecret), dataDirectory, time);

    /// <summary>The calibrated operating points (<c>argus calibrate --save</c>) for this engine's contract.</summary>
    public OperatingPointTable OperatingPoints() => OperatingPointTable.Load(OperatingPointTable.PathIn(DataDirectory), Engine.Contract);

    /// <summary>The one audited-operation helper over this context's store and chain.</summary>
    internal Auditing.AuditTrail Trail { get; }

    /// <summary>A record of its own: for reads and refusals, which change nothing.</summary>
    internal Task AppendAsync(AuditEvent e, CancellationToken ct) => Trail.AppendAsync(e, ct);

    /// <summary>The store for one change whose record, made from its result, commits in the change's transaction.</summary>
    internal ArgusStore AuditedStore<T>(Func<T, AuditEvent> record) => Trail.Store(record);

    /// <inheritdoc cref="AuditedStore{T}(Func{T, AuditEvent})"/>
    internal ArgusStore AuditedStore<T>(Func<T, IEnumerable<AuditEvent>> records) => Trail.Store(records);

    /// <summary>
    /// Runs <paramref name="body"/>; a refusal (an <see cref="ArgusException"/> other than a storage failure) is audited
    /// with its code and reason before it propagates. Service records leave the message out: it can name a ticket or a rider.
    /// </summary>
    internal Task<T> Audited<T>(Principal actor, string action, string target, Func<Task<T>> body, CancellationToken ct) =>
        Trail.GuardAsync(actor.Id, action, target, body, ct, withMessage: false);
}
