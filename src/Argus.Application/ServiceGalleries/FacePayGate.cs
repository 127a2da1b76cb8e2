using System.Globalization;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Services;
using Argus.Search;
using Argus.Storage;
using Argus.Vision.Imaging;

namespace Argus.Application.ServiceGalleries;

/// <summary>How a metro gate decides: a strict operating point, how close a second rider may score before the gate refuses to guess, liveness, the fare.</summary>
/// <param name="TargetFmr">Operating point for 1:N; with N riders the chance of some false match is about N times this, hence strict.</param>
/// <param name="AmbiguityMargin">Refuse when the second-best rider scores within this of the best (two riders close in score).</param>
/// <param name="Liveness">Whether the gate only reports liveness or requires it before charging.</param>
public sealed record GateOptions(double TargetFmr = 1e-5, float AmbiguityMargin = 0.05f, LivenessPolicy Liveness = LivenessPolicy.Report)
{
    public FarePolicy Fare { get; init; } = FarePolicy.Default;
}

/// <summary>One passage at a gate: the gate, the passage id the gate assigns (idempotency key), and the frames seen.</summary>
public sealed record GatePassage(string GateId, string PassageId);

public enum GateOutcome
{
    Open,
    Refused,
}

/// <summary>
/// A gate's decision. <see cref="Reason"/>: <c>charged</c>, <c>already_charged</c> (same passage or lingering),
/// <c>no_match</c>, <c>ambiguous</c>, <c>liveness_failed</c>, or a probe refusal code (<c>face.none</c>, ...).
/// <see cref="Ledger"/> is set when a fare was charged (or found already charged).
/// </summary>
public sealed record GateDecision(GateOutcome Outcome, string Reason, float? BestScore, float? SecondScore, OperatingPoint OperatingPoint, LivenessReport? Liveness, LedgerEntry? Ledger, bool Duplicate)
{
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Outcome.ToString().ToLowerInvariant()} {Reason}{(BestScore is { } s ? $" score {s:0.000}" : "")}{(SecondScore is { } s2 ? $" second {s2:0.000}" : "")}" +
        $"{(Ledger is { } l ? $" ledger #{l.Id} {l.AmountCents} cents receipt {l.ReceiptSha256[..12]}" : "")}{(Liveness is { } v ? $" liveness {v.Verdict} (not validated)" : "")}");
}

/// <summary>
/// A metro face-pay gate over one transit service gallery: identifies the passenger among opted-in riders whose
/// consent has not expired (1:N, exact scan of an in-memory index of the decrypted templates, rebuilt when the
/// gallery changes), refuses ambiguous identifications rather than guessing, then charges through the idempotent
/// ledger. Nothing is kept about a passenger who matched no rider; the audit records the gate, passage and reason only.
/// </summary>
public sealed class FacePayGate(ServiceContext context, string gallery, GateOptions? options = null) : IDisposable
{
    private readonly GateOptions _options = options ?? new GateOptions();
    private readonly SemaphoreSlim _load = new(1, 1);
    private volatile Loaded? _loaded;

    public GateOptions Options => _options;

    /// <summary>Riders in the current index (after <see cref="RefreshAsync"/> or the first passage).</summary>
    public int Riders => _loaded?.Index.Count ?? 0;

    /// <summary>Builds or refreshes the index from the store when the gallery changed; safe to call before the first passage to warm up.</summary>
    public async Task RefreshAsync(Principal gate, CancellationToken ct = default)
    {
        ServiceAccess.Demand(gate, Capability.VerifyCustomers);
        var g = await context.Store.GetServiceGalleryAsync(gate, gallery, ct);
        if (g.Kind != ServiceKind.Transit)
        {
            throw new ArgusException("gate.wrong_gallery", $"Service gallery '{gallery}' is a {ServiceKinds.Name(g.Kind)} gallery; a face-pay gate needs a transit gallery.");
        }

        var state = await context.Store.GetServiceGalleryStateAsync(gate, g.Id, ct);
        var day = context.Time.GetUtcNow().UtcDateTime.Date;
        if (_loaded is { } current && current.State == state && current.Day == day)
        {
            return;
        }

        await _load.WaitAsync(ct);
        try
        {
            if (_loaded is { } again && again.State == state && again.Day == day)
            {
                return;
            }

            var point = context.OperatingPoints().Select(_options.TargetFmr);
            var index = new VectorIndex(g.Contract, new VectorIndexOptions { KeepFloats = true });
            foreach (var t in await context.Store.ListServiceTemplatesAsync(gate, g.Id, context.Time.GetUtcNow(), ct))
            {
                index.Add(t.Id, t.PersonId, g.Id, context.Cipher.OpenVector(t.Sealed, ServiceCipher.Context(g.Name, t.ExternalRef)));
            }

            _loaded = new Loaded(g, state, day, point, index);
        }
        finally
        {
            _load.Release();
        }
    }

    public async Task<GateDecision> PassAsync(Principal gate, GatePassage passage, IReadOnlyList<DecodedImage> frames, CancellationToken ct = default)
    {
        await context.Audited(gate, "gate.pass", $"gate:{passage.GateId}", async () => { await RefreshAsync(gate, ct); return 0; }, ct);
        var loaded = _loaded!;
        GateDecision decision;
        ProbeAnalysis probe;
        try
        {
            probe = Probe.Analyse(context.Engine, frames);
        }
        catch (ArgusException e) when (e.Code.StartsWith("face.", StringComparison.Ordinal) || e.Code == "probe.empty")
        {
            decision = new GateDecision(GateOutcome.Refused, e.Code, null, null, loaded.Point, null, null, false);
            await AuditAsync(gate, passage, decision, ct);
            return decision;
        }

        var margin = _options.AmbiguityMargin;
        Span<SearchHit> hits = stackalloc SearchHit[2];
        var found = loaded.Index.Search(probe.Face.Embedding!.Values, new SearchParameters(2, loaded.Point.Threshold - margin), hits);
        float? best = found > 0 ? hits[0].Score : null;
        float? second = found > 1 ? hits[1].Score : null;
        if (found == 0 || hits[0].Score < loaded.Point.Threshold)
        {
            decision = new GateDecision(GateOutcome.Refused, "no_match", best, second, loaded.Point, probe.Liveness, null, false);
        }
        else if (found > 1 && hits[0].Score - hits[1].Score < margin)
        {
            decision = new GateDecision(GateOutcome.Refused, "ambiguous", best, second, loaded.Point, probe.Liveness, null, false);
        }
        else if (_options.Liveness == LivenessPolicy.Require && probe.Liveness.Verdict != "live")
        {
            decision = new GateDecision(GateOutcome.Refused, "liveness_failed", best, second, loaded.Point, probe.Liveness, null, false);
        }
        else
        {
            // The charge and the passage's record commit together.
            var liveness = probe.Liveness;
            GateDecision Charged(LedgerOutcome charge) =>
                new(GateOutcome.Open, charge.Duplicate ? "already_charged" : "charged", best, second, loaded.Point, liveness, charge.Entry, charge.Duplicate);
            try
            {
                var charge = await context.AuditedStore<LedgerOutcome>(c => Record(gate, passage, Charged(c)))
                    .ChargeFareAsync(gate, loaded.Gallery.Id, passage.GateId, passage.PassageId, hits[0].SubjectId, _options.Fare, ct);
                return Charged(charge);
            }
            catch (ArgusException e) when (e.Code is "consent.expired" or "service.person_not_found")
            {
                decision = new GateDecision(GateOutcome.Refused, e.Code, best, second, loaded.Point, probe.Liveness, null, false);
            }
        }

        await AuditAsync(gate, passage, decision, ct);
        return decision;
    }

    private Task AuditAsync(Principal gate, GatePassage passage, GateDecision d, CancellationToken ct) => context.AppendAsync(Record(gate, passage, d), ct);

    private AuditEvent Record(Principal gate, GatePassage passage, GateDecision d) =>
        new(gate.Id, "gate.pass", $"gate:{passage.GateId}", d.Outcome == GateOutcome.Open ? "ok" : "refused", AuditDetails.Of(
            ("gallery", gallery), ("passage", passage.PassageId), ("reason", d.Reason), ("ledger", d.Ledger?.Id), ("amount_cents", d.Duplicate ? null : d.Ledger?.AmountCents),
            ("target_fmr", d.OperatingPoint.TargetFmr.ToString("0e0", CultureInfo.InvariantCulture)), ("liveness", d.Liveness?.Verdict)));

    public void Dispose() => _load.Dispose();

    private sealed record Loaded(ServiceGallery Gallery, ServiceGalleryState State, DateTime Day, OperatingPoint Point, VectorIndex Index);
}
