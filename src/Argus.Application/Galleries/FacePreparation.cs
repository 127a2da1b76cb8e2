using System.Security.Cryptography;
using Argus.Core;
using Argus.Core.Faces;
using Argus.Vision.Imaging;
using Argus.Vision.Pipeline;

namespace Argus.Application.Galleries;

/// <summary>The one usable face of a photo, its embedding and the photo's SHA-256.</summary>
public static class FacePreparation
{
    /// <summary>
    /// Refused when there is no face, several faces without <paramref name="face"/> (when <paramref name="requireSingle"/>),
    /// or a face under the quality gate.
    /// </summary>
    public static (Embedding Embedding, string Sha256, byte[]? Crop) Prepare(FaceEngine engine, ImageInput input, int? face, bool keepCrop, bool requireSingle)
    {
        var bytes = input.Read();
        using var image = ImageDecoder.Decode(bytes);
        var result = engine.AnalyzePrimary(image, face);
        ArgusMetrics.FacesAnalysed.Add(1);
        if (result.Face is null)
        {
            throw new ArgusException("face.none", "no face found");
        }

        if (requireSingle && face is null && result.FaceCount > 1)
        {
            throw new ArgusException("face.several", $"{result.FaceCount} faces; choose one with --face N (numbers from `argus detect`)");
        }

        var f = result.Face;
        if (f.Status == FaceStatus.TooSmall || f.Embedding is null)
        {
            throw new ArgusException("face.too_small", $"the face is {f.Quality.FaceSize:0} px, below the {engine.Options.MinFaceSize} px quality gate");
        }

        if (f.Status == FaceStatus.PoorQuality)
        {
            throw new ArgusException("face.poor_quality", $"the face is below the quality gate (embedding norm {f.Quality.EmbeddingNorm:0.00}, minimum {engine.Options.MinEmbeddingNorm:0.00}): blurred, occluded or not a face");
        }

        return (f.Embedding, Convert.ToHexStringLower(SHA256.HashData(bytes)), keepCrop ? engine.AlignedCropPng(image, f) : null);
    }
}
