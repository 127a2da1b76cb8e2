using Argus.Core.Faces;

namespace Argus.Search.Tests;

internal static class TestData
{
    public static readonly EmbeddingContract Contract = new("test", "0123456789abcdef", 1, 64);

    public static float[] Unit(Random rng, int dim)
    {
        var v = new float[dim];
        double norm = 0;
        for (var i = 0; i < dim; i++)
        {
            v[i] = (float)((rng.NextDouble() * 2) - 1);
            norm += v[i] * v[i];
        }

        var inv = (float)(1 / Math.Sqrt(norm));
        for (var i = 0; i < dim; i++)
        {
            v[i] *= inv;
        }

        return v;
    }

    /// <summary>A vector at cosine ~<paramref name="similarity"/> to <paramref name="centre"/>.</summary>
    public static float[] Near(Random rng, float[] centre, float similarity)
    {
        var noise = Unit(rng, centre.Length);
        var v = new float[centre.Length];
        var a = MathF.Sqrt(similarity);
        var b = MathF.Sqrt(1 - similarity);
        double norm = 0;
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (a * centre[i]) + (b * noise[i]);
            norm += v[i] * v[i];
        }

        var inv = (float)(1 / Math.Sqrt(norm));
        for (var i = 0; i < v.Length; i++)
        {
            v[i] *= inv;
        }

        return v;
    }

    public static float Dot(float[] a, float[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return (float)s;
    }
}
