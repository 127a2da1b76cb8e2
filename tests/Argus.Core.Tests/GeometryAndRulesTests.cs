using Argus.Core.Configuration;
using Argus.Core.Faces;

namespace Argus.Core.Tests;

[Trait("Category", "Unit")]
public sealed class BoundingBoxTests
{
    [Fact]
    public void Iou_of_half_overlapping_boxes_is_one_third()
    {
        // Two 10x10 boxes overlapping in a 5x10 strip: intersection 50, union 150.
        var a = new BoundingBox(0, 0, 10, 10);
        var b = new BoundingBox(5, 0, 10, 10);
        Assert.Equal(1f / 3f, a.IntersectionOverUnion(b), 5);
    }

    [Fact]
    public void Iou_of_disjoint_or_empty_boxes_is_zero()
    {
        Assert.Equal(0f, new BoundingBox(0, 0, 10, 10).IntersectionOverUnion(new BoundingBox(20, 20, 5, 5)));
        Assert.Equal(0f, new BoundingBox(0, 0, 0, 0).IntersectionOverUnion(new BoundingBox(0, 0, 0, 0)));
    }

    [Fact]
    public void Square_uses_the_height_about_the_same_centre_and_is_clamped()
    {
        var tall = new BoundingBox(40, 20, 20, 40); // centre (50, 40)
        Assert.Equal(new BoundingBox(30, 20, 40, 40), tall.ToSquareClamped(200, 200));

        // Near the left edge the square is cut at x = 0.
        var edge = new BoundingBox(0, 0, 10, 40); // centre (5, 20), square would start at x = -15
        Assert.Equal(new BoundingBox(0, 0, 25, 40), edge.ToSquareClamped(200, 200));
    }
}

[Trait("Category", "Unit")]
public sealed class PrimaryFaceTests
{
    [Fact]
    public void The_larger_face_wins_when_both_are_central()
    {
        var boxes = new[] { Box(90, 90, 20), Box(80, 80, 40) };
        Assert.Equal(1, PrimaryFace.Select(boxes, 200, 200));
    }

    [Fact]
    public void A_central_face_beats_a_slightly_larger_one_in_the_corner()
    {
        // Centre face: 40 px at d = 0 -> 40. Corner face: 50 px at d ~ 0.9 -> 50 x 0.55 = 27.5.
        var boxes = new[] { Box(0, 0, 50), Box(80, 80, 40) };
        Assert.Equal(1, PrimaryFace.Select(boxes, 200, 200));
    }

    [Fact]
    public void No_faces_gives_minus_one()
    {
        Assert.Equal(-1, PrimaryFace.Select(Array.Empty<Boxed>(), 100, 100));
    }

    private static Boxed Box(float x, float y, float side) => new(new BoundingBox(x, y, side, side));

    private sealed record Boxed(BoundingBox Box) : IHasBox;
}

[Trait("Category", "Unit")]
public sealed class EmbeddingTests
{
    private static readonly EmbeddingContract Contract = new("m", "abcdef0123456789", 1, 3);

    [Fact]
    public void Fuse_is_the_renormalised_weighted_mean_with_the_weighted_mean_norm()
    {
        var a = Embedding.FromRaw([2f, 0f, 0f], Contract);
        var b = Embedding.FromRaw([0f, 4f, 0f], Contract);
        var fused = Contract with { PreprocessingVersion = 1001 };

        var mean = Embedding.Fuse([a, b], [], fused);
        Assert.Equal(fused, mean.Contract);
        Close([MathF.Sqrt(0.5f), MathF.Sqrt(0.5f), 0f], mean);
        Assert.Equal(3f, mean.RawNorm, 5);

        var weighted = Embedding.Fuse([a, b], [1f, 3f], Contract);
        Close([1f / MathF.Sqrt(10f), 3f / MathF.Sqrt(10f), 0f], weighted);
        Assert.Equal(3.5f, weighted.RawNorm, 5);

        var viewSum = Embedding.FromViewSum([1f, 1f, 0f], 3f, fused);
        Close(mean.Values.ToArray(), viewSum);
        Assert.Equal(3f, viewSum.RawNorm);
    }

    private static void Close(float[] expected, Embedding actual)
    {
        Assert.Equal(expected.Length, actual.Dimension);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual.Values[i], 5);
        }
    }

    [Fact]
    public void Fuse_refuses_mixed_contracts_opposite_templates_and_bad_weights()
    {
        var a = Embedding.FromRaw([1f, 0f, 0f], Contract);
        var other = Embedding.FromRaw([1f, 0f, 0f], Contract with { Model = "other" });
        Assert.Throws<InvalidOperationException>(() => Embedding.Fuse([a, other], [], Contract));
        Assert.Throws<ArgumentException>(() => Embedding.Fuse([a, Embedding.FromRaw([-1f, 0f, 0f], Contract)], [], Contract));
        Assert.Throws<ArgumentException>(() => Embedding.Fuse([a], [-1f], Contract));
        Assert.Throws<ArgumentException>(() => Embedding.Fuse([a], [0f], Contract));
        Assert.Throws<ArgumentException>(() => Embedding.Fuse([a], [1f, 1f], Contract));
        Assert.Throws<ArgumentException>(() => Embedding.Fuse([], [], Contract));
        Assert.Throws<ArgumentException>(() => Embedding.Fuse([a], [], Contract with { Dimension = 4 }));
    }

    [Fact]
    public void Normalises_and_keeps_the_raw_norm()
    {
        var e = Embedding.FromRaw([3f, 0f, 4f], Contract);
        Assert.Equal(5f, e.RawNorm, 5);
        Assert.Equal(new[] { 0.6f, 0f, 0.8f }, e.Values.ToArray());
        Assert.Equal(1f, e.Similarity(e), 5);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(0f)]
    public void Refuses_nan_infinite_and_zero_vectors(float value)
    {
        Assert.Throws<ArgumentException>(() => Embedding.FromRaw([value, 0f, 0f], Contract));
    }

    [Fact]
    public void Refuses_the_wrong_dimension_and_mixing_contracts()
    {
        Assert.Throws<ArgumentException>(() => Embedding.FromRaw([1f, 2f], Contract));
        var other = Embedding.FromRaw([1f, 0f, 0f], Contract with { PreprocessingVersion = 2 });
        var mine = Embedding.FromRaw([1f, 0f, 0f], Contract);
        Assert.Throws<InvalidOperationException>(() => mine.Similarity(other));
    }

    [Fact]
    public void Contract_id_names_model_hash_prefix_version_and_dimension()
    {
        Assert.Equal("m:abcdef012345:pp1:3", Contract.Id);
    }
}

[Trait("Category", "Unit")]
public sealed class ArgusPathsTests
{
    [Fact]
    public void Option_beats_environment_beats_default()
    {
        var env = new Dictionary<string, string?> { ["ARGUS_HOME"] = "/srv/argus", ["HOME"] = "/home/u" };
        Assert.Equal("/opt/data", ArgusPaths.Resolve("/opt/data", k => env.GetValueOrDefault(k)).DataDirectory);
        Assert.Equal("/srv/argus", ArgusPaths.Resolve(null, k => env.GetValueOrDefault(k)).DataDirectory);
        env.Remove("ARGUS_HOME");
        Assert.Equal("/home/u/.local/share/argus", ArgusPaths.Resolve(null, k => env.GetValueOrDefault(k)).DataDirectory);
        env["XDG_DATA_HOME"] = "/xdg";
        Assert.Equal("/xdg/argus", ArgusPaths.Resolve(null, k => env.GetValueOrDefault(k)).DataDirectory);
    }

    [Fact]
    public void Models_default_to_the_data_directory_unless_argus_models_is_set()
    {
        var env = new Dictionary<string, string?> { ["ARGUS_HOME"] = "/srv/argus" };
        Assert.Equal("/srv/argus/models", ArgusPaths.Resolve(null, k => env.GetValueOrDefault(k)).ModelsDirectory);
        env["ARGUS_MODELS"] = "/models";
        Assert.Equal("/models", ArgusPaths.Resolve(null, k => env.GetValueOrDefault(k)).ModelsDirectory);
    }
}
