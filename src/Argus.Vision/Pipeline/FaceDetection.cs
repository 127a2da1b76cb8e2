using Argus.Core.Faces;

namespace Argus.Vision.Pipeline;

/// <summary>A detector hit: the square face box in image pixels and the face probability.</summary>
public readonly record struct FaceDetection(BoundingBox Box, float Score) : IHasBox;

/// <summary>The face an operation used, its 1-based number among the image's faces, and how many there were.</summary>
public sealed record PrimaryFaceResult(Face? Face, int FaceNumber, int FaceCount);
