using Argus.Core;
using Argus.Core.Audit;
using Argus.Storage;

namespace Argus.Application.Alerts;

/// <summary>
/// The audit of the alert and deployment operations: each change is one record on the chain, and a refusal inside
/// an operation is recorded (code, reason, message) before it reaches the caller.
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

    /// <summary>Runs <paramref name="body"/>; an <see cref="ArgusException"/> from it (not a storage failure) is audited as <paramref name="action"/> refused.</summary>
    public async Task<T> GuardAsync<T>(string actor, string action, string target, Func<Task<T>> body, CancellationToken ct)
    {
        try
        {
            return await body();
        }
        catch (ArgusException e) when (!e.Code.StartsWith("storage.", StringComparison.Ordinal))
        {
            // AbuseDetector counts scope refusals by reason = "scope".
            var reason = e.Code == "access.denied" && e.Message.Contains("outside the scope", StringComparison.Ordinal) ? "scope" : e.Code;
            await AppendAsync(AuditEvent.Refused(actor, action, target, AuditDetails.Of(("code", e.Code), ("reason", reason), ("message", e.Message))), CancellationToken.None);
            throw;
        }
    }
}
