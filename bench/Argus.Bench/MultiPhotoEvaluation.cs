using Argus.Core.Evaluation;
using Argus.Core.Faces;
using Argus.Vision.Pipeline;

namespace Argus.Bench;

/// <summary>How several enrolment photos of one person become what a probe is compared with.</summary>
public enum EnrolmentRule
{
    /// <summary>One template per photo; the person's score is the best of them.</summary>
    BestOf,

    /// <summary>One template: the mean of the photos' normalised templates, renormalised.</summary>
    Mean,

    /// <summary>
    /// One template: the mean weighted by each photo's raw embedding norm (the embedder's own quality signal), which is
    /// the same as averaging the unnormalised model outputs.
    /// </summary>
    NormWeightedMean,
}

/// <summary>Open-set figures for one number of enrolment photos and one rule.</summary>
public sealed record MultiPhotoRow(int Photos, EnrolmentRule Rule, int Identities, IdentificationReport Report, HeldOutRate HeldOut1E2);

public sealed record MultiPhotoResult(IReadOnlyList<MultiPhotoRow> Rows, int Rounds, int MatedProbesPerRound, int NonMatedProbes, int FailedImages);

/// <summary>
/// Multi-photo enrolment (issue 17). Enrolled identities with at least max(photos)+1 usable images are enrolled
/// with k of them (k from <c>photos</c>) and probed with the rest, which stay the same for every k; the non-mated
/// probes are the probes CSV's <c>in_gallery=0</c> rows. Each round draws another random order of every person's
/// images (fixed seeds), and the rounds' outcomes are pooled. Held-out rates take the threshold from the other
/// identity fold.
/// </summary>
public static class MultiPhotoEvaluation
{
    public static MultiPhotoResult Run(
        FaceEngine engine, string galleryCsv, string probesCsv, string root, IReadOnlyList<int> photos, int rounds, int workers,
        string? subset = null, IProgress<(int Done, int Total)>? progress = null)
    {
        var gallery = CsvTable.Load(galleryCsv, "path", "identity");
        var probes = CsvTable.Load(probesCsv, "path", "identity", "in_gallery");
        bool In(CsvTable t, string[] r) => subset is null || !t.Has("subset") || t.Get(r, "subset") == subset;
        var enrolled = gallery.Rows.Where(r => In(gallery, r) && (!gallery.Has("role") || gallery.Get(r, "role") == "enrolled"))
            .Select(r => gallery.Get(r, "identity")).ToHashSet(StringComparer.Ordinal);
        var probeRows = probes.Rows.Where(r => In(probes, r)).ToArray();
        var nonMatedPaths = probeRows.Where(r => probes.Get(r, "in_gallery") == "0").Select(r => (Path: probes.Get(r, "path"), Identity: probes.Get(r, "identity"))).ToArray();
        var images = gallery.Rows.Where(r => In(gallery, r)).Select(r => (Path: gallery.Get(r, "path"), Identity: gallery.Get(r, "identity")))
            .Concat(probeRows.Where(r => probes.Get(r, "in_gallery") == "1").Select(r => (Path: probes.Get(r, "path"), Identity: probes.Get(r, "identity"))))
            .Where(x => enrolled.Contains(x.Identity)).Distinct().ToArray();

        var paths = images.Select(i => i.Path).Concat(nonMatedPaths.Select(p => p.Path)).ToArray();
        var views = FaceViewSet.EmbedAll(engine, paths, root, workers, progress is null ? null : new Progress<int>(d => progress.Report((d, paths.Length))));
        Embedding? T(string path) => views[path].Template(engine);

        var maxPhotos = photos.Max();
        var people = images.Where(i => T(i.Path) is not null).GroupBy(i => i.Identity, StringComparer.Ordinal)
            .Where(g => g.Count() > maxPhotos).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Identity: g.Key, Paths: g.Select(i => i.Path).Order(StringComparer.Ordinal).ToArray())).ToArray();
        if (people.Length == 0)
        {
            throw new Core.ArgusException("argument.invalid", $"No enrolled identity has more than {maxPhotos} usable images{(subset is null ? "" : $" in subset '{subset}'")}.");
        }

        var nonMated = nonMatedPaths.Select(p => (p.Identity, Template: T(p.Path))).ToArray();
        var folds = new IdentityFolds(people.Select(p => p.Identity).Concat(nonMated.Select(n => n.Identity)));
        var outcomes = new Dictionary<(int, EnrolmentRule), List<FoldedOutcome>>();
        foreach (var k in photos)
        {
            foreach (var rule in Enum.GetValues<EnrolmentRule>())
            {
                outcomes[(k, rule)] = [];
            }
        }

        var matedPerRound = 0;
        for (var round = 0; round < rounds; round++)
        {
            var random = new Random(1000 + round);
            var orders = people.Select(p => (p.Identity, Paths: p.Paths.OrderBy(_ => random.Next()).ToArray())).ToArray();
            matedPerRound = orders.Sum(o => o.Paths.Length - maxPhotos);
            foreach (var k in photos)
            {
                foreach (var rule in Enum.GetValues<EnrolmentRule>())
                {
                    var galleryTemplates = new List<(string Identity, Embedding Template)>();
                    foreach (var (identity, order) in orders)
                    {
                        var enrol = order.Take(k).Select(p => T(p)!).ToArray();
                        switch (rule)
                        {
                            case EnrolmentRule.BestOf:
                                galleryTemplates.AddRange(enrol.Select(e => (identity, e)));
                                break;
                            case EnrolmentRule.Mean:
                                galleryTemplates.Add((identity, Embedding.Fuse(enrol, [], engine.Contract)));
                                break;
                            default:
                                galleryTemplates.Add((identity, Embedding.Fuse(enrol, [.. enrol.Select(e => e.RawNorm)], engine.Contract)));
                                break;
                        }
                    }

                    var list = outcomes[(k, rule)];
                    foreach (var (identity, order) in orders)
                    {
                        foreach (var probe in order.Skip(maxPhotos))
                        {
                            list.Add(new FoldedOutcome(OpenSet.Search(galleryTemplates, identity, true, T(probe)), folds.Of(identity)));
                        }
                    }

                    foreach (var (identity, template) in nonMated)
                    {
                        list.Add(new FoldedOutcome(OpenSet.Search(galleryTemplates, identity, false, template), folds.Of(identity)));
                    }
                }
            }
        }

        var rows = outcomes.Select(o => new MultiPhotoRow(
            o.Key.Item1, o.Key.Item2, people.Length, IdentificationMetrics.Evaluate([.. o.Value.Select(x => x.Outcome)]), OpenSet.HeldOut(o.Value, 1e-2)))
            .OrderBy(r => r.Photos).ThenBy(r => r.Rule).ToArray();
        return new MultiPhotoResult(rows, rounds, matedPerRound, nonMated.Length, views.Values.Count(v => v.Failed));
    }
}
