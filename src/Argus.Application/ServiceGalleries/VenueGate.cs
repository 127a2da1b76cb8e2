using System.Globalization;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Services;
using Argus.Core.Watchlists;
using Argus.Storage;
using Argus.Vision.Imaging;

namespace Argus.Application.ServiceGalleries;

/// <summary>What stewards get when a banned person presents a ticket: the ban's watchlist, entry and legal basis.</summary>
public sealed record StewardAlert(string GateId, string PassageId, string Watchlist, long EntryId, float Score, LegalBasis LegalBasis, DateTimeOffset At);

/// <summary>
/// A venue gate's decision. <see cref="Reason"/>: <c>admitted</c>, <c>already_admitted</c>, <c>banned</c>,
/// <c>not_ticket_holder</c>, <c>liveness_failed</c>, or a refusal code (<c>face.none</c>, <c>consent.expired</c>,
/// <c>service.person_not_found</c>, ...). <see cref="Alert"/> is set only for <c>banned</c>.
/// </summary>
public sealed record VenueDecision(GateOutcome Outcome, string Reason, float? TicketScore, OperatingPoint OperatingPoint, LivenessReport? Liveness, LedgerEntry? Ledger, StewardAlert? Alert)
{
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Outcome.ToString().ToLowerInvariant()} {Reason}{(TicketScore is { } s ? $" ticket score {s:0.000}" : "")}{(Ledger is { } l ? $" ledger #{l.Id}" : "")}" +
        $"{(Alert is { } a ? $" ALERT watchlist {a.Watchlist} entry #{a.EntryId} case {a.LegalBasis.CaseNumber}, {a.LegalBasis.LegalInstrument} ({a.LegalBasis.IssuingAuthority})" : "")}");
}

/// <summary>
/// A stadium gate: the ticket holder is verified 1:1 against the photo enrolled with the ticket (a venue service
/// gallery, reference = ticket id), then compared with the venue's ban lists (watchlists of category venue-ban, only
/// their active approved unexpired entries). A banned person is refused and the stewards' alert carries the ban's
/// legal basis. Every decision is audited; for a person let through, only the ledger entry is kept.
/// </summary>
public sealed class VenueGate(ServiceContext context, string gallery, IReadOnlyList<string> banLists, double targetFmr = 1e-4, LivenessPolicy liveness = LivenessPolicy.Report)
{
    public async Task<VenueDecision> EnterAsync(Principal gate, GatePassage passage, string ticketRef, IReadOnlyList<DecodedImage> frames, CancellationToken ct = default)
    {
        var point = context.OperatingPoints().Select(targetFmr);
        // A face or ticket the gate cannot use is a decision (refused, recorded below); any other refusal (role, scope,
        // configuration) is the operation's, audited by the one helper before it propagates.
        var decision = await context.Audited(gate, "gate.venue", $"gate:{passage.GateId}", async () =>
        {
            try
            {
                return await DecideAsync(gate, passage, ticketRef, frames, point, ct);
            }
            catch (ArgusException e) when (e.Code.StartsWith("face.", StringComparison.Ordinal) || e.Code is "consent.expired" or "service.person_not_found" or "probe.empty")
            {
                return new VenueDecision(GateOutcome.Refused, e.Code, null, point, null, null, null);
            }
        }, ct);

        // An admission was recorded with its ledger line in one transaction (DecideAsync); every other decision changed nothing.
        if (decision.Ledger is null)
        {
            await context.AppendAsync(Record(gate, passage, decision, point), ct);
        }

        return decision;
    }

    private AuditEvent Record(Principal gate, GatePassage passage, VenueDecision decision, OperatingPoint point) =>
        new(gate.Id, "gate.venue", $"gate:{passage.GateId}", decision.Outcome == GateOutcome.Open ? "ok" : "refused", AuditDetails.Of(
            ("gallery", gallery), ("passage", passage.PassageId), ("reason", decision.Reason), ("ledger", decision.Ledger?.Id),
            ("watchlist", decision.Alert?.Watchlist), ("entry", decision.Alert?.EntryId), ("case", decision.Alert?.LegalBasis.CaseNumber),
            ("target_fmr", point.TargetFmr.ToString("0e0", CultureInfo.InvariantCulture)), ("liveness", decision.Liveness?.Verdict)));

    private async Task<VenueDecision> DecideAsync(Principal gate, GatePassage passage, string ticketRef, IReadOnlyList<DecodedImage> frames, OperatingPoint point, CancellationToken ct)
    {
        ServiceAccess.Demand(gate, Capability.VerifyCustomers);
        var record = await context.Store.GetServiceRecordAsync(gate, gallery, ticketRef, ct);
        if (record.Gallery.Kind != ServiceKind.Venue)
        {
            throw new ArgusException("gate.wrong_gallery", $"Service gallery '{gallery}' is a {ServiceKinds.Name(record.Gallery.Kind)} gallery; a venue gate needs a venue gallery.");
        }

        var now = context.Time.GetUtcNow();
        if (record.Person.IsExpiredAt(now))
        {
            throw new ArgusException("consent.expired", $"The consent attached to ticket '{ticketRef}' expired on {record.Person.ExpiresAt:yyyy-MM-dd}.");
        }

        var probe = Probe.Analyse(context.Engine, frames);
        var query = probe.Face.Embedding!;
        var aad = ServiceCipher.Context(record.Gallery.Name, record.Person.ExternalRef);
        var ticketScore = float.MinValue;
        foreach (var t in record.Templates)
        {
            ticketScore = MathF.Max(ticketScore, System.Numerics.Tensors.TensorPrimitives.Dot(query.Values, context.Cipher.OpenVector(t.Sealed, aad)));
        }

        // The ban list is checked whoever the person is: a banned fan with someone else's ticket is still banned.
        foreach (var name in banLists)
        {
            if (!gate.Scope.CoversWatchlist(name))
            {
                throw ArgusException.OutOfScope($"Watchlist {name} is outside the scope of gate {gate.Name}.");
            }

            var watchlist = await context.Store.GetWatchlistAsync(name, ct);
            if (watchlist.Category != WatchlistCategory.VenueBan)
            {
                throw new ArgusException("gate.not_a_ban_list", $"Watchlist '{name}' is a {watchlist.Category} list; a venue gate checks venue-ban lists only.");
            }

            foreach (var entry in await context.Store.ListMatchingEntriesAsync(watchlist.Id, now, ct))
            {
                if (!entry.Entry.MatchesAt(now))
                {
                    continue;
                }

                foreach (var t in await context.Store.ListTemplatesAsync(entry.SubjectId, ct))
                {
                    if (t.GalleryId != watchlist.GalleryId)
                    {
                        continue;
                    }

                    var score = System.Numerics.Tensors.TensorPrimitives.Dot(query.Values, t.Vector);
                    if (score >= point.Threshold)
                    {
                        var alert = new StewardAlert(passage.GateId, passage.PassageId, name, entry.Id, score, entry.Entry.LegalBasis, now);
                        return new VenueDecision(GateOutcome.Refused, "banned", ticketScore, point, probe.Liveness, null, alert);
                    }
                }
            }
        }

        if (ticketScore < point.Threshold)
        {
            return new VenueDecision(GateOutcome.Refused, "not_ticket_holder", ticketScore, point, probe.Liveness, null, null);
        }

        if (liveness == LivenessPolicy.Require && probe.Liveness.Verdict != "live")
        {
            return new VenueDecision(GateOutcome.Refused, "liveness_failed", ticketScore, point, probe.Liveness, null, null);
        }

        var report = probe.Liveness;
        VenueDecision Admitted(LedgerOutcome line) => new(GateOutcome.Open, line.Duplicate ? "already_admitted" : "admitted", ticketScore, point, report, line.Entry, null);
        var entryLine = await context.AuditedStore<LedgerOutcome>(line => Record(gate, passage, Admitted(line), point))
            .RecordEntryAsync(gate, record.Gallery.Id, passage.GateId, passage.PassageId, record.Person.Id, ct);
        return Admitted(entryLine);
    }
}
