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

    /// <summary>A record of its own: for reads and refusals, which change nothing.</summary>
    internal Task AppendAsync(AuditEvent e, CancellationToken ct) => Store.AppendAuditAsync(Audit, e, ct);

    /// <summary>The store for one change whose record, made from its result, commits in the change's transaction.</summary>
    internal ArgusStore AuditedStore<T>(Func<T, AuditEvent> record) => Store.WithAudit(Audit, record);

    /// <inheritdoc cref="AuditedStore{T}(Func{T, AuditEvent})"/>
    internal ArgusStore AuditedStore<T>(Func<T, IEnumerable<AuditEvent>> records) => Store.WithAudit(Audit, records);

    /// <summary>Runs <paramref name="body"/>; a refusal (an <see cref="ArgusException"/> other than a storage failure) is audited with its code before it propagates.</summary>
    internal async Task<T> Audited<T>(Principal actor, string action, string target, Func<Task<T>> body, CancellationToken ct)
    {
        try
        {
            return await body();
        }
        catch (ArgusException e) when (!e.Code.StartsWith("storage.", StringComparison.Ordinal))
        {
            await AppendAsync(AuditEvent.Refused(actor.Id, action, target, AuditDetails.Of(("code", e.Code), ("reason", e.Code))), CancellationToken.None);
            throw;
        }
    }
}
