using System.Numerics.Tensors;

namespace Argus.Search;

/// <summary>How to partition an index into inverted lists.</summary>
public sealed record IvfTraining
{
    /// <summary>Number of lists (coarse centroids); <see cref="ForSize"/> picks one from the gallery size.</summary>
    public int Lists { get; init; } = 1024;

    /// <summary>Lloyd iterations of spherical k-means.</summary>
    public int Iterations { get; init; } = 6;

    /// <summary>Training sample per list (the sample is at most the gallery).</summary>
    public int SamplesPerList { get; init; } = 32;

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

        // Sample and dequantise the training points.
        var rng = new Random(training.Seed);
        var sampleCount = (int)Math.Min(total, (long)k * Math.Max(1, training.SamplesPerList));
        var sample = new int[sampleCount];
        if (sampleCount == total)
        {
            for (var i = 0; i < total; i++)
            {
                sample[i] = i;
            }
        }
        else
        {
            var chosen = new HashSet<int>();
            for (var i = 0; i < sampleCount; i++)
            {
                int r;
                do
                {
                    r = rng.Next(total);
                }
                while (!chosen.Add(r));
                sample[i] = r;
            }
        }

        var points = new float[(long)sampleCount * dim];
        for (var s = 0; s < sampleCount; s++)
        {
            Dequantise(sources[rowList[sample[s]]], rowIndex[sample[s]], dim, points.AsSpan(s * dim, dim));
        }

        // Initial centroids: k distinct sample points.
        var centroids = new float[(long)k * dim];
        var order = new int[sampleCount];
        for (var i = 0; i < sampleCount; i++)
        {
            order[i] = i;
        }

        rng.Shuffle(order);
        for (var c = 0; c < k; c++)
        {
            points.AsSpan(order[c] * dim, dim).CopyTo(centroids.AsSpan(c * dim, dim));
        }

        var codes = new byte[(long)k * dim];
        var scales = new float[k];
        var assign = new int[sampleCount];
        var counts = new int[k];
        for (var it = 0; it < training.Iterations; it++)
        {
            Quantise(centroids, k, dim, codes, scales);
            Parallel.For(0, (sampleCount + Block - 1) / Block, parallel, b =>
            {
                var q = new QueryBlock(dim, Block);
                var start = b * Block;
                q.Count = Math.Min(Block, sampleCount - start);
                for (var i = 0; i < q.Count; i++)
                {
                    q.Set(i, points.AsSpan((start + i) * dim, dim));
                }

                Scanner.Nearest(codes, scales, dim, q, assign.AsSpan(start, q.Count), isa);
            });

            Array.Clear(centroids);
            Array.Clear(counts);
            for (var s = 0; s < sampleCount; s++)
            {
                var c = assign[s];
                counts[c]++;
                var target = centroids.AsSpan(c * dim, dim);
                TensorPrimitives.Add(target, points.AsSpan(s * dim, dim), target);
            }

            for (var c = 0; c < k; c++)
            {
                var target = centroids.AsSpan(c * dim, dim);
                var norm = TensorPrimitives.Norm(target);
                if (counts[c] == 0 || norm < 1e-6f)
                {
                    // Empty list: reseed from a random sample point.
                    points.AsSpan(rng.Next(sampleCount) * dim, dim).CopyTo(target);
                }
                else
                {
                    TensorPrimitives.Divide(target, norm, target);
                }
            }
        }

        Quantise(centroids, k, dim, codes, scales);

        // Assign every row. A gallery code minus 128 is the query code of the same vector, so no dequantising is needed.
        var rowAssign = new int[total];
        Parallel.For(0, (total + Block - 1) / Block, parallel, b =>
        {
            var q = new QueryBlock(dim, Block);
            var start = b * Block;
            q.Count = Math.Min(Block, total - start);
            for (var i = 0; i < q.Count; i++)
            {
                var src = sources[rowList[start + i]].Codes.AsSpan(rowIndex[start + i] * dim, dim);
                var dst = q.Codes.AsSpan(i * dim, dim);
                var sum = 0;
                for (var d = 0; d < dim; d++)
                {
                    var v = (sbyte)(src[d] ^ 0x80);
                    dst[d] = v;
                    sum += v;
                }

                q.Corrections[i] = 128 * sum;
                q.Scales[i] = 1f;
            }

            Scanner.Nearest(codes, scales, dim, q, rowAssign.AsSpan(start, q.Count), isa);
        });

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
