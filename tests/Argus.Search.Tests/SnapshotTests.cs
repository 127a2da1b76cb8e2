using Argus.Core.Faces;

namespace Argus.Search.Tests;

[Trait("Category", "Unit")]
public sealed class SnapshotTests : IDisposable
{
    private const int Dim = 64;
    private readonly string _dir = Directory.CreateTempSubdirectory("argus-snapshot-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static VectorIndex Build(bool train)
    {
        var rng = new Random(1);
        var index = new VectorIndex(TestData.Contract);
        for (var i = 0; i < 600; i++)
        {
            index.Add(i, i / 3, 2, TestData.Unit(rng, Dim));
        }

        index.RemoveTemplate(17);
        if (train)
        {
            index.Train(new IvfTraining { Lists = 12, Iterations = 3 });
        }

        return index;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Round_trip_gives_the_same_answers(bool train)
    {
        var index = Build(train);
        var path = Path.Combine(_dir, "a.snapshot");
        IndexSnapshot.Save(index, path, "templates=599;version=42");
        var loaded = IndexSnapshot.TryLoad(path, TestData.Contract, "templates=599;version=42");
        Assert.True(loaded.Succeeded, loaded.Message);
        var copy = loaded.Index!;
        Assert.Equal(index.Count, copy.Count);
        Assert.Equal(index.IsTrained, copy.IsTrained);
        Assert.False(copy.ContainsTemplate(17));
        var rng = new Random(4);
        for (var q = 0; q < 10; q++)
        {
            var query = TestData.Unit(rng, Dim);
            Assert.Equal(index.Search(query, new SearchParameters(10, -1f)), copy.Search(query, new SearchParameters(10, -1f)));
            Assert.Equal(index.Search(query, new SearchParameters(10, -1f, 3)), copy.Search(query, new SearchParameters(10, -1f, 3)));
        }

        // The loaded index keeps working: adds, removals, duplicates refused.
        copy.Add(10_000, 1, 2, TestData.Unit(rng, Dim));
        Assert.True(copy.RemoveTemplate(5));
        Assert.Throws<Argus.Core.ArgusException>(() => copy.Add(6, 1, 2, TestData.Unit(rng, Dim)));
    }

    [Fact]
    public void Stale_fingerprint_missing_file_and_other_contract_are_reported()
    {
        var path = Path.Combine(_dir, "b.snapshot");
        Assert.Equal(SnapshotStatus.Missing, IndexSnapshot.TryLoad(path, TestData.Contract, "x").Status);
        IndexSnapshot.Save(Build(false), path, "templates=599;version=42");
        var stale = IndexSnapshot.TryLoad(path, TestData.Contract, "templates=600;version=43");
        Assert.Equal(SnapshotStatus.Stale, stale.Status);
        Assert.Null(stale.Index);
        Assert.Contains("templates=600;version=43", stale.Message);
        var other = new EmbeddingContract("other", "abcd", 1, Dim);
        Assert.Equal(SnapshotStatus.ContractMismatch, IndexSnapshot.TryLoad(path, other, "templates=599;version=42").Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(30)]
    [InlineData(-500)]
    [InlineData(-20)]
    [InlineData(-3)]
    public void Flipped_byte_is_detected(int offset)
    {
        var path = Path.Combine(_dir, "c.snapshot");
        IndexSnapshot.Save(Build(true), path, "fp");
        var bytes = File.ReadAllBytes(path);
        var at = offset >= 0 ? offset : bytes.Length + offset;
        bytes[at] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
        var result = IndexSnapshot.TryLoad(path, TestData.Contract, "fp");
        Assert.Equal(SnapshotStatus.Corrupt, result.Status);
        Assert.Null(result.Index);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(100)]
    [InlineData(5000)]
    public void Truncated_file_is_detected(int cut)
    {
        var path = Path.Combine(_dir, "d.snapshot");
        IndexSnapshot.Save(Build(false), path, "fp");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^cut]);
        Assert.Equal(SnapshotStatus.Corrupt, IndexSnapshot.TryLoad(path, TestData.Contract, "fp").Status);
    }

    [Fact]
    public void Empty_file_and_foreign_file_are_corrupt()
    {
        var path = Path.Combine(_dir, "e.snapshot");
        File.WriteAllBytes(path, []);
        Assert.Equal(SnapshotStatus.Corrupt, IndexSnapshot.TryLoad(path, TestData.Contract, "fp").Status);
        File.WriteAllText(path, "hello, this is not an index at all");
        Assert.Equal(SnapshotStatus.Corrupt, IndexSnapshot.TryLoad(path, TestData.Contract, "fp").Status);
    }
}
