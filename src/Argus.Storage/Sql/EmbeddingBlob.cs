using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Argus.Core;

namespace Argus.Storage.Sql;

/// <summary>Templates are stored as little-endian IEEE-754 float32, <c>4 * dimension</c> bytes, whatever the host.</summary>
internal static class EmbeddingBlob
{
    public static byte[] Encode(ReadOnlySpan<float> vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(vector).CopyTo(bytes);
        }
        else
        {
            for (var i = 0; i < vector.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
            }
        }

        return bytes;
    }

    public static void Decode(ReadOnlySpan<byte> bytes, Span<float> vector)
    {
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(vector));
        }
        else
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
            }
        }
    }

    /// <summary>Returns the unit vector of <paramref name="raw"/> and its norm; refuses NaN, infinite and (near-)zero vectors.</summary>
    public static float[] Normalise(ReadOnlySpan<float> raw, out float norm, string what)
    {
        norm = TensorPrimitives.Norm(raw);
        if (!float.IsFinite(norm) || norm <= 1e-6f)
        {
            throw new ArgusException(
                "template.invalid_vector",
                $"{what}: the vector contains NaN or infinite values or is zero (norm {norm}); it cannot be a face template.");
        }

        var unit = new float[raw.Length];
        TensorPrimitives.Divide(raw, norm, unit);
        return unit;
    }
}
