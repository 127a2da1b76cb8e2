using System.Numerics.Tensors;

namespace Argus.Search;

/// <summary>How to partition an index into inverted lists.</summary>
public sealed record IvfTraining
{
    /// <summary>Number of lists (coarse centroids); <see cref="ForSize"/> picks one from the gallery size.</summary>
    public int Lists { get; init; } = 1024;

    /// <summary>Full Lloyd passes of spherical k-means over every row (each costs rows × lists int8 dot products).</summary>
    public int Iterations { get; init; } = 5;

    /// <summary>
    /// A row whose second-nearest centroid scores within this margin of the nearest is stored in both lists
    /// (memory grows by the share of such rows). 0 turns spilling off.
    /// </summary>
    public float SpillMargin { get; init; } = 0.15f;

    public int Seed { get; init; } = 12345;

    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// About 50 templates per list. On face-like data the lists must be small enough that a list's centroid stays
    /// close to each identity it holds (cosine ~1/sqrt(identities per list)), or a query's own list does not stand out
    /// among thousands of others: at 100k templates, 1,000 lists reached match recall 0.995 where 2,000 reached 0.999
    /// (docs/benchmarks.md). The build cost grows with templates × lists, i.e. with the square of the gallery.
    /// </summary>
    public static IvfTraining ForSize(int count) => new() { Lists = Math.Clamp(count / 50, 1, 1 << 17) };
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
        var seen = new HashSet<long>(total);
        for (var l = 0; l < current.Lists.Length; l++)
        {
            var data = current.Lists[l].Data;
            sources[l] = data;
            for (var i = 0; i < data.Count && n < total; i++)
            {
                // A spilled row is stored twice; train on (and re-place) each template once.
                if (data.Deleted[i] == 0 && seen.Add(data.TemplateIds[i]))
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
        var second = new int[total];
        var gap = new float[total];
        var counts = new int[k];
        var passes = Math.Max(1, training.Iterations);
        for (var pass = 0; pass < passes; pass++)
        {
            if (pass > 0)
            {
                Recompute(sources, rowList, rowIndex, assign, centroids, counts, k, dim, rng);
                Quantise(centroids, k, dim, codes, scales);
            }

            // One query block per worker for the whole pass (not one per 32 rows: at 1M rows that was gigabytes).
            Parallel.For(0, (total + Block - 1) / Block, parallel, () => new QueryBlock(dim, Block), (b, _, q) =>
            {
                var start = b * Block;
                q.Count = Math.Min(Block, total - start);
                for (var i = 0; i < q.Count; i++)
                {
                    RowAsQuery(sources[rowList[start + i]], rowIndex[start + i], dim, q, i);
                }

                Scanner.Nearest(codes, scales, dim, q, assign.AsSpan(start, q.Count), isa, second.AsSpan(start, q.Count), gap.AsSpan(start, q.Count));
                for (var i = 0; i < q.Count; i++)
                {
                    // Nearest leaves out the query's own scale (it does not change the argmax); the gap needs it.
                    gap[start + i] *= q.Scales[i];
                }

                return q;
            }, static _ => { });
        }

        // Centroids become the means of their final lists, so queries are routed by what the lists hold.
        Recompute(sources, rowList, rowIndex, assign, centroids, counts, k, dim, rng);
        Quantise(centroids, k, dim, codes, scales);
        var rowAssign = assign;

        // Spill: a row almost as close to its second list as to its first is stored in both, so a query routed to
        // either finds it (duplicates collapse in the per-subject merge). Off when SpillMargin is 0.
        var spill = training.SpillMargin > 0;
        var sizes = new int[k];
        for (var r = 0; r < total; r++)
        {
            sizes[rowAssign[r]]++;
            if (spill && gap[r] < training.SpillMargin && second[r] != rowAssign[r])
            {
                sizes[second[r]]++;
            }
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
            if (spill && gap[r] < training.SpillMargin && second[r] != rowAssign[r])
            {
                d = datas[second[r]];
                sources[rowList[r]].CopyRow(rowIndex[r], d, d.Count, dim);
                d.Count++;
            }
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
        q.Scales[slot] = data.Scales[row];
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
