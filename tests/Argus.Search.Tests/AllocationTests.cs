namespace Argus.Search.Tests;

/// <summary>
/// Allocation budgets of the per-query hot paths, in bytes per call on the calling thread after one warm-up call
/// (the thread's scratch buffers are made then). Bytes are counted, not seconds: the count does not depend on how
/// busy the machine is, so a budget can be held in a unit test (speed stays in bench/).
/// </summary>
[Trait("Category", "Unit")]
[Collection(AllocationGroup.Name)]
public sealed class AllocationTests
{
    private const int Dim = 64;
    private const int Calls = 200;

    [Fact]
    public void An_exact_search_into_a_caller_buffer_allocates_nothing()
    {
        var (index, queries) = Gallery(trained: false);
        Assert.Equal(0, BytesPerCall(index, queries, new SearchParameters(10, 0.2f)));
    }

    [Fact]
    public void An_approximate_search_into_a_caller_buffer_allocates_nothing()
    {
        var (index, queries) = Gallery(trained: true);
        Assert.True(index.IsTrained);
        Assert.Equal(0, BytesPerCall(index, queries, new SearchParameters(10, 0.2f, 8)));
    }

    [Fact]
    public void Scanning_one_list_allocates_nothing()
    {
        var rng = new Random(5);
        var data = new ListData(Dim, 1000, keepFloats: true);
        for (var i = 0; i < 1000; i++)
        {
            var v = TestData.Unit(rng, Dim);
            data.Scales[i] = Int8Quantizer.QuantizeGallery(v, data.Codes.AsSpan(i * Dim, Dim));
            v.CopyTo(data.Floats.AsSpan(i * Dim, Dim));
            data.TemplateIds[i] = data.SubjectIds[i] = i;
            data.GalleryIds[i] = 1;
        }

        data.Count = 1000;

        var q = new QueryBlock(Dim, 1) { Count = 1 };
        q.Set(0, TestData.Unit(rng, Dim));
        var collector = new TopKCollector();
        collector.Reset(10, -1f);
        Scanner.ScanOne(data, Dim, q, 0, collector, Int8Kernels.Best);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++)
        {
            collector.Reset(10, -1f);
            Scanner.ScanOne(data, Dim, q, 0, collector, Int8Kernels.Best);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(10, collector.Count);
    }

    private static long BytesPerCall(VectorIndex index, float[][] queries, SearchParameters p)
    {
        var hits = new SearchHit[p.K];
        index.Search(queries[0], p, hits);
        var found = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++)
        {
            found += index.Search(queries[i % queries.Length], p, hits);
        }

        var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(found > 0, "the searches found nothing: the budget would measure an empty path");
        return bytes / Calls;
    }

    private static (VectorIndex Index, float[][] Queries) Gallery(bool trained)
    {
        var rng = new Random(3);
        var index = new VectorIndex(TestData.Contract, new VectorIndexOptions { ScanThreads = 1 });
        var centres = new float[400][];
        long template = 0;
        for (var s = 0; s < centres.Length; s++)
        {
            centres[s] = TestData.Unit(rng, Dim);
            for (var t = 0; t < 5; t++)
            {
                index.Add(++template, s, 1, TestData.Near(rng, centres[s], 0.7f));
            }
        }

        if (trained)
        {
            index.Train(new IvfTraining { Lists = 32 });
        }

        var queries = new float[16][];
        for (var i = 0; i < queries.Length; i++)
        {
            queries[i] = TestData.Near(rng, centres[i * 7], 0.7f);
        }

        return (index, queries);
    }
}

/// <summary>Allocation counts are per thread, but a parallel test could still share a thread's scratch: run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationGroup
{
    public const string Name = "allocation";
}
