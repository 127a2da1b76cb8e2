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
    /// Two-level training when set: rows are first split among this many groups, then each group is clustered into
    /// its share of <see cref="Lists"/>, so a pass costs rows × (groups + lists/groups) instead of rows × lists.
    /// Null trains all lists at once. <see cref="ForSize"/> sets it to sqrt(lists) above <see cref="FlatListLimit"/>.
    /// </summary>
    public int? CoarseLists { get; init; }

    /// <summary>The most lists <see cref="ForSize"/> trains at once (100,000 templates); above it, two levels.</summary>
    public const int FlatListLimit = 2048;

    /// <summary>
    /// About 50 templates per list. On face-like data the lists must be small enough that a list's centroid stays
    /// close to each identity it holds (cosine ~1/sqrt(identities per list)), or a query's own list does not stand out
    /// among thousands of others: at 100k templates, 1,000 lists reached match recall 0.995 where 2,000 reached 0.999
    /// (docs/benchmarks.md). Trained at once, the build cost grows with templates × lists, i.e. with the square of the
    /// gallery; above <see cref="FlatListLimit"/> lists it is trained in two levels (<see cref="CoarseLists"/>).
    /// </summary>
    public static IvfTraining ForSize(int count)
    {
        var lists = Math.Clamp(count / 50, 1, 1 << 18);
        return new() { Lists = lists, CoarseLists = lists > FlatListLimit ? (int)Math.Ceiling(Math.Sqrt(lists)) : null };
    }
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
        Array.Resize(ref rowList, total);
        Array.Resize(ref rowIndex, total);
        var k = Math.Clamp(training.Lists, 1, Math.Max(1, total));
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, training.Threads) };
        var rng = new Random(training.Seed);
        var passes = Math.Max(1, training.Iterations);
        var clustering = training.CoarseLists is { } coarse && coarse > 1 && k > 2 * coarse
            ? TwoLevel(sources, rowList, rowIndex, k, coarse, passes, dim, parallel, rng, isa)
            : Cluster(sources, rowList, rowIndex, k, passes, dim, parallel, rng, isa);
        k = clustering.Scales.Length;
        var (codes, scales, rowAssign, second, gap) = (clustering.Codes, clustering.Scales, clustering.Assign, clustering.Second, clustering.Gap);

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

    private sealed record Clustering(byte[] Codes, float[] Scales, int[] Assign, int[] Second, float[] Gap);

    /// <summary>
    /// Two-level training: the rows are split among <paramref name="coarse"/> groups by k-means, then each group is
    /// clustered into its share of the <paramref name="k"/> lists. Each row is scored against coarse + k/coarse
    /// centroids per pass instead of k, so the build grows with rows × sqrt(lists) (about N^1.5) instead of N².
    /// A row's list (and its spill list) is the nearest within its group; the search still routes a query among all
    /// the lists.
    /// </summary>
    private static Clustering TwoLevel(ListData[] sources, int[] rowList, int[] rowIndex, int k, int coarse, int passes, int dim, ParallelOptions parallel, Random rng, Int8Isa isa)
    {
        var total = rowList.Length;
        var top = Cluster(sources, rowList, rowIndex, coarse, passes, dim, parallel, rng, isa);
        var groups = top.Scales.Length;
        var members = new List<int>[groups];
        for (var g = 0; g < groups; g++)
        {
            members[g] = [];
        }

        for (var r = 0; r < total; r++)
        {
            members[top.Assign[r]].Add(r);
        }

        var parts = new Clustering[groups];
        var offsets = new int[groups + 1];
        for (var g = 0; g < groups; g++)
        {
            var rows = members[g];
            if (rows.Count == 0)
            {
                parts[g] = new Clustering([], [], [], [], []);
                offsets[g + 1] = offsets[g];
                continue;
            }

            // The group's share of the lists, so lists keep about the same number of rows everywhere.
            var share = (int)Math.Clamp(Math.Round((double)k * rows.Count / total), 1, rows.Count);
            var subList = new int[rows.Count];
            var subIndex = new int[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                subList[i] = rowList[rows[i]];
                subIndex[i] = rowIndex[rows[i]];
            }

            parts[g] = Cluster(sources, subList, subIndex, share, passes, dim, parallel, rng, isa);
            offsets[g + 1] = offsets[g] + parts[g].Scales.Length;
        }

        var lists = offsets[groups];
        var codes = new byte[(long)lists * dim];
        var scales = new float[lists];
        var assign = new int[total];
        var second = new int[total];
        var gap = new float[total];
        for (var g = 0; g < groups; g++)
        {
            var part = parts[g];
            part.Codes.CopyTo(codes, (long)offsets[g] * dim);
            part.Scales.CopyTo(scales, offsets[g]);
            var rows = members[g];
            for (var i = 0; i < rows.Count; i++)
            {
                assign[rows[i]] = offsets[g] + part.Assign[i];
                second[rows[i]] = offsets[g] + part.Second[i];
                gap[rows[i]] = part.Gap[i];
            }
        }

        Refine(sources, rowList, rowIndex, top, members, parts, offsets, dim, parallel, isa, assign, second, gap);
        return new Clustering(codes, scales, assign, second, gap);
    }

    /// <summary>
    /// A row near the border of two groups may be nearer a list of its second group than any of its own: rows whose
    /// second group differs are scored against that group's lists too, and take the best (and second best) of both.
    /// Costs one more pass over about lists/groups centroids per such row.
    /// </summary>
    private static void Refine(
        ListData[] sources, int[] rowList, int[] rowIndex, Clustering top, List<int>[] members, Clustering[] parts, int[] offsets, int dim, ParallelOptions parallel, Int8Isa isa,
        int[] assign, int[] second, float[] gap)
    {
        var total = rowList.Length;
        var byGroup = new List<int>[parts.Length];
        for (var g = 0; g < parts.Length; g++)
        {
            byGroup[g] = [];
        }

        for (var r = 0; r < total; r++)
        {
            if (top.Second[r] != top.Assign[r])
            {
                byGroup[top.Second[r]].Add(r);
            }
        }

        // The best score within the row's own group, to compare with the other group's.
        var own = new float[total];
        var other = new (int Best, int Second, float Score, float Gap)[total];
        for (var pass = 0; pass < 2; pass++)
        {
            for (var g = 0; g < parts.Length; g++)
            {
                var part = parts[g];
                if (part.Scales.Length == 0)
                {
                    continue;
                }

                // Pass 0: the rows of group g against their own lists; pass 1: the rows whose second group is g
                // against g's lists.
                var rows = pass == 0 ? members[g] : byGroup[g];
                if (rows.Count == 0)
                {
                    continue;
                }

                Parallel.For(0, (rows.Count + Block - 1) / Block, parallel, () => (Q: new QueryBlock(dim, Block), B: new int[Block], S: new int[Block], G: new float[Block], T: new float[Block]), (b, _, w) =>
                {
                    var start = b * Block;
                    var q = w.Q;
                    q.Count = Math.Min(Block, rows.Count - start);
                    for (var i = 0; i < q.Count; i++)
                    {
                        RowAsQuery(sources[rowList[rows[start + i]]], rowIndex[rows[start + i]], dim, q, i);
                    }

                    Scanner.Nearest(part.Codes, part.Scales, dim, q, w.B.AsSpan(0, q.Count), isa, w.S.AsSpan(0, q.Count), w.G.AsSpan(0, q.Count), w.T.AsSpan(0, q.Count));
                    for (var i = 0; i < q.Count; i++)
                    {
                        var r = rows[start + i];
                        if (pass == 0)
                        {
                            // Reassigned against the group's final centroids (the means of its lists).
                            (assign[r], second[r], gap[r], own[r]) = (offsets[g] + w.B[i], offsets[g] + w.S[i], w.G[i] * q.Scales[i], w.T[i] * q.Scales[i]);
                        }
                        else
                        {
                            other[r] = (offsets[g] + w.B[i], offsets[g] + w.S[i], w.T[i] * q.Scales[i], w.G[i] * q.Scales[i]);
                        }
                    }

                    return w;
                }, static _ => { });
            }
        }

        for (var g = 0; g < parts.Length; g++)
        {
            foreach (var r in byGroup[g])
            {
                var o = other[r];
                if (o.Score > own[r])
                {
                    // The other group's list is nearer: the own best becomes the second when it beats the other's second.
                    var otherSecond = o.Score - o.Gap;
                    (second[r], gap[r]) = own[r] > otherSecond ? (assign[r], o.Score - own[r]) : (o.Second, o.Gap);
                    assign[r] = o.Best;
                }
                else if (own[r] - o.Score < gap[r])
                {
                    (second[r], gap[r]) = (o.Best, own[r] - o.Score);
                }
            }
        }
    }

    /// <summary>
    /// Spherical k-means of the given rows into <paramref name="k"/> lists: random distinct rows as initial centroids,
    /// <paramref name="passes"/> full passes, and centroids that end as the means of their final lists. Each row's
    /// nearest and second-nearest centroid and the score gap between them come from the last pass.
    /// </summary>
    private static Clustering Cluster(ListData[] sources, int[] rowList, int[] rowIndex, int k, int passes, int dim, ParallelOptions parallel, Random rng, Int8Isa isa)
    {
        var total = rowList.Length;
        k = Math.Clamp(k, 1, Math.Max(1, total));

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
        return new Clustering(codes, scales, assign, second, gap);
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
