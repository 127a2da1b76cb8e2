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

    /// <summary>
    /// Normalises the sum of several already-normalised views of one face (<paramref name="viewSum"/>) into a new
    /// template whose raw norm is <paramref name="meanRawNorm"/>, the mean of the views' raw norms: the allocation-free
    /// form of <see cref="Fuse"/> with equal weights, for the engine's hot path.
    /// </summary>
    public static Embedding FromViewSum(ReadOnlySpan<float> viewSum, float meanRawNorm, EmbeddingContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var fused = FromRaw(viewSum, contract);
        return float.IsFinite(meanRawNorm) && meanRawNorm > 0f
            ? new Embedding(fused._values, meanRawNorm, contract)
            : throw new ArgumentException($"Raw norm {meanRawNorm} is not a positive number.", nameof(meanRawNorm));
    }

    /// <summary>
    /// Fuses templates of one face or person into one: the weighted mean of the normalised vectors, renormalised.
    /// The raw norm of the result is the weighted mean of the parts' raw norms, so the quality gate reads it as it
    /// reads one template. All parts must share a contract; the result carries <paramref name="contract"/>, which
    /// may differ (a fused template is a different kind of template when the fusion is part of the contract).
    /// </summary>
    /// <param name="parts">One or more templates of one contract.</param>
    /// <param name="weights">One non-negative weight per part, not all zero; empty for equal weights.</param>
    /// <param name="contract">The contract the fused template carries.</param>
    public static Embedding Fuse(IReadOnlyList<Embedding> parts, IReadOnlyList<float> weights, EmbeddingContract contract)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(contract);
        if (parts.Count == 0)
        {
            throw new ArgumentException("Nothing to fuse.", nameof(parts));
        }

        if (weights.Count != 0 && weights.Count != parts.Count)
        {
            throw new ArgumentException($"{weights.Count} weights for {parts.Count} templates.", nameof(weights));
        }

        var dimension = parts[0].Dimension;
        if (contract.Dimension != dimension)
        {
            throw new ArgumentException($"Contract {contract.Id} has {contract.Dimension} values, the templates {dimension}.", nameof(contract));
        }

        var sum = new float[dimension];
        var weightSum = 0f;
        var normSum = 0f;
        for (var i = 0; i < parts.Count; i++)
        {
            if (!parts[i].Contract.Equals(parts[0].Contract))
            {
                throw new InvalidOperationException($"Cannot fuse templates of contracts {parts[0].Contract.Id} and {parts[i].Contract.Id}.");
            }

            var w = weights.Count == 0 ? 1f : weights[i];
            if (!float.IsFinite(w) || w < 0f)
            {
                throw new ArgumentException($"Weight {w} is not a non-negative number.", nameof(weights));
            }

            TensorPrimitives.MultiplyAdd(parts[i].Values, w, sum, sum);
            weightSum += w;
            normSum += w * parts[i].RawNorm;
        }

        if (!(weightSum > 0f) || !TryNorm(sum, out var norm))
        {
            throw new ArgumentException("The weighted templates cancel out or all weights are zero.", nameof(weights));
        }

        TensorPrimitives.Divide(sum, norm, sum);
        return new Embedding(sum, normSum / weightSum, contract);
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
