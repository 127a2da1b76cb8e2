using System.Numerics.Tensors;

namespace Argus.Core.Faces;

/// <summary>
/// An L2-normalised face template. Similarity between two templates of the same
/// <see cref="EmbeddingContract"/> is their dot product (cosine), in [-1, 1].
/// </summary>
public sealed class Embedding
{
    private readonly float[] _values;

    private Embedding(float[] values, float rawNorm, EmbeddingContract contract)
    {
        _values = values;
        RawNorm = rawNorm;
        Contract = contract;
    }

    public ReadOnlySpan<float> Values => _values;

    public int Dimension => _values.Length;

    /// <summary>Norm of the model output before normalising: a quality signal (about 3-5 on good faces, ~1.5 on blur).</summary>
    public float RawNorm { get; }

    public EmbeddingContract Contract { get; }

    /// <summary>Normalises <paramref name="raw"/> into a new template; refuses NaN, infinite and zero vectors.</summary>
    public static Embedding FromRaw(ReadOnlySpan<float> raw, EmbeddingContract contract)
    {
        if (raw.Length != contract.Dimension)
        {
            throw new ArgumentException($"Expected {contract.Dimension} values for {contract.Id}, got {raw.Length}.", nameof(raw));
        }

        if (!TryNorm(raw, out var norm))
        {
            throw new ArgumentException("Embedding contains NaN/infinite values or is zero.", nameof(raw));
        }

        var values = new float[raw.Length];
        TensorPrimitives.Divide(raw, norm, values);
        return new Embedding(values, norm, contract);
    }

    /// <summary>Cosine similarity; both templates must come from the same contract.</summary>
    public float Similarity(Embedding other)
    {
        if (!Contract.Equals(other.Contract))
        {
            throw new InvalidOperationException($"Cannot compare templates of contracts {Contract.Id} and {other.Contract.Id}.");
        }

        return TensorPrimitives.Dot(Values, other.Values);
    }

    internal static bool TryNorm(ReadOnlySpan<float> raw, out float norm)
    {
        norm = TensorPrimitives.Norm(raw);
        return float.IsFinite(norm) && norm > 1e-6f;
    }
}
