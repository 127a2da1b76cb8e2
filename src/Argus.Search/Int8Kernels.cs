using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Argus.Search;

/// <summary>Instruction set used by the int8 dot-product kernels.</summary>
public enum Int8Isa
{
    Scalar,
    Avx2,
    AvxVnni,
}

/// <summary>
/// Int8 dot products between gallery codes and a query.
/// Layout: gallery codes are stored offset-binary (<c>byte = value + 128</c>) and queries signed, because the VNNI
/// instruction <c>vpdpbusd</c> multiplies unsigned by signed bytes. The raw sum is therefore
/// <c>Σ (g + 128)·q = Σ g·q + 128·Σ q</c>; callers subtract <c>128·Σq</c> once per query (see <see cref="Int8Quantizer"/>).
/// No per-gallery-vector correction is needed, so a gallery vector costs its <c>dim</c> bytes plus one scale.
/// <c>vpdpbusd</c> does not saturate (int32 accumulation of four 255·127 products), so all three paths are exact and equal.
/// .NET 10 exposes VNNI only as the 256-bit VEX form (<see cref="AvxVnni"/>) on this CPU (no AVX10), which is enough:
/// one query scan is memory bound, and batched scans are bound by the two 256-bit VNNI ports.
/// </summary>
internal static unsafe class Int8Kernels
{
    public static readonly Int8Isa Best = AvxVnni.IsSupported ? Int8Isa.AvxVnni : Avx2.IsSupported ? Int8Isa.Avx2 : Int8Isa.Scalar;

    /// <summary>Raw sum Σ g[i]·q[i] with g offset-binary bytes and q signed (see the class remarks).</summary>
    public static int DotRaw(byte* g, sbyte* q, int dim, Int8Isa isa)
    {
        var i = 0;
        var sum = 0;
        if (isa == Int8Isa.AvxVnni)
        {
            var acc = Vector256<int>.Zero;
            for (; i + 32 <= dim; i += 32)
            {
                acc = AvxVnni.MultiplyWideningAndAdd(acc, Avx.LoadVector256(g + i), Avx.LoadVector256(q + i));
            }

            sum = Vector256.Sum(acc);
        }
        else if (isa == Int8Isa.Avx2)
        {
            var acc = Vector256<int>.Zero;
            for (; i + 16 <= dim; i += 16)
            {
                acc = Avx2.Add(acc, MaddAvx2(g + i, Avx2.ConvertToVector256Int16(Sse2.LoadVector128(q + i))));
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < dim; i++)
        {
            sum += g[i] * q[i];
        }

        return sum;
    }

    /// <summary>Four consecutive gallery rows (<paramref name="stride"/> bytes apart) against one query.</summary>
    public static void DotRaw4(byte* g, int stride, sbyte* q, int dim, Int8Isa isa, int* result)
    {
        if (isa == Int8Isa.AvxVnni && (dim & 31) == 0)
        {
            var a0 = Vector256<int>.Zero;
            var a1 = Vector256<int>.Zero;
            var a2 = Vector256<int>.Zero;
            var a3 = Vector256<int>.Zero;
            var g1 = g + stride;
            var g2 = g1 + stride;
            var g3 = g2 + stride;
            for (var i = 0; i < dim; i += 32)
            {
                var qv = Avx.LoadVector256(q + i);
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, Avx.LoadVector256(g + i), qv);
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, Avx.LoadVector256(g1 + i), qv);
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, Avx.LoadVector256(g2 + i), qv);
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, Avx.LoadVector256(g3 + i), qv);
            }

            Reduce4(a0, a1, a2, a3, result);
            return;
        }

        if (isa == Int8Isa.Avx2 && (dim & 15) == 0)
        {
            // The query is widened to int16 once per 16 bytes and serves the four rows.
            var a0 = Vector256<int>.Zero;
            var a1 = Vector256<int>.Zero;
            var a2 = Vector256<int>.Zero;
            var a3 = Vector256<int>.Zero;
            var g1 = g + stride;
            var g2 = g1 + stride;
            var g3 = g2 + stride;
            for (var i = 0; i < dim; i += 16)
            {
                var qv = Avx2.ConvertToVector256Int16(Sse2.LoadVector128(q + i));
                a0 = Avx2.Add(a0, MaddAvx2(g + i, qv));
                a1 = Avx2.Add(a1, MaddAvx2(g1 + i, qv));
                a2 = Avx2.Add(a2, MaddAvx2(g2 + i, qv));
                a3 = Avx2.Add(a3, MaddAvx2(g3 + i, qv));
            }

            Reduce4(a0, a1, a2, a3, result);
            return;
        }

        for (var r = 0; r < 4; r++)
        {
            result[r] = DotRaw(g + (r * stride), q, dim, isa);
        }
    }

    /// <summary>
    /// Batched form: four gallery rows against two queries (8 accumulators, 6 loads per 8 multiply-adds), so that a
    /// block of the gallery loaded once serves many queries. <paramref name="result"/> gets [q0 r0..r3, q1 r0..r3].
    /// </summary>
    public static void DotRaw4x2(byte* g, int stride, sbyte* q0, sbyte* q1, int dim, Int8Isa isa, int* result)
    {
        if (isa == Int8Isa.AvxVnni && (dim & 31) == 0)
        {
            Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector256<int> b0 = default, b1 = default, b2 = default, b3 = default;
            var g1 = g + stride;
            var g2 = g1 + stride;
            var g3 = g2 + stride;
            for (var i = 0; i < dim; i += 32)
            {
                var x = Avx.LoadVector256(q0 + i);
                var y = Avx.LoadVector256(q1 + i);
                var r0 = Avx.LoadVector256(g + i);
                var r1 = Avx.LoadVector256(g1 + i);
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, r0, x);
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, r0, y);
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, r1, x);
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, r1, y);
                var r2 = Avx.LoadVector256(g2 + i);
                var r3 = Avx.LoadVector256(g3 + i);
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, r2, x);
                b2 = AvxVnni.MultiplyWideningAndAdd(b2, r2, y);
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, r3, x);
                b3 = AvxVnni.MultiplyWideningAndAdd(b3, r3, y);
            }

            Reduce4(a0, a1, a2, a3, result);
            Reduce4(b0, b1, b2, b3, result + 4);
            return;
        }

        DotRaw4(g, stride, q0, dim, isa, result);
        DotRaw4(g, stride, q1, dim, isa, result + 4);
    }

    /// <summary>
    /// Four rows against four queries: 16 accumulators (the JIT uses the 32 EVEX registers where AVX-512 exists) and
    /// 8 loads per 16 multiply-adds. <paramref name="result"/> gets [q0 r0..r3, q1 r0..r3, q2 .., q3 ..].
    /// </summary>
    public static void DotRaw4x4(byte* g, int stride, sbyte* q, int queryStride, int dim, Int8Isa isa, int* result)
    {
        if (isa == Int8Isa.AvxVnni && (dim & 31) == 0)
        {
            Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector256<int> b0 = default, b1 = default, b2 = default, b3 = default;
            Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default;
            Vector256<int> d0 = default, d1 = default, d2 = default, d3 = default;
            var g1 = g + stride;
            var g2 = g1 + stride;
            var g3 = g2 + stride;
            var q1 = q + queryStride;
            var q2 = q1 + queryStride;
            var q3 = q2 + queryStride;
            for (var i = 0; i < dim; i += 32)
            {
                var r0 = Avx.LoadVector256(g + i);
                var r1 = Avx.LoadVector256(g1 + i);
                var r2 = Avx.LoadVector256(g2 + i);
                var r3 = Avx.LoadVector256(g3 + i);
                var x = Avx.LoadVector256(q + i);
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, r0, x);
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, r1, x);
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, r2, x);
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, r3, x);
                x = Avx.LoadVector256(q1 + i);
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, r0, x);
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, r1, x);
                b2 = AvxVnni.MultiplyWideningAndAdd(b2, r2, x);
                b3 = AvxVnni.MultiplyWideningAndAdd(b3, r3, x);
                x = Avx.LoadVector256(q2 + i);
                c0 = AvxVnni.MultiplyWideningAndAdd(c0, r0, x);
                c1 = AvxVnni.MultiplyWideningAndAdd(c1, r1, x);
                c2 = AvxVnni.MultiplyWideningAndAdd(c2, r2, x);
                c3 = AvxVnni.MultiplyWideningAndAdd(c3, r3, x);
                x = Avx.LoadVector256(q3 + i);
                d0 = AvxVnni.MultiplyWideningAndAdd(d0, r0, x);
                d1 = AvxVnni.MultiplyWideningAndAdd(d1, r1, x);
                d2 = AvxVnni.MultiplyWideningAndAdd(d2, r2, x);
                d3 = AvxVnni.MultiplyWideningAndAdd(d3, r3, x);
            }

            Reduce4(a0, a1, a2, a3, result);
            Reduce4(b0, b1, b2, b3, result + 4);
            Reduce4(c0, c1, c2, c3, result + 8);
            Reduce4(d0, d1, d2, d3, result + 12);
            return;
        }

        DotRaw4x2(g, stride, q, q + queryStride, dim, isa, result);
        DotRaw4x2(g, stride, q + (2 * queryStride), q + (3 * queryStride), dim, isa, result + 8);
    }

    /// <summary>Horizontal sums of four accumulators in four instructions, stored as four ints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Reduce4(Vector256<int> a0, Vector256<int> a1, Vector256<int> a2, Vector256<int> a3, int* result)
    {
        var h = Avx2.HorizontalAdd(Avx2.HorizontalAdd(a0, a1), Avx2.HorizontalAdd(a2, a3));
        Sse2.Store(result, Sse2.Add(h.GetLower(), h.GetUpper()));
    }

    /// <summary>
    /// Sixteen offset-binary gallery bytes times a query widened to int16. Zero-extending the unsigned bytes gives
    /// values 0..255 that fit int16, and <c>vpmaddwd</c> adds each pair of 16-bit products in 32 bits (at most
    /// 2·255·127), so the result is the same raw offset-binary sum the VNNI and scalar paths compute: no correction
    /// and no per-row pass over the query.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> MaddAvx2(byte* g, Vector256<short> q) =>
        Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Sse2.LoadVector128(g)), q);
}
