namespace Argus.Search.Tests;

[Trait("Category", "Unit")]
public sealed unsafe class Int8KernelTests
{
    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(512)]
    [InlineData(37)]
    public void Simd_paths_equal_scalar(int dim)
    {
        var rng = new Random(dim);
        var g = new byte[dim * 4];
        var q0 = new sbyte[dim];
        var q1 = new sbyte[dim];
        rng.NextBytes(g);
        for (var i = 0; i < dim; i++)
        {
            q0[i] = (sbyte)rng.Next(-127, 128);
            q1[i] = (sbyte)rng.Next(-127, 128);
        }

        // Extremes: all-max rows and queries, where any saturation would show.
        for (var i = 0; i < dim; i++)
        {
            g[i] = 255;
            q1[i] = -127;
        }

        var isas = new List<Int8Isa> { Int8Isa.Scalar };
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            isas.Add(Int8Isa.Avx2);
        }

        if (System.Runtime.Intrinsics.X86.AvxVnni.IsSupported)
        {
            isas.Add(Int8Isa.AvxVnni);
        }

        fixed (byte* gp = g)
        fixed (sbyte* a = q0)
        fixed (sbyte* b = q1)
        {
            var expected = new int[8];
            for (var r = 0; r < 4; r++)
            {
                for (var i = 0; i < dim; i++)
                {
                    expected[r] += g[(r * dim) + i] * q0[i];
                    expected[r + 4] += g[(r * dim) + i] * q1[i];
                }
            }

            var result = stackalloc int[8];
            var r16 = stackalloc int[16];
            foreach (var isa in isas)
            {
                for (var r = 0; r < 4; r++)
                {
                    Assert.Equal(expected[r], Int8Kernels.DotRaw(gp + (r * dim), a, dim, isa));
                }

                Int8Kernels.DotRaw4(gp, dim, a, dim, isa, result);
                for (var r = 0; r < 4; r++)
                {
                    Assert.Equal(expected[r], result[r]);
                }

                Int8Kernels.DotRaw4x2(gp, dim, a, b, dim, isa, result);
                for (var r = 0; r < 8; r++)
                {
                    Assert.Equal(expected[r], result[r]);
                }

                // 4x4 over the query pairs (a, b, a, b), queries laid out contiguously.
                var quad = new sbyte[dim * 4];
                q0.CopyTo(quad, 0);
                q1.CopyTo(quad, dim);
                q0.CopyTo(quad, 2 * dim);
                q1.CopyTo(quad, 3 * dim);
                fixed (sbyte* qq = quad)
                {
                    Int8Kernels.DotRaw4x4(gp, dim, qq, dim, dim, isa, r16);
                }

                for (var r = 0; r < 16; r++)
                {
                    Assert.Equal(expected[(((r >> 2) & 1) * 4) + (r & 3)], r16[r]);
                }
            }
        }
    }

    [Fact]
    public void Quantised_dot_products_stay_within_error_bound()
    {
        const int Dim = 512;
        var rng = new Random(3);
        var codes = new byte[Dim];
        var query = new sbyte[Dim];
        var worst = 0f;
        double sumSq = 0;
        const int Pairs = 2000;
        fixed (byte* g = codes)
        fixed (sbyte* q = query)
        {
            for (var p = 0; p < Pairs; p++)
            {
                var a = TestData.Unit(rng, Dim);
                var b = p % 2 == 0 ? TestData.Near(rng, a, 0.7f) : TestData.Unit(rng, Dim);
                var gs = Int8Quantizer.QuantizeGallery(a, codes);
                var qs = Int8Quantizer.QuantizeQuery(b, query, out var sum);
                var score = (Int8Kernels.DotRaw(g, q, Dim, Int8Kernels.Best) - (128 * sum)) * gs * qs;
                var error = MathF.Abs(score - TestData.Dot(a, b));
                worst = MathF.Max(worst, error);
                sumSq += error * error;
            }
        }

        // Rounding error of ±half a step per element: std ~5e-4 for unit 512-d vectors (see Int8Quantizer).
        Assert.True(Math.Sqrt(sumSq / Pairs) < 0.002, $"rms error {Math.Sqrt(sumSq / Pairs)}");
        Assert.True(worst < 0.01f, $"worst error {worst}");
    }
}
