using Argus.Core.Evaluation;

namespace Argus.Core.Tests;

[Trait("Category", "Unit")]
public sealed class VerificationMetricsTests
{
    [Fact]
    public void Best_accuracy_finds_the_separating_threshold()
    {
        var pairs = new[] { P(0.9f, true), P(0.8f, true), P(0.3f, false), P(0.1f, false) };
        var (accuracy, threshold) = VerificationMetrics.BestAccuracy(pairs);
        Assert.Equal(1.0, accuracy);
        Assert.InRange(threshold, 0.3f + 1e-6f, 0.8f);
    }

    [Fact]
    public void Best_accuracy_with_one_unavoidable_error()
    {
        // An impostor scores above a genuine pair: 3 of 4 is the best any threshold can do.
        var pairs = new[] { P(0.9f, true), P(0.5f, false), P(0.4f, true), P(0.1f, false) };
        Assert.Equal(0.75, VerificationMetrics.BestAccuracy(pairs).Accuracy);
    }

    [Fact]
    public void Auc_is_the_share_of_correctly_ordered_pairs_with_ties_counting_half()
    {
        Assert.Equal(1.0, VerificationMetrics.Auc([0.9f, 0.8f], [0.1f, 0.2f]));
        Assert.Equal(0.0, VerificationMetrics.Auc([0.1f], [0.9f]));

        // Genuine {0.5, 0.9} vs impostor {0.5, 0.1}: orderings 0.5>0.1, 0.9>0.5, 0.9>0.1 count 1; 0.5=0.5 counts 1/2.
        Assert.Equal(3.5 / 4, VerificationMetrics.Auc([0.5f, 0.9f], [0.5f, 0.1f]), 10);
    }

    [Fact]
    public void Tar_at_far_allows_only_the_permitted_impostors()
    {
        // 100 impostors at 0.00..0.99; FAR 1e-2 admits exactly one (0.99), so the threshold sits just above 0.98.
        var impostors = Enumerable.Range(0, 100).Select(i => i / 100f).ToArray();
        var genuine = new[] { 0.985f, 0.97f, 1.0f };
        var (tar, threshold) = VerificationMetrics.TarAtFar(genuine, impostors, 1e-2);
        Assert.True(threshold > 0.98f && threshold <= 0.985f, $"threshold {threshold}");
        Assert.Equal(2.0 / 3, tar, 10);

        // FAR 1e-3 with 100 impostors admits none: threshold just above the top impostor.
        var (tar3, threshold3) = VerificationMetrics.TarAtFar(genuine, impostors, 1e-3);
        Assert.True(threshold3 > 0.99f);
        Assert.Equal(1.0 / 3, tar3, 10);
    }

    [Fact]
    public void Ten_fold_accuracy_picks_each_threshold_on_the_other_folds()
    {
        var pairs = new List<ScoredPair>();
        for (var fold = 0; fold < 10; fold++)
        {
            pairs.Add(new ScoredPair(0.8f, true, fold));
            pairs.Add(new ScoredPair(0.2f, false, fold));
        }

        var (mean, sd) = VerificationMetrics.CrossValidatedAccuracy(pairs);
        Assert.Equal(1.0, mean);
        Assert.Equal(0.0, sd);
        Assert.Equal((null, null), VerificationMetrics.CrossValidatedAccuracy([P(0.8f, true), P(0.2f, false)]));
    }

    [Fact]
    public void Evaluate_reports_distributions()
    {
        var report = VerificationMetrics.Evaluate([P(0.8f, true), P(0.6f, true), P(0.0f, false), P(0.2f, false)]);
        Assert.Equal(0.7, report.Genuine.Mean, 5);
        Assert.Equal(0.1, report.Impostor.Mean, 5);
        Assert.Equal(4, report.Pairs);
    }

    private static ScoredPair P(float score, bool same) => new(score, same);
}

[Trait("Category", "Unit")]
public sealed class IdentificationMetricsTests
{
    [Fact]
    public void Rank1_and_fnir_at_fpir()
    {
        var outcomes = new List<ProbeOutcome>
        {
            new(true, true, 0.9f),
            new(true, true, 0.45f),
            new(true, false, 0.7f), // wrong identity on top: a miss at any threshold
            new(true, true, 0.6f),
        };

        // 100 non-mated probes with top scores 0.000..0.495: FPIR 0.01 admits one (0.495).
        outcomes.AddRange(Enumerable.Range(0, 100).Select(i => new ProbeOutcome(false, false, i * 0.005f)));
        var report = IdentificationMetrics.Evaluate(outcomes);
        Assert.Equal(0.75, report.Rank1);
        Assert.Equal(0.01, report.AtFpir1E2.Fpir, 10);

        // Threshold just above 0.49: the 0.45 mated probe and the wrong-identity probe are misses.
        Assert.Equal(0.5, report.AtFpir1E2.Fnir, 10);

        // FPIR 0.003 admits none: threshold above 0.495.
        Assert.Equal(0.0, report.AtFpir3E3.Fpir);
        Assert.True(report.AtFpir3E3.Threshold > 99 * 0.005f);
    }
}

[Trait("Category", "Unit")]
public sealed class CalibrationTests
{
    [Fact]
    public void Thresholds_follow_the_impostor_distribution_and_flag_unmeasurable_rates()
    {
        // 1,000 impostors at 0.000..0.999 and genuine pairs at 0.95..0.999.
        var impostor = Enumerable.Range(0, 1000).Select(i => i / 1000f).ToArray();
        var genuine = Enumerable.Range(950, 50).Select(i => i / 1000f).ToArray();
        var report = Calibration.Calibrate(genuine, impostor, [1e-2, 1e-3, 1e-4]);
        var at1e2 = report.Points[0];
        Assert.True(at1e2.MeasuredFmr <= 1e-2 && at1e2.Threshold > 0.989f && at1e2.Threshold <= 0.991f, $"{at1e2}");
        Assert.True(at1e2.Supported);
        Assert.Equal(0.8, at1e2.Fnmr, 5); // genuine 0.950..0.989 fall below 0.99
        Assert.False(report.Points[1].Supported); // 1,000 impostors cannot measure 1e-3 (needs 3,000)
        Assert.Equal(0.0, report.Points[2].MeasuredFmr);
        Assert.Equal("calibration.no_pairs", Assert.Throws<ArgusException>(() => Calibration.Calibrate([], impostor)).Code);
    }
}
