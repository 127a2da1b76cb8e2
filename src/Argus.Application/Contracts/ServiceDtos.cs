using System.Text.Json.Nodes;
using Argus.Application.ServiceGalleries;
using Argus.Core.Services;
using Argus.Storage;

namespace Argus.Application.Contracts;

// Wire types of the service-gallery endpoints (issue 7) and `argus service` (snake_case JSON).

public sealed record CreateServiceGalleryRequest(string? Name, string? Kind, string? Description);

public sealed record RefundRequest(string? Reason);

public sealed record ServiceGalleryDto(long Id, string Name, string Kind, string? Description, string Contract, long People, long Templates, string CreatedBy, DateTimeOffset CreatedAt)
{
    public static ServiceGalleryDto From(ServiceGallery g, ServiceGalleryState s) =>
        new(g.Id, g.Name, ServiceKinds.Name(g.Kind), g.Description, g.Contract.Id, s.PeopleCount, s.TemplateCount, g.CreatedBy, g.CreatedAt);
}

public sealed record ConsentDto(string GivenBy, DateTimeOffset GivenAt, string Purpose, string Channel, string RecordedBy, DateTimeOffset ExpiresAt);

public sealed record CustomerDto(long Id, string Gallery, string Reference, int Templates, ConsentDto Consent, DateTimeOffset EnrolledAt)
{
    public static CustomerDto From(string gallery, ServicePerson p, int templates) => new(
        p.Id, gallery, p.ExternalRef, templates, new ConsentDto(p.Consent.GivenBy, p.Consent.GivenAt, p.Consent.Purpose, p.Consent.Channel, p.Consent.RecordedBy, p.ExpiresAt), p.EnrolledAt);
}

/// <summary>The export document as the service built it, and the SHA-256 of its JSON text (the receipt).</summary>
public sealed record ExportDto(string ReceiptSha256, JsonObject Export);

public sealed record ErasureReceiptDto(string Gallery, long PersonId, string Reference, int TemplatesRemoved, int LedgerEntriesUnlinked, DateTimeOffset ErasedAt, string ReceiptSha256, string Receipt)
{
    public static ErasureReceiptDto From(ServiceErasureReceipt r) =>
        new(r.Gallery, r.PersonId, r.ExternalRef, r.TemplatesRemoved, r.LedgerEntriesUnlinked, r.ErasedAt, r.ReceiptSha256, r.CanonicalText);
}

public sealed record LedgerDto(long Id, string Kind, string Gate, string Passage, bool Linked, long AmountCents, string FareDay, DateTimeOffset At, long? RefundOf, string? Reason, string ReceiptSha256)
{
    public static LedgerDto From(LedgerEntry l) =>
        new(l.Id, l.Kind.ToString().ToLowerInvariant(), l.GateId, l.PassageId, l.PersonId is not null, l.AmountCents, l.FareDay, l.At, l.RefundOf, l.Reason, l.ReceiptSha256);
}

public sealed record RefundDto(bool Duplicate, LedgerDto Refund);

public sealed record OperatingPointDto(double TargetFmr, double Threshold, double MeasuredFmr, double Fnmr, bool Supported, string CalibratedAt)
{
    public static OperatingPointDto From(OperatingPoint p) => new(p.TargetFmr, Math.Round(p.Threshold, 4), p.MeasuredFmr, p.Fnmr, p.Supported, p.CalibratedAt);
}

public sealed record ActiveLivenessDto(int Frames, bool Blink, bool HeadTurn, double MinEar, double OpenEar, double YawRange, bool Passed);

/// <summary><see cref="Validated"/> stays false until liveness is validated on real presentation attacks (docs/accuracy.md).</summary>
public sealed record LivenessDto(string Verdict, bool Validated, double? PassiveLiveProbability, ActiveLivenessDto? Active)
{
    public static LivenessDto From(LivenessReport r) => new(
        r.Verdict, LivenessReport.Validated, r.PassiveLiveProbability is { } p ? Math.Round(p, 4) : null,
        r.Active is { } a ? new ActiveLivenessDto(a.Frames, a.Blink, a.HeadTurn, Math.Round(a.MinEar, 4), Math.Round(a.OpenEar, 4), Math.Round(a.YawRange, 2), a.Passed) : null);
}

public sealed record VerifyDto(string Decision, bool Match, double Score, OperatingPointDto OperatingPoint, LivenessDto Liveness, int Frames, int FramesWithFace)
{
    public static VerifyDto From(VerificationResult r) => new(
        Name(r.Decision), r.IsMatch, Math.Round(r.Score, 4), OperatingPointDto.From(r.OperatingPoint), LivenessDto.From(r.Liveness), r.Frames, r.FramesWithFace);

    /// <summary>The decision's wire name: <c>match</c>, <c>no_match</c> or <c>liveness_failed</c>.</summary>
    public static string Name(VerificationDecision d) => d switch
    {
        VerificationDecision.Match => "match",
        VerificationDecision.NoMatch => "no_match",
        _ => "liveness_failed",
    };
}

public sealed record GateDecisionDto(
    string Gate, string Passage, string Outcome, string Reason, double? BestScore, double? SecondScore, OperatingPointDto OperatingPoint, LivenessDto? Liveness, LedgerDto? Ledger, bool Duplicate);

public sealed record StewardBasisDto(string CaseNumber, string Grounds, string IssuingAuthority, string LegalInstrument, DateTimeOffset Expiry);

public sealed record StewardAlertDto(long Id, string Gallery, string Gate, string Passage, string Watchlist, long EntryId, double Score, StewardBasisDto LegalBasis, DateTimeOffset At)
{
    /// <summary>Alert <paramref name="a"/>, posted to the stewards as number <paramref name="id"/> of <paramref name="gallery"/>.</summary>
    public static StewardAlertDto From(long id, string gallery, StewardAlert a)
    {
        var b = a.LegalBasis;
        return new(id, gallery, a.GateId, a.PassageId, a.Watchlist, a.EntryId, Math.Round(a.Score, 4), new StewardBasisDto(b.CaseNumber, b.Grounds, b.IssuingAuthority, b.LegalInstrument, b.Expiry), a.At);
    }
}

public sealed record VenueDecisionDto(
    string Gate, string Passage, string Outcome, string Reason, double? TicketScore, OperatingPointDto OperatingPoint, LivenessDto? Liveness, LedgerDto? Ledger, StewardAlertDto? StewardAlert);
