using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Argus.Core.Faces;

namespace Argus.Search;

/// <summary>Outcome of <see cref="IndexSnapshot.TryLoad"/>. Anything but <see cref="Loaded"/> means: rebuild from storage.</summary>
public enum SnapshotStatus
{
    Loaded,
    Missing,
    Stale,
    ContractMismatch,
    Corrupt,
}

public sealed record SnapshotLoadResult(SnapshotStatus Status, string Message, VectorIndex? Index)
{
    public bool Succeeded => Status == SnapshotStatus.Loaded;
}

/// <summary>
/// A fast-restart copy of a <see cref="VectorIndex"/>. Storage stays authoritative: the file records a caller-supplied
/// storage fingerprint (for example template count and highest row version) and is only used when it matches storage
/// now; a stale, foreign or damaged file is reported, never trusted.
/// <code>
/// "ARGSNAP1" | u32 version | u32 header length | header | u64 XxHash3(version, header)
/// body: [centroid codes, centroid scales] then per list: i32 count, codes, scales, template ids, subject ids, gallery ids[, floats]
/// u64 XxHash3(body) | "ARGSEND1"
/// header: contract id, fingerprint (length-prefixed UTF-8), i32 dimension, u8 keep floats, u8 trained, i32 lists, i64 live rows
/// </code>
/// Only live rows are written. Arrays are read straight into the index's arrays (no per-row work but the id map), so a
/// restart costs about one sequential read of the file.
/// </summary>
public static class IndexSnapshot
{
    private const int Version = 1;
    private static readonly byte[] Magic = "ARGSNAP1"u8.ToArray();
    private static readonly byte[] EndMagic = "ARGSEND1"u8.ToArray();

    /// <summary>Writes the snapshot atomically (temporary file, flush to disk, rename). Blocks index writers meanwhile.</summary>
    public static void Save(VectorIndex index, string path, string storageFingerprint)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(storageFingerprint);
        var temp = path + ".tmp";
        index.UnderWriteLock(state =>
        {
            // The snapshot holds the gallery's vectors: readable by Argus's user only (0600), like the database.
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 20 };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(temp, options))
            {
                var dim = index.Dimension;
                var keepFloats = index.Options.KeepFloats;
                var header = new MemoryStream();
                using (var w = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true))
                {
                    w.Write(index.Contract.Id);
                    w.Write(storageFingerprint);
                    w.Write(dim);
                    w.Write((byte)(keepFloats ? 1 : 0));
                    w.Write((byte)(state.IsFlat ? 0 : 1));
                    w.Write(state.Lists.Length);
                    w.Write((long)index.Count);
                }

                var headerBytes = header.ToArray();
                Span<byte> word = stackalloc byte[8];
                file.Write(Magic);
                BinaryPrimitives.WriteUInt32LittleEndian(word, Version);
                file.Write(word[..4]);
                BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)headerBytes.Length);
                file.Write(word[..4]);
                file.Write(headerBytes);
                BinaryPrimitives.WriteUInt64LittleEndian(word, HeaderHash(Version, headerBytes));
                file.Write(word);

                var body = new XxHash3();
                if (!state.IsFlat)
                {
                    Put(file, body, state.CentroidCodes.AsSpan());
                    Put(file, body, state.CentroidScales.AsSpan());
                }

                foreach (var list in state.Lists)
                {
                    var data = list.Data;
                    if (data.DeadCount > 0)
                    {
                        data = data.CopyTo(dim, Math.Max(data.Count - data.DeadCount, 4), dropDeleted: true);
                    }

                    var n = data.Count;
                    BinaryPrimitives.WriteInt32LittleEndian(word, n);
                    Put(file, body, word[..4]);
                    Put(file, body, data.Codes.AsSpan(0, n * dim));
                    Put(file, body, data.Scales.AsSpan(0, n));
                    Put(file, body, data.TemplateIds.AsSpan(0, n));
                    Put(file, body, data.SubjectIds.AsSpan(0, n));
                    Put(file, body, data.GalleryIds.AsSpan(0, n));
                    if (keepFloats)
                    {
                        Put(file, body, data.Floats.AsSpan(0, n * dim));
                    }
                }

                BinaryPrimitives.WriteUInt64LittleEndian(word, body.GetCurrentHashAsUInt64());
                file.Write(word);
                file.Write(EndMagic);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        });
    }

    /// <summary>
    /// Loads a snapshot if it exists, belongs to <paramref name="contract"/> and was written for
    /// <paramref name="expectedFingerprint"/>, and every byte checks out; otherwise says why (the caller rebuilds).
    /// </summary>
    public static SnapshotLoadResult TryLoad(string path, EmbeddingContract contract, string expectedFingerprint, VectorIndexOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(contract);
        if (!File.Exists(path))
        {
            return new SnapshotLoadResult(SnapshotStatus.Missing, $"No snapshot at {path}.", null);
        }

        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            Span<byte> word = stackalloc byte[8];
            file.ReadExactly(word);
            if (!word.SequenceEqual(Magic))
            {
                return Corrupt("not an Argus index snapshot (bad magic)");
            }

            file.ReadExactly(word[..4]);
            var version = BinaryPrimitives.ReadUInt32LittleEndian(word);
            file.ReadExactly(word[..4]);
            var headerLength = BinaryPrimitives.ReadUInt32LittleEndian(word);
            if (headerLength > 1 << 20)
            {
                return Corrupt("header length out of range");
            }

            var headerBytes = new byte[headerLength];
            file.ReadExactly(headerBytes);
            file.ReadExactly(word);
            if (BinaryPrimitives.ReadUInt64LittleEndian(word) != HeaderHash(version, headerBytes))
            {
                return Corrupt("header checksum mismatch");
            }

            if (version != Version)
            {
                return new SnapshotLoadResult(SnapshotStatus.Stale, $"Snapshot format version {version}; this build reads {Version}.", null);
            }

            using var r = new BinaryReader(new MemoryStream(headerBytes), Encoding.UTF8);
            var contractId = r.ReadString();
            var fingerprint = r.ReadString();
            var dim = r.ReadInt32();
            var keepFloats = r.ReadByte() != 0;
            var trained = r.ReadByte() != 0;
            var listCount = r.ReadInt32();
            var live = r.ReadInt64();
            if (contractId != contract.Id || dim != contract.Dimension)
            {
                return new SnapshotLoadResult(SnapshotStatus.ContractMismatch, $"Snapshot holds contract {contractId}, expected {contract.Id}.", null);
            }

            if (fingerprint != expectedFingerprint)
            {
                return new SnapshotLoadResult(SnapshotStatus.Stale, $"Snapshot was written for storage state '{fingerprint}', storage is now '{expectedFingerprint}'.", null);
            }

            if (listCount is < 1 or > 1 << 24 || live is < 0 or > int.MaxValue)
            {
                return Corrupt("list count or row count out of range");
            }

            var remaining = file.Length - file.Position;
            var body = new XxHash3();
            byte[]? centroidCodes = null;
            float[]? centroidScales = null;
            if (trained)
            {
                if ((long)listCount * (dim + 4) > remaining)
                {
                    return Corrupt("truncated (centroids)");
                }

                centroidCodes = new byte[listCount * dim];
                centroidScales = new float[listCount];
                Get(file, body, centroidCodes.AsSpan());
                Get(file, body, centroidScales.AsSpan());
            }

            var opts = (options ?? new VectorIndexOptions()) with { KeepFloats = keepFloats };
            var lists = new InvertedList[listCount];
            long rows = 0;
            var rowBytes = dim + 4L + 24 + (keepFloats ? 4L * dim : 0);
            for (var l = 0; l < listCount; l++)
            {
                Get(file, body, word[..4]);
                var n = BinaryPrimitives.ReadInt32LittleEndian(word);
                if (n < 0 || n * rowBytes > file.Length - file.Position)
                {
                    return Corrupt($"truncated or bad row count in list {l}");
                }

                // Flat chunks keep their fixed size so appends continue where they stopped; trained lists get slack.
                var capacity = trained ? n + (n / 8) + 4 : Math.Max(n, Math.Min(VectorIndex.FlatChunkRows, 1024));
                var data = new ListData(dim, capacity, keepFloats);
                Get(file, body, data.Codes.AsSpan(0, n * dim));
                Get(file, body, data.Scales.AsSpan(0, n));
                Get(file, body, data.TemplateIds.AsSpan(0, n));
                Get(file, body, data.SubjectIds.AsSpan(0, n));
                Get(file, body, data.GalleryIds.AsSpan(0, n));
                if (keepFloats)
                {
                    Get(file, body, data.Floats.AsSpan(0, n * dim));
                }

                data.Count = n;
                rows += n;
                lists[l] = new InvertedList(data);
            }

            file.ReadExactly(word);
            var expected = BinaryPrimitives.ReadUInt64LittleEndian(word);
            Span<byte> end = stackalloc byte[8];
            file.ReadExactly(end);
            if (expected != body.GetCurrentHashAsUInt64() || !end.SequenceEqual(EndMagic) || file.Position != file.Length)
            {
                return Corrupt("body checksum mismatch");
            }

            VectorIndex index;
            try
            {
                index = new VectorIndex(contract, opts, new IndexState(lists, centroidCodes, centroidScales));
            }
            catch (InvalidOperationException e)
            {
                return Corrupt(e.Message);
            }

            if (index.Count != live)
            {
                return Corrupt($"header says {live} templates, body holds {index.Count}");
            }

            return new SnapshotLoadResult(SnapshotStatus.Loaded, $"Loaded {live} templates ({rows} rows) in {listCount} lists.", index);
        }
        catch (EndOfStreamException)
        {
            return Corrupt("truncated");
        }
        catch (IOException e)
        {
            return Corrupt(e.Message);
        }

        SnapshotLoadResult Corrupt(string why) => new(SnapshotStatus.Corrupt, $"Snapshot {path} is damaged ({why}); rebuild from storage.", null);
    }

    /// <summary>The header checksum covers the format version too, so a damaged version reads as corrupt, not stale.</summary>
    private static ulong HeaderHash(uint version, byte[] header)
    {
        var hash = new XxHash3();
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(v, version);
        hash.Append(v);
        hash.Append(header);
        return hash.GetCurrentHashAsUInt64();
    }

    private static void Put<T>(Stream file, XxHash3 hash, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        hash.Append(bytes);
        file.Write(bytes);
    }

    private static void Get<T>(Stream file, XxHash3 hash, Span<T> values)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        file.ReadExactly(bytes);
        hash.Append(bytes);
    }
}
