using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Argus.Search;

/// <summary>Quantised queries: signed codes, per-query scale, the offset correction and the normalised floats.</summary>
internal sealed class QueryBlock
{
    public QueryBlock(int dimension, int capacity)
    {
        Dimension = dimension;
        Capacity = capacity;
        Codes = GC.AllocateUninitializedArray<sbyte>(dimension * capacity);
        Floats = GC.AllocateUninitializedArray<float>(dimension * capacity);
        Scales = new float[capacity];
        Corrections = new int[capacity];
    }

    public int Dimension { get; }

    public int Capacity { get; }

    public int Count { get; set; }

    public sbyte[] Codes { get; }

    public float[] Floats { get; }

    public float[] Scales { get; }

    /// <summary>128·Σq, subtracted from every raw offset-binary dot product (see <see cref="Int8Kernels"/>).</summary>
    public int[] Corrections { get; }

    /// <summary>Sets query <paramref name="index"/> from an already normalised vector.</summary>
    public void Set(int index, ReadOnlySpan<float> normalised)
    {
        var d = Dimension;
        normalised.CopyTo(Floats.AsSpan(index * d, d));
        Scales[index] = Int8Quantizer.QuantizeQuery(normalised, Codes.AsSpan(index * d, d), out var sum);
        Corrections[index] = 128 * sum;
    }
}

/// <summary>The scan loops: int8 scores for every row of a list, candidates that beat a collector's bar are offered.</summary>
internal static unsafe class Scanner
{
    /// <summary>
    /// With fp32 copies kept, a candidate is re-scored exactly if its int8 score is within this margin of the bar
    /// (int8 error is ~5e-4 standard deviation and under 0.01 worst case in the tests; 0.02 leaves room).
    /// </summary>
    public const float RerankMargin = 0.02f;

    public static void ScanOne(ListData data, int dimension, QueryBlock q, int qi, TopKCollector collector, Int8Isa isa)
    {
        var count = Volatile.Read(ref data.Count);
        if (count == 0)
        {
            return;
        }

        var margin = data.Floats is null ? 0f : RerankMargin;
        var qscale = q.Scales[qi];
        var corr = q.Corrections[qi];
        var raw = stackalloc int[4];
        var scales = data.Scales;
        fixed (byte* codes = data.Codes)
        fixed (sbyte* qc = &q.Codes[qi * dimension])
        {
            var i = 0;
            for (; i + 4 <= count; i += 4)
            {
                Int8Kernels.DotRaw4(codes + ((long)i * dimension), dimension, qc, dimension, isa, raw);
                var bar = collector.Bar - margin;
                for (var r = 0; r < 4; r++)
                {
                    var s = (raw[r] - corr) * scales[i + r] * qscale;
                    if (s >= bar)
                    {
                        Offer(data, dimension, i + r, s, q, qi, collector);
                    }
                }
            }

            for (; i < count; i++)
            {
                var s = (Int8Kernels.DotRaw(codes + ((long)i * dimension), qc, dimension, isa) - corr) * scales[i] * qscale;
                if (s >= collector.Bar - margin)
                {
                    Offer(data, dimension, i, s, q, qi, collector);
                }
            }
        }
    }

    /// <summary>
    /// Scores rows [<paramref name="start"/>, <paramref name="end"/>) against every query of the block, four rows by two
    /// queries at a time, so each 2 KiB block of gallery rows is read from memory once for all queries.
    /// </summary>
    public static void ScanBatch(ListData data, int start, int end, int dimension, QueryBlock q, TopKCollector[] collectors, Int8Isa isa)
    {
        var margin = data.Floats is null ? 0f : RerankMargin;
        var raw = stackalloc int[16];
        var scales = data.Scales;
        var nq = q.Count;
        fixed (byte* codes = data.Codes)
        fixed (sbyte* qc = q.Codes)
        {
            var i = start;
            for (; i + 4 <= end; i += 4)
            {
                var rows = codes + ((long)i * dimension);
                var j = 0;
                for (; j + 4 <= nq; j += 4)
                {
                    Int8Kernels.DotRaw4x4(rows, dimension, qc + (j * dimension), dimension, dimension, isa, raw);
                    Check(data, dimension, i, raw, q, j, collectors[j], margin, scales);
                    Check(data, dimension, i, raw + 4, q, j + 1, collectors[j + 1], margin, scales);
                    Check(data, dimension, i, raw + 8, q, j + 2, collectors[j + 2], margin, scales);
                    Check(data, dimension, i, raw + 12, q, j + 3, collectors[j + 3], margin, scales);
                }

                for (; j + 2 <= nq; j += 2)
                {
                    Int8Kernels.DotRaw4x2(rows, dimension, qc + (j * dimension), qc + ((j + 1) * dimension), dimension, isa, raw);
                    Check(data, dimension, i, raw, q, j, collectors[j], margin, scales);
                    Check(data, dimension, i, raw + 4, q, j + 1, collectors[j + 1], margin, scales);
                }

                if (j < nq)
                {
                    Int8Kernels.DotRaw4(rows, dimension, qc + (j * dimension), dimension, isa, raw);
                    Check(data, dimension, i, raw, q, j, collectors[j], margin, scales);
                }
            }

            for (; i < end; i++)
            {
                for (var j = 0; j < nq; j++)
                {
                    var c = collectors[j];
                    var s = (Int8Kernels.DotRaw(codes + ((long)i * dimension), qc + (j * dimension), dimension, isa) - q.Corrections[j]) * scales[i] * q.Scales[j];
                    if (s >= c.Bar - margin)
                    {
                        Offer(data, dimension, i, s, q, j, c);
                    }
                }
            }
        }
    }

    /// <summary>Scores four rows for one query with one vector multiply and leaves the scalar path to rows that beat the bar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Check(ListData data, int dimension, int row, int* raw, QueryBlock q, int qi, TopKCollector c, float margin, float[] scales)
    {
        var bar = c.Bar - margin;
        var s = Vector128.ConvertToSingle(Vector128.Load(raw) - Vector128.Create(q.Corrections[qi]))
            * Vector128.LoadUnsafe(ref scales[row]) * q.Scales[qi];
        if (Vector128.GreaterThanOrEqualAny(s, Vector128.Create(bar)))
        {
            for (var r = 0; r < 4; r++)
            {
                if (s[r] >= c.Bar - margin)
                {
                    Offer(data, dimension, row + r, s[r], q, qi, c);
                }
            }
        }
    }

    private static void Offer(ListData data, int dimension, int row, float score, QueryBlock q, int qi, TopKCollector collector)
    {
        if (Volatile.Read(ref data.Deleted[row]) != 0)
        {
            return;
        }

        if (data.Floats is { } floats)
        {
            score = TensorPrimitives.Dot(floats.AsSpan(row * dimension, dimension), q.Floats.AsSpan(qi * dimension, dimension));
        }

        collector.Offer(score, data.SubjectIds[row], data.TemplateIds[row], data.GalleryIds[row]);
    }

    /// <summary>Index of the best-scoring centroid for each query (used to assign rows to lists).</summary>
    public static void Nearest(byte[] centroidCodes, float[] centroidScales, int dimension, QueryBlock q, Span<int> best, Int8Isa isa)
        => Nearest(centroidCodes, centroidScales, dimension, q, best, isa, default, default);

    /// <summary>Best centroid per query, and optionally the second best and the score gap between them.</summary>
    public static void Nearest(byte[] centroidCodes, float[] centroidScales, int dimension, QueryBlock q, Span<int> best, Int8Isa isa, Span<int> second, Span<float> gap)
    {
        var n = centroidScales.Length;
        var raw = stackalloc int[16];
        Span<float> scores = stackalloc float[q.Count * 2];
        scores.Fill(float.NegativeInfinity);
        Span<int> ids = stackalloc int[q.Count * 2];
        fixed (byte* codes = centroidCodes)
        fixed (sbyte* qc = q.Codes)
        {
            var i = 0;
            for (; i + 4 <= n; i += 4)
            {
                var rows = codes + ((long)i * dimension);
                var j = 0;
                for (; j + 4 <= q.Count; j += 4)
                {
                    Int8Kernels.DotRaw4x4(rows, dimension, qc + (j * dimension), dimension, dimension, isa, raw);
                    for (var r = 0; r < 16; r++)
                    {
                        Keep(j + (r >> 2), i + (r & 3), (raw[r] - q.Corrections[j + (r >> 2)]) * centroidScales[i + (r & 3)], scores, ids);
                    }
                }

                for (; j < q.Count; j++)
                {
                    Int8Kernels.DotRaw4(rows, dimension, qc + (j * dimension), dimension, isa, raw);
                    for (var r = 0; r < 4; r++)
                    {
                        Keep(j, i + r, (raw[r] - q.Corrections[j]) * centroidScales[i + r], scores, ids);
                    }
                }
            }

            for (; i < n; i++)
            {
                for (var j = 0; j < q.Count; j++)
                {
                    Keep(j, i, (Int8Kernels.DotRaw(codes + ((long)i * dimension), qc + (j * dimension), dimension, isa) - q.Corrections[j]) * centroidScales[i], scores, ids);
                }
            }
        }

        for (var j = 0; j < q.Count; j++)
        {
            best[j] = ids[j * 2];
            if (!second.IsEmpty)
            {
                second[j] = n > 1 ? ids[(j * 2) + 1] : ids[j * 2];
                gap[j] = n > 1 ? scores[j * 2] - scores[(j * 2) + 1] : float.PositiveInfinity;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Keep(int query, int centroid, float score, Span<float> scores, Span<int> ids)
    {
        var b = query * 2;
        if (score > scores[b + 1])
        {
            if (score > scores[b])
            {
                scores[b + 1] = scores[b];
                ids[b + 1] = ids[b];
                scores[b] = score;
                ids[b] = centroid;
            }
            else
            {
                scores[b + 1] = score;
                ids[b + 1] = centroid;
            }
        }
    }

    /// <summary>The best centroids for one query (as many as <paramref name="ids"/> holds), best first.</summary>
    public static int TopCentroids(byte[] centroidCodes, float[] centroidScales, int dimension, QueryBlock q, int qi, Span<int> ids, Span<float> scores, Int8Isa isa)
    {
        var n = centroidScales.Length;
        var p = Math.Min(ids.Length, n);
        var count = 0;
        var raw = stackalloc int[4];
        var corr = q.Corrections[qi];
        fixed (byte* codes = centroidCodes)
        fixed (sbyte* qc = &q.Codes[qi * dimension])
        {
            var i = 0;
            for (; i + 4 <= n; i += 4)
            {
                Int8Kernels.DotRaw4(codes + ((long)i * dimension), dimension, qc, dimension, isa, raw);
                for (var r = 0; r < 4; r++)
                {
                    Insert((raw[r] - corr) * centroidScales[i + r], i + r, ids, scores, p, ref count);
                }
            }

            for (; i < n; i++)
            {
                Insert((Int8Kernels.DotRaw(codes + ((long)i * dimension), qc, dimension, isa) - corr) * centroidScales[i], i, ids, scores, p, ref count);
            }
        }

        return count;
    }

    private static void Insert(float score, int id, Span<int> ids, Span<float> scores, int capacity, ref int count)
    {
        if (count == capacity && score <= scores[count - 1])
        {
            return;
        }

        var pos = count < capacity ? count++ : capacity - 1;
        while (pos > 0 && scores[pos - 1] < score)
        {
            scores[pos] = scores[pos - 1];
            ids[pos] = ids[pos - 1];
            pos--;
        }

        scores[pos] = score;
        ids[pos] = id;
    }
}
