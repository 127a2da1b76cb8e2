using System.Numerics.Tensors;

namespace Argus.Search;

/// <summary>How to partition an index into inverted lists.</summary>
public sealed record IvfTraining
{
    /// <summary>Number of lists (coarse centroids); <see cref="ForSize"/> picks one from the gallery size.</summary>
    public int Lists { get; init; } = 1024;

    /// <summary>Full Lloyd passes of spherical k-means over every row (each costs rows × lists int8 dot products).</summary>
    public int Iterations { get; init; } = 3;

    /// <summary>Cheap passes after the full ones, each row comparing only the 32 centroids nearest its own.</summary>
    public int RefinePasses { get; init; } = 2;

    public int Seed { get; init; } = 12345;

    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// About 100 templates per list. On face-like data the lists must be small enough that a list's centroid stays
    /// close to each identity it holds (cosine ~1/sqrt(identities per list)), or a query's own list does not stand out
    /// from thousands of others (measured in docs/benchmarks.md).
    /// </summary>
    public static IvfTraining ForSize(int count) => new() { Lists = Math.Clamp(count / 100, 1, 1 << 17) };
}

/// <summary>Spherical k-means on an int8 sample, then re-partitioning of every row (int8 nearest-centroid assignment).</summary>
internal static class IvfBuilder
{
    private const int Block = 32;

    public static IndexState Build(IndexState current, int dim, VectorIndexOptions options, IvfTraining training, Int8Isa isa)
    {
        // Every live row, as (list, row) pairs.
        var total = 0;
        foreach (var list in current.Lists)
        {
            total += list.Data.LiveCount;
        }

        var rowList = new int[total];
        var rowIndex = new int[total];
        var sources = new ListData[current.Lists.Length];
        var n = 0;
        for (var l = 0; l < current.Lists.Length; l++)
        {
            var data = current.Lists[l].Data;
            sources[l] = data;
            for (var i = 0; i < data.Count && n < total; i++)
            {
                if (data.Deleted[i] == 0)
                {
                    rowList[n] = l;
                    rowIndex[n] = i;
                    n++;
                }
            }
        }

        total = n;
        var k = Math.Clamp(training.Lists, 1, Math.Max(1, total));
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, training.Threads) };
        var rng = new Random(training.Seed);

        // Initial centroids: k distinct random rows.
        var centroids = new float[(long)k * dim];
        var order = new int[total];
        for (var i = 0; i < total; i++)
        {
            order[i] = i;
        }

        rng.Shuffle(order);
        for (var c = 0; c < k; c++)
        {
            Dequantise(sources[rowList[order[c]]], rowIndex[order[c]], dim, centroids.AsSpan(c * dim, dim));
        }

        var codes = new byte[(long)k * dim];
        var scales = new float[k];
        Quantise(centroids, k, dim, codes, scales);

        // Full passes score every row against every centroid (O(N·k) each: the cost of the build). A gallery code
        // minus 128 is the query code of the same vector, so rows are used as queries without dequantising. Identities
        // only come together in lists after a few full passes; random initial centroids do not attract them.
        var assign = new int[total];
        var counts = new int[k];
        for (var pass = 0; pass < Math.Max(1, training.Iterations); pass++)
        {
            if (pass > 0)
            {
                Recompute(sources, rowList, rowIndex, assign, centroids, counts, k, dim, rng);
                Quantise(centroids, k, dim, codes, scales);
            }

            Parallel.For(0, (total + Block - 1) / Block, parallel, b =>
            {
                var q = new QueryBlock(dim, Block);
                var start = b * Block;
                q.Count = Math.Min(Block, total - start);
                for (var i = 0; i < q.Count; i++)
                {
                    RowAsQuery(sources[rowList[start + i]], rowIndex[start + i], dim, q, i);
                }

                Scanner.Nearest(codes, scales, dim, q, assign.AsSpan(start, q.Count), isa);
            });
        }

        // Later passes only compare a row with the centroids nearest to its current one: a row whose identity is
        // split between two lists finds the other list among them, because the two centroids share that identity.
        const int Candidates = 32;
        for (var it = 0; it < training.RefinePasses; it++)
        {
            Recompute(sources, rowList, rowIndex, assign, centroids, counts, k, dim, rng);
            Quantise(centroids, k, dim, codes, scales);
            var neighbours = Neighbours(centroids, codes, scales, k, dim, Math.Min(Candidates, k), parallel, isa);
            var c2 = Math.Min(Candidates, k);
            Parallel.For(0, (total + Block - 1) / Block, parallel, b =>
            {
                var q = new QueryBlock(dim, 1);
                var start = b * Block;
                var end = Math.Min(total, start + Block);
                for (var r = start; r < end; r++)
                {
                    RowAsQuery(sources[rowList[r]], rowIndex[r], dim, q, 0);
                    assign[r] = BestOf(neighbours.AsSpan(assign[r] * c2, c2), codes, scales, dim, q, isa);
                }
            });
        }

        // Centroids become the means of their final lists, so queries are routed by what the lists hold.
        Recompute(sources, rowList, rowIndex, assign, centroids, counts, k, dim, rng);
        Quantise(centroids, k, dim, codes, scales);
        var rowAssign = assign;

        var sizes = new int[k];
        foreach (var c in rowAssign)
        {
            sizes[c]++;
        }

        var lists = new InvertedList[k];
        var datas = new ListData[k];
        for (var c = 0; c < k; c++)
        {
            datas[c] = new ListData(dim, sizes[c] + (sizes[c] / 8) + 4, options.KeepFloats);
            lists[c] = new InvertedList(datas[c]);
        }

        for (var r = 0; r < total; r++)
        {
            var d = datas[rowAssign[r]];
            sources[rowList[r]].CopyRow(rowIndex[r], d, d.Count, dim);
            d.Count++;
        }

        return new IndexState(lists, codes, scales);
    }

    private static void RowAsQuery(ListData data, int row, int dim, QueryBlock q, int slot)
    {
        var src = data.Codes.AsSpan(row * dim, dim);
        var dst = q.Codes.AsSpan(slot * dim, dim);
        var sum = 0;
        for (var d = 0; d < dim; d++)
        {
            var v = (sbyte)(src[d] ^ 0x80);
            dst[d] = v;
            sum += v;
        }

        q.Corrections[slot] = 128 * sum;
        q.Scales[slot] = 1f;
    }

    private static unsafe int BestOf(ReadOnlySpan<int> candidates, byte[] codes, float[] scales, int dim, QueryBlock q, Int8Isa isa)
    {
        var best = candidates[0];
        var bestScore = float.NegativeInfinity;
        fixed (byte* g = codes)
        fixed (sbyte* qc = q.Codes)
        {
            foreach (var c in candidates)
            {
                var score = (Int8Kernels.DotRaw(g + ((long)c * dim), qc, dim, isa) - q.Corrections[0]) * scales[c];
                if (score > bestScore)
                {
                    bestScore = score;
                    best = c;
                }
            }
        }

        return best;
    }

    /// <summary>For each centroid, its <paramref name="count"/> nearest centroids (itself first), by an exact int8 scan.</summary>
    private static int[] Neighbours(float[] centroids, byte[] codes, float[] scales, int k, int dim, int count, ParallelOptions parallel, Int8Isa isa)
    {
        var list = new ListData(dim, k, keepFloats: false);
        codes.AsSpan(0, k * dim).CopyTo(list.Codes);
        scales.AsSpan(0, k).CopyTo(list.Scales);
        for (var c = 0; c < k; c++)
        {
            list.TemplateIds[c] = c;
            list.SubjectIds[c] = c;
        }

        list.Count = k;
        var result = new int[k * count];
        Parallel.For(0, (k + Block - 1) / Block, parallel, b =>
        {
            var q = new QueryBlock(dim, Block);
            var start = b * Block;
            q.Count = Math.Min(Block, k - start);
            var collectors = new TopKCollector[q.Count];
            var hits = new SearchHit[count];
            for (var i = 0; i < q.Count; i++)
            {
                q.Set(i, centroids.AsSpan((start + i) * dim, dim));
                collectors[i] = new TopKCollector();
                collectors[i].Reset(count, -1f);
            }

            Scanner.ScanBatch(list, 0, k, dim, q, collectors, isa);
            for (var i = 0; i < q.Count; i++)
            {
                var n = collectors[i].CopyTo(hits);
                var row = result.AsSpan((start + i) * count, count);
                row[0] = start + i;
                var w = 1;
                for (var h = 0; h < n && w < count; h++)
                {
                    if (hits[h].TemplateId != start + i)
                    {
                        row[w++] = (int)hits[h].TemplateId;
                    }
                }

                for (; w < count; w++)
                {
                    row[w] = start + i;
                }
            }
        });
        return result;
    }

    /// <summary>Spherical k-means update: each centroid becomes the normalised mean of its rows; empty ones are reseeded.</summary>
    private static void Recompute(ListData[] sources, int[] rowList, int[] rowIndex, int[] assign, float[] centroids, int[] counts, int k, int dim, Random rng)
    {
        Array.Clear(centroids);
        Array.Clear(counts);
        for (var r = 0; r < assign.Length; r++)
        {
            var c = assign[r];
            counts[c]++;
            var data = sources[rowList[r]];
            var src = data.Codes.AsSpan(rowIndex[r] * dim, dim);
            var scale = data.Scales[rowIndex[r]];
            var target = centroids.AsSpan(c * dim, dim);
            for (var d = 0; d < dim; d++)
            {
                target[d] += (src[d] - 128) * scale;
            }
        }

        for (var c = 0; c < k; c++)
        {
            var target = centroids.AsSpan(c * dim, dim);
            var norm = TensorPrimitives.Norm(target);
            if (counts[c] == 0 || norm < 1e-6f)
            {
                var r = rng.Next(assign.Length);
                Dequantise(sources[rowList[r]], rowIndex[r], dim, target);
            }
            else
            {
                TensorPrimitives.Divide(target, norm, target);
            }
        }
    }

    private static void Dequantise(ListData data, int row, int dim, Span<float> destination)
    {
        if (data.Floats is { } floats)
        {
            floats.AsSpan(row * dim, dim).CopyTo(destination);
            return;
        }

        var codes = data.Codes.AsSpan(row * dim, dim);
        var scale = data.Scales[row];
        for (var i = 0; i < dim; i++)
        {
            destination[i] = (codes[i] - 128) * scale;
        }
    }

    private static void Quantise(float[] centroids, int k, int dim, byte[] codes, float[] scales)
    {
        for (var c = 0; c < k; c++)
        {
            scales[c] = Int8Quantizer.QuantizeGallery(centroids.AsSpan(c * dim, dim), codes.AsSpan(c * dim, dim));
        }
    }
}
