using System.Buffers.Binary;
using Argus.Core;
using Argus.Vision.Imaging;
using OpenCvSharp;

namespace Argus.Vision.Tests;

[Trait("Category", "Unit")]
public sealed class ImageDecoderTests
{
    [Theory]
    [InlineData(".jpg", ImageFormat.Jpeg)]
    [InlineData(".png", ImageFormat.Png)]
    [InlineData(".webp", ImageFormat.WebP)]
    [InlineData(".bmp", ImageFormat.Bmp)]
    public void Decodes_each_format_from_content(string extension, ImageFormat format)
    {
        var bytes = Encode(Gradient(64, 48), extension);
        using var image = ImageDecoder.Decode(bytes);
        Assert.Equal(format, image.Format);
        Assert.Equal((64, 48), (image.Width, image.Height));
    }

    [Fact]
    public void Decodes_the_first_frame_of_a_gif()
    {
        var gif = File.ReadAllBytes(Argus.Tests.TestPaths.FacesDevFile("videos/dlib_elon-musk-smoke.gif"));
        using var image = ImageDecoder.Decode(gif);
        Assert.Equal(ImageFormat.Gif, image.Format);
        Assert.Equal((480, 272), (image.Width, image.Height));
    }

    [Fact]
    public void Sniffs_content_not_the_file_name()
    {
        // faces-dev ships a WebP named .jpg.
        using var image = ImageDecoder.DecodeFile(Argus.Tests.TestPaths.FacesDevFile("images/deepface_c03/img47.jpg"));
        Assert.Equal(ImageFormat.WebP, image.Format);
    }

    [Fact]
    public void Greyscale_and_alpha_inputs_come_out_as_bgr()
    {
        using var grey = new Mat(40, 30, MatType.CV_8UC1, new Scalar(90));
        using var decodedGrey = ImageDecoder.Decode(Encode(grey, ".png"));
        Assert.Equal(3, decodedGrey.Mat.Channels());

        using var rgba = new Mat(40, 30, MatType.CV_8UC4, new Scalar(10, 20, 30, 128));
        using var decodedAlpha = ImageDecoder.Decode(Encode(rgba, ".png"));
        Assert.Equal(3, decodedAlpha.Mat.Channels());
        Assert.Equal((30, 40), (decodedAlpha.Width, decodedAlpha.Height));
    }

    [Fact]
    public void Applies_exif_orientation()
    {
        // Orientation 6 (rotate 90 degrees clockwise): a 64x48 landscape JPEG must come out 48x64.
        var jpeg = WithExifOrientation(Encode(Gradient(64, 48), ".jpg"), 6);
        using var image = ImageDecoder.Decode(jpeg);
        Assert.Equal((48, 64), (image.Width, image.Height));
    }

    [Fact]
    public void Refuses_empty_input()
    {
        AssertRefused("image.empty", []);
    }

    [Fact]
    public void Refuses_non_images()
    {
        AssertRefused("image.unsupported_format", "%PDF-1.7 this is not an image"u8.ToArray());
        AssertRefused("image.unsupported_format", "{\"json\": true}"u8.ToArray());
    }

    [Theory]
    [InlineData(".jpg")]
    [InlineData(".png")]
    [InlineData(".webp")]
    [InlineData(".bmp")]
    public void Refuses_truncated_files(string extension)
    {
        var bytes = Encode(Noise(200, 150), extension);
        AssertRefused("image.truncated", bytes[..(bytes.Length / 2)]);
    }

    [Fact]
    public void Refuses_a_jpeg_whose_segments_are_garbage()
    {
        var bytes = Encode(Gradient(64, 48), ".jpg");
        for (var i = 20; i < 40; i++) // after SOI and the 16-byte JFIF APP0 segment
        {
            bytes[i] = 0x42;
        }

        AssertRefused("image.corrupt", bytes);
    }

    [Fact]
    public void Refuses_a_decompression_bomb_before_decoding()
    {
        // A valid 1x1 PNG whose header is rewritten to declare 100,000 x 100,000 pixels: refused from the header.
        var png = Encode(Gradient(1, 1), ".png");
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), 100_000);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), 100_000);
        AssertRefused("image.too_large", png);

        // The same for a JPEG frame header declaring 65,000 x 65,000.
        var jpeg = Encode(Gradient(8, 8), ".jpg");
        var sof = FindSof(jpeg);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 5), 65_000);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 7), 65_000);
        AssertRefused("image.too_large", jpeg);
    }

    [Fact]
    public void The_pixel_and_byte_limits_are_configurable()
    {
        var bytes = Encode(Gradient(64, 48), ".png");
        var ex = Assert.Throws<ArgusException>(() => ImageDecoder.Decode(bytes, new DecodeLimits { MaxPixels = 1000 }));
        Assert.Equal("image.too_large", ex.Code);
        ex = Assert.Throws<ArgusException>(() => ImageDecoder.Decode(bytes, new DecodeLimits { MaxBytes = 10 }));
        Assert.Equal("image.too_large", ex.Code);
    }

    [Fact]
    public void Missing_file_is_a_clear_error()
    {
        var ex = Assert.Throws<ArgusException>(() => ImageDecoder.DecodeFile("/nonexistent/face.jpg"));
        Assert.Equal("image.not_found", ex.Code);
        Assert.Contains("/nonexistent/face.jpg", ex.Message, StringComparison.Ordinal);
    }

    internal static byte[] Encode(Mat mat, string extension) => mat.ImEncode(extension);

    internal static Mat Gradient(int width, int height)
    {
        var mat = new Mat(height, width, MatType.CV_8UC3);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                mat.Set(y, x, new Vec3b((byte)(x * 4), (byte)(y * 4), 128));
            }
        }

        return mat;
    }

    private static Mat Noise(int width, int height)
    {
        var mat = new Mat(height, width, MatType.CV_8UC3);
        Cv2.Randu(mat, new Scalar(0, 0, 0), new Scalar(255, 255, 255));
        return mat;
    }

    private static void AssertRefused(string code, byte[] bytes)
    {
        var ex = Assert.Throws<ArgusException>(() => ImageDecoder.Decode(bytes));
        Assert.Equal(code, ex.Code);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    private static int FindSof(byte[] jpeg)
    {
        for (var i = 2; i + 1 < jpeg.Length; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC2)
            {
                return i;
            }
        }

        throw new InvalidOperationException("no SOF");
    }

    /// <summary>Inserts an APP1 EXIF segment (little-endian TIFF, one IFD entry: Orientation) after SOI.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, // header, IFD at offset 8
            1, 0, // one entry
            0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte)orientation, 0, 0, 0, // tag 0x0112 SHORT count 1
            0, 0, 0, 0, // no next IFD
        ];
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var length = (ushort)(payload.Length + 2);
        var segment = new byte[] { 0xFF, 0xE1, (byte)(length >> 8), (byte)length }.Concat(payload);
        return jpeg[..2].Concat(segment).Concat(jpeg[2..]).ToArray();
    }
}
