using System.Numerics.Tensors;

namespace Argus.Bench;

/// <summary>
/// Face-like synthetic templates. Each identity is a random unit centre; a sample is
/// <c>normalise(sqrt(q)·centre + sqrt(1-q)·noise)</c> with a per-sample quality <c>q ~ U[0.5, 0.9]</c>, so two samples of
/// one identity score <c>sqrt(q1·q2)</c> ≈ 0.7 (range 0.5 to 0.9) and two identities score 0 with the spread of random
/// 512-d unit vectors, 1/sqrt(512) ≈ 0.044 (not 0.1: real embeddings are anisotropic and spread wider; the benchmark
/// reports the measured statistics). Every vector depends only on (seed, identity, sample), so the gallery and the
/// queries can be regenerated in any order and in parallel.
/// </summary>
public sealed class SyntheticFaces
{
    private readonly int _dim;
    private readonly ulong _seed;

    public SyntheticFaces(int dimension, int seed)
    {
        _dim = dimension;
        _seed = (ulong)seed * 0x9E3779B97F4A7C15UL;
    }

    public int Dimension => _dim;

    /// <summary>Writes sample <paramref name="sample"/> of identity <paramref name="identity"/> (unit length).</summary>
    public void Sample(long identity, int sample, Span<float> destination)
    {
        Span<float> noise = stackalloc float[_dim];
        Centre(identity, destination);
        var rng = new SplitMix(_seed ^ ((ulong)identity * 0xD1B54A32D192ED03UL) ^ ((ulong)(sample + 1) * 0x8CB92BA72F3D8DD7UL));
        var q = 0.5f + (0.4f * rng.NextFloat());
        FillUnit(ref rng, noise);
        TensorPrimitives.Multiply(destination, MathF.Sqrt(q), destination);
        TensorPrimitives.MultiplyAdd(noise, MathF.Sqrt(1 - q), destination, destination);
        TensorPrimitives.Divide(destination, TensorPrimitives.Norm(destination), destination);
    }

    private void Centre(long identity, Span<float> destination)
    {
        var rng = new SplitMix(_seed ^ ((ulong)identity * 0xA24BAED4963EE407UL) ^ 0x5851F42D4C957F2DUL);
        FillUnit(ref rng, destination);
    }

    private static void FillUnit(ref SplitMix rng, Span<float> v)
    {
        for (var i = 0; i < v.Length; i += 2)
        {
            // Box-Muller: two normals per pair of uniforms.
            var u1 = Math.Max(rng.NextFloat(), 1e-12f);
            var u2 = rng.NextFloat();
            var r = MathF.Sqrt(-2f * MathF.Log(u1));
            v[i] = r * MathF.Cos(2f * MathF.PI * u2);
            if (i + 1 < v.Length)
            {
                v[i + 1] = r * MathF.Sin(2f * MathF.PI * u2);
            }
        }

        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
    }

    private struct SplitMix(ulong state)
    {
        private ulong _state = state;

        public float NextFloat()
        {
            _state += 0x9E3779B97F4A7C15UL;
            var z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (z >> 40) * (1f / (1 << 24));
        }
    }
}
