using System.Buffers.Binary;
using Argus.Core;
using Argus.Vision.Imaging;

namespace Argus.Vision.Tests;

/// <summary>Decode cost is bounded by pixels and by how many large decodes run at once (issue 11: twelve 7000x7000 PNGs took 1.8 GB).</summary>
public sealed class LargeDecodeTests
{
    /// <summary>A PNG whose header declares <paramref name="width"/>x<paramref name="height"/> (the pixels themselves are missing).</summary>
    private static byte[] PngDeclaring(int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, ihdr.Length);
        png.Write(word);
        var chunk = "IHDR"u8.ToArray().Concat(ihdr).ToArray();
        png.Write(chunk);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(chunk));
        png.Write(word);
        png.Write([0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82]);
        return png.ToArray();
    }

    /// <summary>PNG's CRC-32 (polynomial 0xEDB88320), bit by bit: a few bytes per test.</summary>
    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    [Fact]
    public void A_large_decode_waits_for_a_slot_and_is_refused_as_busy_when_every_slot_is_taken()
    {
        // A concurrency of its own, so that no other test shares these slots.
        var limits = DecodeLimits.Default with { MaxConcurrentLargeDecodes = 7, LargeDecodeWait = TimeSpan.Zero };
        var gate = ImageDecoder.LargeDecodeGate(7);
        for (var i = 0; i < 7; i++)
        {
            Assert.True(gate.Wait(0));
        }

        try
        {
            var busy = Assert.Throws<ArgusException>(() => ImageDecoder.Decode(PngDeclaring(7000, 7000), limits));
            Assert.Equal("image.decoder_busy", busy.Code);

            // Small images never queue behind large ones: this one reaches the decoder (and is refused there as corrupt).
            var small = Assert.Throws<ArgusException>(() => ImageDecoder.Decode(PngDeclaring(640, 480), limits));
            Assert.Equal("image.corrupt", small.Code);
        }
        finally
        {
            gate.Release(7);
        }

        // With a free slot the same large file reaches the decoder, and its slot is given back afterwards.
        Assert.Equal("image.corrupt", Assert.Throws<ArgusException>(() => ImageDecoder.Decode(PngDeclaring(7000, 7000), limits)).Code);
        Assert.Equal(7, gate.CurrentCount);

        // Beyond the pixel limit nothing is decoded at all.
        Assert.Equal("image.too_large", Assert.Throws<ArgusException>(() => ImageDecoder.Decode(PngDeclaring(8000, 8000), limits)).Code);
    }
}
