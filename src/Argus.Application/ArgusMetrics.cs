using System.Diagnostics.Metrics;

namespace Argus.Application;

/// <summary>
/// The operations' meters (OpenTelemetry picks them up by name in the server; the CLI ignores them). Faces per second
/// is the rate of <c>argus.faces.analysed</c>.
/// </summary>
public static class ArgusMetrics
{
    public const string MeterName = "Argus.Application";

    private static readonly Meter Meter = new(MeterName);

    public static Counter<long> FacesAnalysed { get; } = Meter.CreateCounter<long>("argus.faces.analysed", "{face}", "Photos analysed for a face by enrolment, proposals and searches.");

    public static Histogram<double> SearchDuration { get; } = Meter.CreateHistogram<double>("argus.search.duration", "ms", "Purpose-bound search, from the approved declaration to the ranked candidates.");

    public static Counter<long> Searches { get; } = Meter.CreateCounter<long>("argus.searches", "{search}", "Searches performed, by kind and whether any candidate matched.");

    public static Counter<long> TemplatesEnrolled { get; } = Meter.CreateCounter<long>("argus.templates.enrolled", "{template}", "Templates enrolled into service galleries.");
}
