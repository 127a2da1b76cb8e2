using System.Security.Cryptography;
using System.Text;
using Argus.Core.Faces;

namespace Argus.Storage.Tests;

internal static class TestData
{
    public static readonly EmbeddingContract Contract = new("fr_feature", new string('a', 64), 1, 8);

    public static readonly EmbeddingContract OtherModel = new("fr_other", new string('b', 64), 1, 8);

    public static readonly EmbeddingContract Wide = new("fr_feature", new string('a', 64), 1, 16);

    /// <summary>A deterministic pseudo-random unit vector for <paramref name="seed"/>.</summary>
    public static float[] Vector(int seed, int dimension = 8)
    {
        var random = new Random(seed);
        var v = new float[dimension];
        double sum = 0;
        for (var i = 0; i < dimension; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1);
            sum += v[i] * v[i];
        }

        var norm = (float)Math.Sqrt(sum);
        for (var i = 0; i < dimension; i++)
        {
            v[i] /= norm;
        }

        return v;
    }

    public static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static NewTemplate Template(long subjectId, int seed, EmbeddingContract? contract = null, string? source = null)
    {
        contract ??= Contract;
        return new NewTemplate(subjectId, Vector(seed, contract.Dimension), contract, Sha(source ?? $"image-{seed}"), "clerk-1");
    }

    public static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4];

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-6f, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
