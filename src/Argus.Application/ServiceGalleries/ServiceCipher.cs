using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Argus.Core;

namespace Argus.Application.ServiceGalleries;

/// <summary>
/// Encrypts service-gallery templates and personal details at rest with AES-256-GCM. Layout of a sealed value:
/// version byte (1) ‖ 12-byte random nonce ‖ 16-byte tag ‖ ciphertext. The associated data binds a value to its
/// gallery and customer reference, so a sealed template copied onto another customer's row fails to open.
/// The key comes from <c>ARGUS_SERVICE_KEY</c> (32 bytes, base64 or hex); service operations refuse to start without it.
/// </summary>
public sealed class ServiceCipher
{
    public const string KeyVariable = "ARGUS_SERVICE_KEY";

    private const byte Version = 1;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;

    public ServiceCipher(ReadOnlySpan<byte> key)
    {
        if (key.Length != 32)
        {
            throw new ArgusException("service.key_invalid", $"{KeyVariable} must be 32 bytes (base64 or hex); it decodes to {key.Length}. Make one with: openssl rand -base64 32");
        }

        _key = key.ToArray();
    }

    /// <summary>First 16 hex digits of SHA-256 of the key: names the key in audit records without revealing it.</summary>
    public string KeyId => Convert.ToHexStringLower(SHA256.HashData(_key))[..16];

    /// <summary>The cipher from <paramref name="value"/> (the variable's content), or <c>service.key_missing</c> / <c>service.key_invalid</c>.</summary>
    public static ServiceCipher FromSecret(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgusException(
                "service.key_missing",
                $"Service galleries are encrypted at rest and {KeyVariable} is not set: set it to 32 random bytes in base64 " +
                "(openssl rand -base64 32) and keep it safe; without it no service gallery can be read or written.");
        }

        value = value.Trim();
        byte[] key;
        try
        {
            key = value.Length == 64 && value.All(Uri.IsHexDigit) ? Convert.FromHexString(value) : Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new ArgusException("service.key_invalid", $"{KeyVariable} is neither base64 nor hex. Make one with: openssl rand -base64 32");
        }

        return new ServiceCipher(key);
    }

    public byte[] Seal(ReadOnlySpan<byte> plain, string context)
    {
        var sealedValue = new byte[1 + NonceBytes + TagBytes + plain.Length];
        sealedValue[0] = Version;
        var nonce = sealedValue.AsSpan(1, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, sealedValue.AsSpan(1 + NonceBytes + TagBytes), sealedValue.AsSpan(1 + NonceBytes, TagBytes), Encoding.UTF8.GetBytes(context));
        return sealedValue;
    }

    public byte[] Open(ReadOnlySpan<byte> sealedValue, string context)
    {
        if (sealedValue.Length < 1 + NonceBytes + TagBytes || sealedValue[0] != Version)
        {
            throw new ArgusException("service.sealed_invalid", "A sealed service-gallery value is malformed (not written by this Argus).");
        }

        var plain = new byte[sealedValue.Length - 1 - NonceBytes - TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        try
        {
            aes.Decrypt(sealedValue.Slice(1, NonceBytes), sealedValue[(1 + NonceBytes + TagBytes)..], sealedValue.Slice(1 + NonceBytes, TagBytes), plain, Encoding.UTF8.GetBytes(context));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new ArgusException(
                "service.key_mismatch",
                $"A service-gallery value does not open with this {KeyVariable} (key {KeyId}): the key differs from the one it was sealed with, or the row was altered.",
                e);
        }

        return plain;
    }

    public byte[] SealVector(ReadOnlySpan<float> vector, string context)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (var i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        }

        return Seal(bytes, context);
    }

    public float[] OpenVector(ReadOnlySpan<byte> sealedValue, string context)
    {
        var bytes = Open(sealedValue, context);
        var vector = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
        }

        return vector;
    }

    /// <summary>The associated data of a customer's sealed values.</summary>
    public static string Context(string gallery, string externalRef) => $"argus.svc.v1|{gallery}|{externalRef}";
}
