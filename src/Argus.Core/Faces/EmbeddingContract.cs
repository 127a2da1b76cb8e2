namespace Argus.Core.Faces;

/// <summary>
/// What makes two templates comparable: the exact model file and the exact pre-processing that fed it.
/// Templates of different contracts are never mixed; a gallery is bound to one contract.
/// </summary>
/// <param name="Model">Model name, e.g. <c>fr_feature</c>.</param>
/// <param name="ModelSha256">SHA-256 of the model file (hex).</param>
/// <param name="PreprocessingVersion">Bumped whenever detection, alignment or normalisation change.</param>
/// <param name="Dimension">Number of floats in a template.</param>
public sealed record EmbeddingContract(string Model, string ModelSha256, int PreprocessingVersion, int Dimension)
{
    /// <summary>Stable identifier, e.g. <c>fr_feature:87aacdfe5751:pp1:512</c>.</summary>
    public string Id => $"{Model}:{ModelSha256[..Math.Min(12, ModelSha256.Length)]}:pp{PreprocessingVersion}:{Dimension}";

    public override string ToString() => Id;
}
