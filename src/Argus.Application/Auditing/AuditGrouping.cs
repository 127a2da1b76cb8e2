using Argus.Core.Audit;
using Argus.Storage;

namespace Argus.Application.Auditing;

/// <summary>
/// The one place that says how repeated events are grouped in the audit log (see <see cref="AuditGroupPolicy"/> and
/// docs/architecture.md): refusals that a stranger or a stale browser tab can repeat at will, and reads that a console
/// repeats by polling. Windows come from <c>ARGUS_AUDIT_GROUP_SECONDS</c> (refusals, default 60),
/// <c>ARGUS_AUDIT_VIEW_IDLE_SECONDS</c> (a viewing session ends after this long without a view, default 60) and
/// <c>ARGUS_AUDIT_VIEW_MAX_MINUTES</c> (a viewing session is chained at least this often, default 60).
/// </summary>
public static class AuditGrouping
{
    public const string WindowVariable = "ARGUS_AUDIT_GROUP_SECONDS";
    public const string ViewIdleVariable = "ARGUS_AUDIT_VIEW_IDLE_SECONDS";
    public const string ViewMaxVariable = "ARGUS_AUDIT_VIEW_MAX_MINUTES";

    /// <summary>Refusals: the first of a kind is chained at once, its repeats in the window become one summary with a count.</summary>
    public static AuditGroupPolicy Refusals(OperationContext context)
    {
        var window = TimeSpan.FromSeconds(context.PositiveDouble(WindowVariable, 60));
        return new AuditGroupPolicy(window, window, RecordFirst: true);
    }

    /// <summary>Polled reads (camera frames): one record per viewer and thing viewed per session, with the count and first/last time.</summary>
    public static AuditGroupPolicy Viewing(OperationContext context) => new(
        TimeSpan.FromMinutes(context.PositiveDouble(ViewMaxVariable, 60)), TimeSpan.FromSeconds(context.PositiveDouble(ViewIdleVariable, 60)), RecordFirst: false);

    /// <summary>A group key from its parts (each capped, joined with a separator that cannot appear in a capped part's meaning).</summary>
    public static string Key(params string[] parts) => string.Join('|', parts.Select(p => AuditChain.Cap(p.Replace('|', '/'), 128)));
}
