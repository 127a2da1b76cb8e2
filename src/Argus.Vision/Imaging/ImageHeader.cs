using System.Buffers.Binary;

namespace Argus.Vision.Imaging;

public enum ImageFormat
{
    Jpeg,
    Png,
    Gif,
    WebP,
    Bmp,
}

/// <summary>Format and declared size of an encoded image, read from its header without decoding it.</summary>
public readonly record struct ImageHeader(ImageFormat Format, int Width, int Height)
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static ReadOnlySpan<byte> JpegEndOfImage => [0xFF, 0xD9];

    public long Pixels => (long)Width * Height;

    /// <summary>
    /// Sniffs the format from the content (never the file name) and reads the declared size, so that a
    /// decompression bomb is refused before anything is allocated for it. Also checks for the end markers whose
    /// absence means the file was cut short. Returns false with a reason code and message otherwise.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out ImageHeader header, out string code, out string message)
    {
        header = default;
        code = "";
        message = "";
        if (data.IsEmpty)
        {
            return Fail("image.empty", "The file is empty.", out code, out message);
        }

        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return TryJpeg(data, out header, out code, out message);
        }

        if (data.Length >= 8 && data[..8].SequenceEqual(PngSignature))
        {
            return TryPng(data, out header, out code, out message);
        }

        if (data.Length >= 6 && (data[..6].SequenceEqual("GIF87a"u8) || data[..6].SequenceEqual("GIF89a"u8)))
        {
            if (data.Length < 13)
            {
                return Fail("image.truncated", "The GIF file ends inside its header.", out code, out message);
            }

            header = new ImageHeader(ImageFormat.Gif, BinaryPrimitives.ReadUInt16LittleEndian(data[6..]), BinaryPrimitives.ReadUInt16LittleEndian(data[8..]));
            return CheckSize(header, out code, out message);
        }

        if (data.Length >= 12 && data[..4].SequenceEqual("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8))
        {
            return TryWebP(data, out header, out code, out message);
        }

        if (data.Length >= 2 && data[0] == (byte)'B' && data[1] == (byte)'M')
        {
            return TryBmp(data, out header, out code, out message);
        }

        return Fail("image.unsupported_format", "Not a supported image: expected JPEG, PNG, WebP, BMP or GIF content.", out code, out message);
    }

    private static bool TryJpeg(ReadOnlySpan<byte> data, out ImageHeader header, out string code, out string message)
    {
        header = default;
        var i = 2;
        var haveFrame = false;
        while (i + 4 <= data.Length)
        {
            if (data[i] != 0xFF)
            {
                return Fail("image.corrupt", $"Corrupt JPEG: expected a marker at byte {i}.", out code, out message);
            }

            var marker = data[i + 1];
            if (marker == 0xFF)
            {
                i++; // fill byte
                continue;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                i += 2;
                continue;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(i + 2)..]);
            if (length < 2)
            {
                return Fail("image.corrupt", "Corrupt JPEG: segment length below 2.", out code, out message);
            }

            var isFrame = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (isFrame)
            {
                if (i + 9 > data.Length)
                {
                    break;
                }

                header = new ImageHeader(ImageFormat.Jpeg, BinaryPrimitives.ReadUInt16BigEndian(data[(i + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(data[(i + 5)..]));
                haveFrame = true;
            }
            else if (marker == 0xDA)
            {
                if (!haveFrame)
                {
                    return Fail("image.corrupt", "Corrupt JPEG: scan data before the frame header.", out code, out message);
                }

                // Entropy-coded data cannot contain FF D9 (0xFF is stuffed as FF 00), so EOI after the first scan
                // means the image data is complete.
                return data[(i + 2)..].IndexOf(JpegEndOfImage) < 0
                    ? Fail("image.truncated", "The JPEG file is truncated (no end-of-image marker).", out code, out message)
                    : CheckSize(header, out code, out message);
            }

            i += 2 + length;
        }

        return Fail("image.truncated", "The JPEG file is truncated before its image data.", out code, out message);
    }

    private static bool TryPng(ReadOnlySpan<byte> data, out ImageHeader header, out string code, out string message)
    {
        header = default;
        if (data.Length < 24 || !data[12..16].SequenceEqual("IHDR"u8))
        {
            return Fail("image.truncated", "The PNG file ends before its header chunk.", out code, out message);
        }

        var width = BinaryPrimitives.ReadUInt32BigEndian(data[16..]);
        var height = BinaryPrimitives.ReadUInt32BigEndian(data[20..]);
        if (width > int.MaxValue || height > int.MaxValue)
        {
            return Fail("image.too_large", $"The PNG declares {width}x{height} pixels.", out code, out message);
        }

        header = new ImageHeader(ImageFormat.Png, (int)width, (int)height);
        var tail = data[Math.Max(0, data.Length - 1024)..];
        return tail.IndexOf("IEND"u8) < 0
            ? Fail("image.truncated", "The PNG file is truncated (no IEND chunk).", out code, out message)
            : CheckSize(header, out code, out message);
    }

    private static bool TryWebP(ReadOnlySpan<byte> data, out ImageHeader header, out string code, out string message)
    {
        header = default;
        var riffSize = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (riffSize + 8L > data.Length || data.Length < 30)
        {
            return Fail("image.truncated", "The WebP file is truncated (shorter than its RIFF size).", out code, out message);
        }

        var chunk = data[12..16];
        int width, height;
        if (chunk.SequenceEqual("VP8 "u8))
        {
            if (data[23] != 0x9D || data[24] != 0x01 || data[25] != 0x2A)
            {
                return Fail("image.corrupt", "Corrupt WebP: missing VP8 start code.", out code, out message);
            }

            width = BinaryPrimitives.ReadUInt16LittleEndian(data[26..]) & 0x3FFF;
            height = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]) & 0x3FFF;
        }
        else if (chunk.SequenceEqual("VP8L"u8))
        {
            if (data[20] != 0x2F)
            {
                return Fail("image.corrupt", "Corrupt WebP: missing VP8L signature.", out code, out message);
            }

            var bits = BinaryPrimitives.ReadUInt32LittleEndian(data[21..]);
            width = (int)(bits & 0x3FFF) + 1;
            height = (int)((bits >> 14) & 0x3FFF) + 1;
        }
        else if (chunk.SequenceEqual("VP8X"u8))
        {
            width = (data[24] | (data[25] << 8) | (data[26] << 16)) + 1;
            height = (data[27] | (data[28] << 8) | (data[29] << 16)) + 1;
        }
        else
        {
            return Fail("image.corrupt", "Corrupt WebP: unknown first chunk.", out code, out message);
        }

        header = new ImageHeader(ImageFormat.WebP, width, height);
        return CheckSize(header, out code, out message);
    }

    private static bool TryBmp(ReadOnlySpan<byte> data, out ImageHeader header, out string code, out string message)
    {
        header = default;
        if (data.Length < 26)
        {
            return Fail("image.truncated", "The BMP file ends inside its header.", out code, out message);
        }

        var pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        var dibSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
        long width, height;
        int bitsPerPixel;
        uint compression = 0;
        if (dibSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(data[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(data[20..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data[24..]);
        }
        else if (dibSize >= 40 && data.Length >= 34)
        {
            width = BinaryPrimitives.ReadInt32LittleEndian(data[18..]);
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(data[22..]));
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(data[30..]);
        }
        else
        {
            return Fail("image.corrupt", "Corrupt BMP: unknown header size.", out code, out message);
        }

        if (width <= 0 || width > int.MaxValue || height > int.MaxValue)
        {
            return Fail("image.corrupt", "Corrupt BMP: invalid dimensions.", out code, out message);
        }

        header = new ImageHeader(ImageFormat.Bmp, (int)width, (int)height);
        if (!CheckSize(header, out code, out message))
        {
            return false;
        }

        // Uncompressed rows are padded to 4 bytes; a shorter file is cut short.
        var rowBytes = ((bitsPerPixel * width) + 31) / 32 * 4;
        return compression is 0 or 3 && pixelOffset + (rowBytes * height) > data.Length
            ? Fail("image.truncated", "The BMP file is truncated (shorter than its pixel data).", out code, out message)
            : true;
    }

    private static bool CheckSize(ImageHeader header, out string code, out string message)
    {
        code = "";
        message = "";
        return header.Width > 0 && header.Height > 0
            || Fail("image.corrupt", $"The {header.Format} header declares an empty image ({header.Width}x{header.Height}).", out code, out message);
    }

    private static bool Fail(string failCode, string failMessage, out string code, out string message)
    {
        code = failCode;
        message = failMessage;
        return false;
    }
}
