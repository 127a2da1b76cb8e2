using System.Text.Json;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Services;

namespace Argus.Application.ServiceGalleries;

/// <summary>One gate decision as the audit recorded it: which gate, passage and gallery, the outcome and its reason (no face, no template, no person).</summary>
public sealed record GateDecisionRecord(long Sequence, DateTimeOffset At, string Gate, string Kind, string Outcome, string? Gallery, string? Passage, string? Reason, long? Ledger, string? Watchlist, string? Case);

/// <summary>
/// Recent gate decisions for the gate monitor, read back from the audit chain (every decision is audited there,
/// refusals included, while the ledger holds only charges and entries). For service staff only: the same check as
/// every other service-gallery operation (no police role), and the read itself is audited.
/// </summary>
public sealed class GateMonitor(ServiceContext context)
{
    /// <summary>The last <paramref name="last"/> decisions (of <paramref name="gallery"/>, when given) recorded after audit sequence <paramref name="after"/>, newest first.</summary>
    public async Task<IReadOnlyList<GateDecisionRecord>> RecentAsync(Principal actor, string? gallery, int last, long after = 0, CancellationToken ct = default)
    {
        var target = gallery is null ? "gates" : $"service-gallery:{gallery}";
        var selected = await context.Audited(
            actor, "service.gate_monitor", target,
            async () =>
            {
                ServiceAccess.Demand(actor, Capability.ManageServiceGalleries);
                var queue = new Queue<GateDecisionRecord>();

                // The audit has no index by action: the first read scans it all (as the audit list does), later polls
                // pass the last sequence they saw and read only what is new.
                await foreach (var r in context.Store.ReadAuditAsync(Math.Max(0, after), ct))
                {
                    if (r.Action is not ("gate.pass" or "gate.venue") || Parse(r) is not { } d || (gallery is not null && d.Gallery != gallery))
                    {
                        continue;
                    }

                    queue.Enqueue(d);
                    if (queue.Count > Math.Max(1, last))
                    {
                        queue.Dequeue();
                    }
                }

                return queue;
            },
            ct);
        await context.AppendAsync(AuditEvent.Ok(actor.Id, "service.gate_monitor", target, AuditDetails.Of(("records", selected.Count))), ct);
        return [.. selected.Reverse()];
    }

    private static GateDecisionRecord? Parse(AuditRecord r)
    {
        string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        long? Number(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;
        if (r.Details.Length == 0)
        {
            return null;
        }

        using var json = JsonDocument.Parse(r.Details);
        var d = json.RootElement;
        if (d.ValueKind != JsonValueKind.Object || Text(d, "passage") is null)
        {
            return null;
        }

        return new GateDecisionRecord(
            r.Sequence, r.OccurredAt, r.Target.StartsWith("gate:", StringComparison.Ordinal) ? r.Target[5..] : r.Target, r.Action == "gate.pass" ? "face_pay" : "venue",
            r.Outcome, Text(d, "gallery"), Text(d, "passage"), Text(d, "reason"), Number(d, "ledger"), Text(d, "watchlist"), Text(d, "case"));
    }
}
