using Argus.Core;
using Argus.Core.Faces;

namespace Argus.Search.Tests;

[Trait("Category", "Unit")]
public sealed class VectorIndexTests
{
    private const int Dim = 64;

    /// <summary>A gallery of <paramref name="subjects"/> subjects with <paramref name="perSubject"/> templates each near a centre.</summary>
    private static (VectorIndex Index, List<(long Template, long Subject, float[] Vector)> Rows, float[][] Centres) Gallery(
        int subjects, int perSubject, int seed = 1, VectorIndexOptions? options = null)
    {
        var rng = new Random(seed);
        var index = new VectorIndex(TestData.Contract, options);
        var rows = new List<(long, long, float[])>();
        var centres = new float[subjects][];
        long template = 1000;
        for (var s = 0; s < subjects; s++)
        {
            centres[s] = TestData.Unit(rng, Dim);
            for (var t = 0; t < perSubject; t++)
            {
                var v = TestData.Near(rng, centres[s], 0.7f);
                index.Add(template, s, 7, v);
                rows.Add((template, s, v));
                template++;
            }
        }

        return (index, rows, centres);
    }

    /// <summary>Brute force fp32: best template per subject, at or above threshold, top k.</summary>
    private static List<(long Subject, long Template, float Score)> BruteForce(List<(long Template, long Subject, float[] Vector)> rows, float[] query, int k, float threshold)
    {
        var best = new Dictionary<long, (long Template, float Score)>();
        foreach (var (template, subject, vector) in rows)
        {
            var s = TestData.Dot(vector, query);
            if (s >= threshold && (!best.TryGetValue(subject, out var b) || s > b.Score))
            {
                best[subject] = (template, s);
            }
        }

        return best.Select(kv => (kv.Key, kv.Value.Template, kv.Value.Score)).OrderByDescending(x => x.Score).Take(k).ToList();
    }

    [SkippableTheory]
    [InlineData(Int8Isa.Scalar)]
    [InlineData(Int8Isa.Avx2)]
    [InlineData(Int8Isa.AvxVnni)]
    public void Exact_top_k_matches_brute_force_fp32(Int8Isa isa)
    {
        Skip.If(isa == Int8Isa.AvxVnni && !System.Runtime.Intrinsics.X86.AvxVnni.IsSupported);
        Skip.If(isa == Int8Isa.Avx2 && !System.Runtime.Intrinsics.X86.Avx2.IsSupported);
        var (index, rows, _) = Gallery(300, 3);
        index.Isa = isa;
        var rng = new Random(5);
        for (var q = 0; q < 20; q++)
        {
            var query = TestData.Unit(rng, Dim);
            var expected = BruteForce(rows, query, 10, -1f);
            var hits = index.Search(query, new SearchParameters(10, -1f));
            Assert.Equal(expected.Count, hits.Length);
            for (var i = 0; i < hits.Length; i++)
            {
                // int8 may swap near-ties: the score at each rank agrees within the quantisation error.
                Assert.InRange(hits[i].Score, expected[i].Score - 0.02f, expected[i].Score + 0.02f);
            }

            Assert.True(expected.Take(5).Count(e => hits.Any(h => h.SubjectId == e.Subject)) >= 4);
        }
    }

    [Fact]
    public void Scalar_and_simd_searches_return_the_same_hits()
    {
        var (index, _, _) = Gallery(200, 2, seed: 9);
        var rng = new Random(11);
        for (var q = 0; q < 10; q++)
        {
            var query = TestData.Unit(rng, Dim);
            index.Isa = Int8Isa.Scalar;
            var scalar = index.Search(query, new SearchParameters(10, -1f));
            index.Isa = Int8Kernels.Best;
            var simd = index.Search(query, new SearchParameters(10, -1f));
            Assert.Equal(scalar, simd);
        }
    }

    [Fact]
    public void Open_set_returns_nothing_below_threshold()
    {
        var (index, _, centres) = Gallery(50, 2);
        var stranger = TestData.Unit(new Random(99), Dim);
        Assert.Empty(index.Search(stranger, new SearchParameters(5, 0.4f)));

        var mate = TestData.Near(new Random(3), centres[7], 0.8f);
        var hits = index.Search(mate, new SearchParameters(5, 0.4f));
        Assert.NotEmpty(hits);
        Assert.Equal(7, hits[0].SubjectId);
        Assert.All(hits, h => Assert.True(h.Score >= 0.4f));
    }

    [Fact]
    public void Subject_appears_once_with_its_best_template()
    {
        var (index, rows, centres) = Gallery(20, 5);
        var query = TestData.Near(new Random(4), centres[3], 0.8f);
        var hits = index.Search(query, new SearchParameters(10, 0.3f));
        Assert.Equal(hits.Length, hits.Select(h => h.SubjectId).Distinct().Count());
        var best = rows.Where(r => r.Subject == 3).MaxBy(r => TestData.Dot(r.Vector, query));
        Assert.Equal(3, hits[0].SubjectId);
        Assert.Equal(best.Template, hits[0].TemplateId);
        Assert.Equal(7, hits[0].GalleryId);
    }

    [Fact]
    public void Removed_templates_and_subjects_are_never_returned_again()
    {
        var (index, rows, centres) = Gallery(30, 4);
        var query = TestData.Near(new Random(4), centres[5], 0.9f);
        var first = index.Search(query, new SearchParameters(3, 0.3f));
        Assert.Equal(5, first[0].SubjectId);

        Assert.True(index.RemoveTemplate(first[0].TemplateId));
        var second = index.Search(query, new SearchParameters(3, 0.3f));
        Assert.DoesNotContain(second, h => h.TemplateId == first[0].TemplateId);
        Assert.Equal(5, second[0].SubjectId);

        Assert.Equal(3, index.RemoveSubject(5));
        Assert.DoesNotContain(index.Search(query, new SearchParameters(10, -1f)), h => h.SubjectId == 5);
        Assert.Equal(rows.Count - 4, index.Count);

        Assert.False(index.RemoveTemplate(first[0].TemplateId));
        Assert.False(index.RemoveTemplate(-12345));
        Assert.Equal(0, index.RemoveSubject(5));
        Assert.Equal(0, index.RemoveSubject(424242));

        index.Compact();
        Assert.DoesNotContain(index.Search(query, new SearchParameters(10, -1f)), h => h.SubjectId == 5);
        Assert.Equal(rows.Count - 4, index.Count);
    }

    [Fact]
    public void Bad_input_is_refused_with_a_clear_code()
    {
        var (index, _, _) = Gallery(5, 1);
        var e = Assert.Throws<ArgusException>(() => index.Search(new float[Dim + 1], new SearchParameters(5, 0.4f)));
        Assert.Equal("search.dimension", e.Code);
        Assert.Contains("needs 64", e.Message);

        var nan = new float[Dim];
        nan[3] = float.NaN;
        Assert.Equal("search.invalid_vector", Assert.Throws<ArgusException>(() => index.Search(nan, new SearchParameters(5, 0.4f))).Code);
        Assert.Equal("search.invalid_vector", Assert.Throws<ArgusException>(() => index.Add(1, 1, 1, nan)).Code);
        Assert.Equal("search.zero_vector", Assert.Throws<ArgusException>(() => index.Search(new float[Dim], new SearchParameters(5, 0.4f))).Code);
        Assert.Equal("search.zero_vector", Assert.Throws<ArgusException>(() => index.Add(1, 1, 1, new float[Dim])).Code);
        Assert.Equal("search.k", Assert.Throws<ArgusException>(() => index.Search(TestData.Unit(new Random(1), Dim), new SearchParameters(0, 0.4f))).Code);
        Assert.Equal("search.threshold", Assert.Throws<ArgusException>(() => index.Search(TestData.Unit(new Random(1), Dim), new SearchParameters(5, float.NaN))).Code);

        Assert.Equal("search.duplicate_template", Assert.Throws<ArgusException>(() => index.Add(1000, 1, 1, TestData.Unit(new Random(1), Dim))).Code);

        var other = new EmbeddingContract("other", "ffff", 1, Dim);
        var foreign = Embedding.FromRaw(TestData.Unit(new Random(2), Dim), other);
        Assert.Equal("search.contract_mismatch", Assert.Throws<ArgusException>(() => index.Search(foreign, new SearchParameters(5, 0.4f))).Code);
        Assert.Equal("search.contract_mismatch", Assert.Throws<ArgusException>(() => index.Add(77, 1, 1, foreign)).Code);
    }

    [Fact]
    public void Unnormalised_input_is_normalised()
    {
        var (index, rows, _) = Gallery(10, 1);
        var scaled = rows[4].Vector.Select(x => x * 5f).ToArray();
        var hits = index.Search(scaled, new SearchParameters(1, 0.9f));
        Assert.Equal(rows[4].Template, Assert.Single(hits).TemplateId);
        Assert.InRange(hits[0].Score, 0.98f, 1.01f);
    }

    [Fact]
    public void Trained_index_with_all_probes_equals_exact_and_finds_mates_with_few()
    {
        var (index, rows, centres) = Gallery(400, 5, seed: 21);
        var rng = new Random(8);
        var queries = Enumerable.Range(0, 20).Select(i => TestData.Near(rng, centres[i * 7], 0.75f)).ToArray();
        var exact = queries.Select(q => index.Search(q, new SearchParameters(10, -1f))).ToArray();

        index.Train(new IvfTraining { Lists = 40, Iterations = 4 });
        Assert.True(index.IsTrained);
        Assert.Equal(40, index.ListCount);
        Assert.Equal(rows.Count, index.Count);
        for (var i = 0; i < queries.Length; i++)
        {
            Assert.Equal(exact[i], index.Search(queries[i], new SearchParameters(10, -1f, Probes: 40)));
            Assert.Equal(exact[i], index.Search(queries[i], new SearchParameters(10, -1f)));
            var approx = index.Search(queries[i], new SearchParameters(10, 0.4f, Probes: 4));
            Assert.Equal(i * 7, approx[0].SubjectId);
        }

        // Adds after training go to the nearest list and are found.
        var late = TestData.Near(rng, centres[3], 0.9f);
        index.Add(99999, 3, 7, late);
        Assert.Contains(index.Search(late, new SearchParameters(5, 0.4f, Probes: 2)), h => h.TemplateId == 99999);
        Assert.True(index.RemoveTemplate(99999));
        Assert.DoesNotContain(index.Search(late, new SearchParameters(5, 0.4f, Probes: 40)), h => h.TemplateId == 99999);
    }

    [Fact]
    public void Exact_fallback_answers_strangers_exactly_and_leaves_mates_to_the_lists()
    {
        // 400 subjects with 5 templates each; queries: 10 faces near enrolled subjects (5 mates above 0.4 each), 10 strangers.
        var (index, _, centres) = Gallery(400, 5, seed: 23);
        var rng = new Random(9);
        var enrolled = Enumerable.Range(0, 10).Select(i => TestData.Near(rng, centres[i * 11], 0.8f)).ToArray();
        var strangers = Enumerable.Range(0, 10).Select(_ => TestData.Unit(rng, TestData.Contract.Dimension)).ToArray();
        var queries = enrolled.Concat(strangers).ToArray();
        var exact = queries.Select(q => index.Search(q, new SearchParameters(5, -1f))).ToArray();
        index.Train(new IvfTraining { Lists = 40, Iterations = 4 });

        var approximate = new SearchParameters(5, -1f, Probes: 1);
        var withFallback = approximate with { ExactBelow = 0.4f };
        var flat = queries.SelectMany(q => q).ToArray();
        var batch = index.SearchBatch(flat, withFallback);
        var strangersMissed = 0;
        for (var i = 0; i < queries.Length; i++)
        {
            Assert.Equal(exact[i], index.Search(queries[i], withFallback));
            Assert.Equal(exact[i], batch[i]);
            strangersMissed += i >= enrolled.Length && !exact[i].SequenceEqual(index.Search(queries[i], approximate)) ? 1 : 0;
        }

        // One probe cannot find a stranger's scattered neighbours: the fallback is what made the answers above exact.
        Assert.True(strangersMissed >= 5, $"only {strangersMissed} strangers differed without the fallback");
        Assert.Throws<ArgusException>(() => index.Search(queries[0], approximate with { ExactBelow = float.NaN }));
    }

    [Fact]
    public void Spilled_templates_count_once_and_are_removed_everywhere()
    {
        var (index, rows, centres) = Gallery(100, 4, seed: 31);

        // A margin of 2 spills every row into its second list as well.
        index.Train(new IvfTraining { Lists = 10, Iterations = 3, SpillMargin = 2f });
        Assert.Equal(rows.Count, index.Count);
        var stored = index.State.Lists.Sum(l => l.Data.Count);
        Assert.Equal(rows.Count * 2, stored);

        var query = TestData.Near(new Random(2), centres[9], 0.9f);
        var all = new SearchParameters(50, -1f, Probes: 10);
        var hits = index.Search(query, all);
        Assert.Equal(hits.Length, hits.Select(h => h.TemplateId).Distinct().Count());

        var template = rows.First(r => r.Subject == 9).Template;
        Assert.True(index.RemoveTemplate(template));
        Assert.DoesNotContain(index.Search(query, all), h => h.TemplateId == template);
        Assert.Equal(3, index.RemoveSubject(9));
        Assert.DoesNotContain(index.Search(query, all), h => h.SubjectId == 9);
        Assert.Equal(rows.Count - 4, index.Count);

        var dir = Directory.CreateTempSubdirectory("argus-spill-").FullName;
        try
        {
            var path = Path.Combine(dir, "s.snapshot");
            IndexSnapshot.Save(index, path, "fp");
            var loaded = IndexSnapshot.TryLoad(path, TestData.Contract, "fp");
            Assert.True(loaded.Succeeded, loaded.Message);
            Assert.Equal(index.Count, loaded.Index!.Count);
            Assert.Equal(index.Search(query, all), loaded.Index.Search(query, all));
            var other = rows.First(r => r.Subject == 10).Template;
            Assert.True(loaded.Index.RemoveTemplate(other));
            Assert.DoesNotContain(loaded.Index.Search(query, all), h => h.TemplateId == other);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Batch_search_equals_single_searches()
    {
        var (index, _, _) = Gallery(VectorIndex.FlatChunkRows / 1000, 1000, seed: 4, new VectorIndexOptions { ScanThreads = 2 });
        Assert.True(index.ListCount >= 1);
        var rng = new Random(6);
        var queries = Enumerable.Range(0, 37).Select(_ => TestData.Unit(rng, Dim)).ToArray();
        var batch = index.SearchBatch(queries.SelectMany(q => q).ToArray(), new SearchParameters(5, -1f), threads: 2);
        for (var i = 0; i < queries.Length; i++)
        {
            Assert.Equal(index.Search(queries[i], new SearchParameters(5, -1f)), batch[i]);
        }
    }

    [Fact]
    public void Multi_chunk_flat_index_scans_in_parallel()
    {
        var index = new VectorIndex(TestData.Contract, new VectorIndexOptions { ScanThreads = 4 });
        var rng = new Random(1);
        var n = (VectorIndex.FlatChunkRows * 2) + 100;
        var target = TestData.Unit(rng, Dim);
        for (var i = 0; i < n; i++)
        {
            index.Add(i, i, 1, i == n - 50 ? target : TestData.Unit(rng, Dim));
        }

        Assert.Equal(3, index.ListCount);
        var hits = index.Search(target, new SearchParameters(3, 0.5f));
        Assert.Equal(n - 50, Assert.Single(hits).TemplateId);
    }

    [Fact]
    public void Keep_floats_re_ranks_to_exact_scores()
    {
        var (index, rows, _) = Gallery(100, 2, seed: 3, new VectorIndexOptions { KeepFloats = true });
        var query = TestData.Unit(new Random(12), Dim);
        var expected = BruteForce(rows, query, 5, -1f);
        var hits = index.Search(query, new SearchParameters(5, -1f));
        for (var i = 0; i < hits.Length; i++)
        {
            Assert.Equal(expected[i].Template, hits[i].TemplateId);
            Assert.Equal(expected[i].Score, hits[i].Score, 4);
        }
    }

    [Fact]
    public async Task Concurrent_searches_while_adding_and_removing()
    {
        var (index, _, centres) = Gallery(100, 2, seed: 2, new VectorIndexOptions { ScanThreads = 2 });
        using var stop = new CancellationTokenSource();
        var removed = new System.Collections.Concurrent.ConcurrentDictionary<long, bool>();
        var writer = Task.Run(() =>
        {
            var rng = new Random(3);
            for (var i = 0; i < 3000; i++)
            {
                index.Add(50_000 + i, 1000 + (i % 50), 1, TestData.Unit(rng, Dim));
                if (i % 3 == 0)
                {
                    index.RemoveTemplate(50_000 + i);
                    removed[50_000 + i] = true;
                }
            }
        });
        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(() =>
        {
            var rng = new Random(r);
            var searches = 0;
            while (!writer.IsCompleted || searches < 50)
            {
                var snapshot = removed.Keys.ToArray();
                var q = TestData.Near(rng, centres[rng.Next(centres.Length)], 0.7f);
                var hits = index.Search(q, new SearchParameters(20, -1f));
                Assert.Equal(hits.Length, hits.Select(h => h.SubjectId).Distinct().Count());
                foreach (var id in snapshot)
                {
                    Assert.DoesNotContain(hits, h => h.TemplateId == id);
                }

                searches++;
            }
        })).ToArray();
        await writer;
        await Task.WhenAll(readers);
        Assert.Equal(200 + 2000, index.Count);
    }
}
