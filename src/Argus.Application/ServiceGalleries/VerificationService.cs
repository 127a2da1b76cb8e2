using System.Globalization;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Services;
using Argus.Storage;
using Argus.Vision.Imaging;

namespace Argus.Application.ServiceGalleries;

/// <summary>What a caller does with the liveness result: only report it (default: it is not validated), or require <c>live</c>.</summary>
public enum LivenessPolicy
{
    Report,
    Require,
}

/// <summary>A 1:1 verification: is the person in <see cref="Images"/> (one photo, or a burst of frames) the customer <see cref="ClaimedRef"/>?</summary>
public sealed record VerificationRequest(string Gallery, string ClaimedRef, IReadOnlyList<byte[]> Images, double TargetFmr = 1e-4, LivenessPolicy Liveness = LivenessPolicy.Report);

public enum VerificationDecision
{
    Match,
    NoMatch,

    /// <summary>The faces match but liveness was required and the probe did not pass it.</summary>
    LivenessFailed,
}

/// <summary>
/// The answer: the decision, the best similarity against the customer's templates, the operating point whose
/// threshold decided it, and the liveness evidence (never validated).
/// </summary>
public sealed record VerificationResult(VerificationDecision Decision, float Score, OperatingPoint OperatingPoint, LivenessReport Liveness, int Frames, int FramesWithFace)
{
    public bool IsMatch => Decision == VerificationDecision.Match;
}

/// <summary>
/// 1:1 verification for banks and public services. The threshold comes from the stored calibration for the asked
/// false-match rate. Unknown customer, expired consent, no face, several faces and poor faces are refusals
/// (<see cref="ArgusException"/> with a stable code), audited like decisions; the audit holds the customer's id,
/// the decision, the score and the probe's hash, never the image or a template.
/// </summary>
public sealed class VerificationService(ServiceContext context)
{
    public async Task<VerificationResult> VerifyAsync(Principal actor, VerificationRequest request, CancellationToken ct = default)
    {
        var (record, point) = await context.Audited(actor, "service.verify", $"service-gallery:{request.Gallery}", () => PrepareAsync(actor, request, ct), ct);
        var probe = await context.Audited(actor, "service.verify", $"service-person:{record.Person.Id}", () => Task.FromResult(Probe.Analyse(context.Engine, request.Images)), ct);
        var result = Decide(record, point, probe, request.Liveness);
        await context.AppendAsync(
            AuditEvent.Ok(actor.Id, "service.verified", $"service-person:{record.Person.Id}", AuditDetails.Of(
                ("gallery", request.Gallery), ("decision", result.Decision.ToString()), ("score", Math.Round(result.Score, 4)),
                ("target_fmr", point.TargetFmr.ToString("0e0", CultureInfo.InvariantCulture)), ("threshold", point.Threshold), ("liveness", probe.Liveness.Verdict),
                ("liveness_validated", false), ("frames", probe.Frames), ("probe_sha256", probe.ProbeSha256))),
            ct);
        return result;
    }

    /// <summary>The same on frames already decoded (gate simulation, benchmarks); the audit then has no probe hash.</summary>
    public async Task<VerificationResult> VerifyFramesAsync(Principal actor, VerificationRequest request, IReadOnlyList<DecodedImage> frames, CancellationToken ct = default)
    {
        var (record, point) = await context.Audited(actor, "service.verify", $"service-gallery:{request.Gallery}", () => PrepareAsync(actor, request, ct), ct);
        var probe = await context.Audited(actor, "service.verify", $"service-person:{record.Person.Id}", () => Task.FromResult(Probe.Analyse(context.Engine, frames)), ct);
        var result = Decide(record, point, probe, request.Liveness);
        await context.AppendAsync(
            AuditEvent.Ok(actor.Id, "service.verified", $"service-person:{record.Person.Id}", AuditDetails.Of(
                ("gallery", request.Gallery), ("decision", result.Decision.ToString()), ("score", Math.Round(result.Score, 4)),
                ("target_fmr", point.TargetFmr.ToString("0e0", CultureInfo.InvariantCulture)), ("threshold", point.Threshold), ("liveness", probe.Liveness.Verdict),
                ("liveness_validated", false), ("frames", probe.Frames))),
            ct);
        return result;
    }

    private async Task<(ServiceRecord Record, OperatingPoint Point)> PrepareAsync(Principal actor, VerificationRequest request, CancellationToken ct)
    {
        ServiceAccess.Demand(actor, Capability.VerifyCustomers);
        var point = context.OperatingPoints().Select(request.TargetFmr);
        var record = await context.Store.GetServiceRecordAsync(actor, request.Gallery, request.ClaimedRef, ct);
        if (record.Person.IsExpiredAt(context.Time.GetUtcNow()))
        {
            throw new ArgusException(
                "consent.expired",
                $"The consent of customer '{request.ClaimedRef}' expired on {record.Person.ExpiresAt:yyyy-MM-dd}; they must consent again before being verified by face.");
        }

        return (record, point);
    }

    private VerificationResult Decide(ServiceRecord record, OperatingPoint point, ProbeAnalysis probe, LivenessPolicy liveness)
    {
        var aad = ServiceCipher.Context(record.Gallery.Name, record.Person.ExternalRef);
        var best = float.MinValue;
        var query = probe.Face.Embedding!.Values;
        foreach (var t in record.Templates)
        {
            var vector = context.Cipher.OpenVector(t.Sealed, aad);
            best = MathF.Max(best, System.Numerics.Tensors.TensorPrimitives.Dot(query, vector));
        }

        var decision = best >= point.Threshold
            ? (liveness == LivenessPolicy.Require && probe.Liveness.Verdict != "live" ? VerificationDecision.LivenessFailed : VerificationDecision.Match)
            : VerificationDecision.NoMatch;
        return new VerificationResult(decision, best, point, probe.Liveness, probe.Frames, probe.FramesWithFace);
    }
}
