using Argus.Core;
using Argus.Core.Audit;
using Argus.Storage;

namespace Argus.Application.Auditing;

/// <summary>
/// The one audited-operation helper: each change is one record on the chain, committed in the change's transaction,
/// and a refusal inside an operation is recorded before it reaches the caller. Every service records through it
/// (directly, or through <see cref="OperationContext"/> and <see cref="ServiceGalleries.ServiceContext"/>), so a refusal
/// has one shape (<see cref="AuditEvent.Refusal"/>) and its reason comes from the exception's type, not its text.
/// </summary>
internal sealed class AuditTrail(ArgusStore store, AuditChain chain)
{
    /// <summary>A record of its own: for reads and refusals, which change nothing.</summary>
    public Task AppendAsync(AuditEvent e, CancellationToken ct) => store.AppendAuditAsync(chain, e, ct);

    /// <summary>The store for one change whose record(s), made from its result, commit in the change's transaction.</summary>
    public ArgusStore Store<T>(Func<T, AuditEvent> record) => store.WithAudit(chain, record);

    /// <inheritdoc cref="Store{T}(Func{T, AuditEvent})"/>
    public ArgusStore Store<T>(Func<T, IEnumerable<AuditEvent>> records) => store.WithAudit(chain, records);

    /// <summary>The store for one change whose record <paramref name="e"/> commits in the change's transaction.</summary>
    public ArgusStore Store(AuditEvent e) => store.WithAudit(chain, e);

    /// <summary>
    /// Runs <paramref name="body"/>; a refusal from it (an <see cref="ArgusException"/> other than a storage failure)
    /// is audited as <paramref name="action"/> refused (<see cref="AuditEvent.Refusal"/>, with the message unless
    /// <paramref name="withMessage"/> is false) before it propagates. The record is written even when
    /// <paramref name="ct"/> has been cancelled: a refusal is never lost.
    /// </summary>
    public async Task<T> GuardAsync<T>(string actor, string action, string target, Func<Task<T>> body, CancellationToken ct, bool withMessage = true)
    {
        try
        {
            return await body();
        }
        catch (ArgusException e) when (IsRefusal(e))
        {
            await AppendAsync(AuditEvent.Refusal(actor, action, target, e, withMessage), CancellationToken.None);
            throw;
        }
    }

    /// <summary>Whether <paramref name="e"/> is a refusal to audit: everything but a storage failure, which is not the caller's doing.</summary>
    public static bool IsRefusal(ArgusException e) => !e.Code.StartsWith("storage.", StringComparison.Ordinal);
}
