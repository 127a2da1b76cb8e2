using Argus.Core.Evaluation;
using Argus.Core.Faces;
using Argus.Search;
using Argus.Vision.Pipeline;

namespace Argus.Bench;

public sealed record IdentifyResult(IdentificationReport Report, int GalleryImages, int GalleryIdentities, IReadOnlyList<ImageOutcome> FailedImages);

/// <summary>
/// Open-set 1:N evaluation. Gallery CSV: <c>path,identity</c>; probes CSV: <c>path,identity,in_gallery</c>.
/// An identity's score is the best over its gallery templates. Exhaustive fp32 search: this measures the
/// recognition pipeline. With <c>int8</c> the same search runs through Argus's int8 index (exact scan), which shows
/// what quantisation costs in accuracy.
/// </summary>
public static class IdentifyEvaluation
{
    public static IdentifyResult Run(
        FaceEngine engine, string galleryCsv, string probesCsv, string root, int workers, string? subset = null, IProgress<(int Done, int Total)>? progress = null, bool quantised = false)
    {
        var gallery = CsvTable.Load(galleryCsv, "path", "identity");
        var probes = CsvTable.Load(probesCsv, "path", "identity", "in_gallery");
        bool InSubset(CsvTable t, string[] r) => subset is null || !t.Has("subset") || t.Get(r, "subset") == subset;
        var galleryRows = gallery.Rows.Where(r => InSubset(gallery, r)).ToArray();
        var probeRows = probes.Rows.Where(r => InSubset(probes, r)).ToArray();

        var paths = galleryRows.Select(r => gallery.Get(r, "path")).Concat(probeRows.Select(r => probes.Get(r, "path"))).Distinct().ToArray();
        var outcomes = ImageSet.EmbedAll(engine, paths, root, workers, progress is null ? null : new Progress<int>(d => progress.Report((d, paths.Length))));

        var templates = new List<(string Identity, Embedding Embedding)>();
        foreach (var row in galleryRows)
        {
            if (outcomes[gallery.Get(row, "path")].Embedding is { } e)
            {
                templates.Add((gallery.Get(row, "identity"), e));
            }
        }

        VectorIndex? index = null;
        if (quantised)
        {
            index = new VectorIndex(engine.Contract);
            for (var i = 0; i < templates.Count; i++)
            {
                index.Add(i, i, 0, templates[i].Embedding);
            }
        }

        var results = new List<ProbeOutcome>(probeRows.Length);
        var line = 1;
        foreach (var row in probeRows)
        {
            line++;
            var mated = probes.GetInt(row, "in_gallery", line) == 1;
            var probe = outcomes[probes.Get(row, "path")].Embedding;
            if (probe is null)
            {
                results.Add(new ProbeOutcome(mated, false, float.NegativeInfinity));
                continue;
            }

            var (bestIdentity, bestScore) = quantised ? SearchIndex(index!, templates, probe) : SearchExhaustive(templates, probe);

            results.Add(new ProbeOutcome(mated, mated && bestIdentity == probes.Get(row, "identity"), bestScore));
        }

        var failed = outcomes.Values.Where(o => o.Failed).OrderBy(o => o.Path, StringComparer.Ordinal).ToArray();
        return new IdentifyResult(
            IdentificationMetrics.Evaluate(results), templates.Count, templates.Select(t => t.Identity).Distinct().Count(), failed);
    }

    private static (string? Identity, float Score) SearchExhaustive(List<(string Identity, Embedding Embedding)> templates, Embedding probe)
    {
        var bestScore = float.NegativeInfinity;
        string? bestIdentity = null;
        foreach (var (identity, template) in templates)
        {
            var score = probe.Similarity(template);
            if (score > bestScore)
            {
                bestScore = score;
                bestIdentity = identity;
            }
        }

        return (bestIdentity, bestScore);
    }

    /// <summary>Top-1 through the int8 index; template i was added as subject i, so the hit names its identity.</summary>
    private static (string? Identity, float Score) SearchIndex(VectorIndex index, List<(string Identity, Embedding Embedding)> templates, Embedding probe)
    {
        var hits = index.Search(probe, new SearchParameters(1, -1f));
        return hits.Length == 0 ? (null, float.NegativeInfinity) : (templates[(int)hits[0].TemplateId].Identity, hits[0].Score);
    }
}
