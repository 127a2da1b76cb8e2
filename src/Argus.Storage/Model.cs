using System.Text.Json.Nodes;
using Argus.Core.Faces;

namespace Argus.Storage;

/// <summary>A named collection of templates, all of one <see cref="EmbeddingContract"/>.</summary>
public sealed record Gallery(long Id, string Name, string? Description, EmbeddingContract Contract, DateTimeOffset CreatedAt, long TemplateCount)
{
    public int Dimension => Contract.Dimension;
}

/// <summary>A person. <see cref="Attributes"/> is free-form JSON supplied by the integrator.</summary>
public sealed record Subject(
    long Id,
    string DisplayName,
    DateOnly? DateOfBirth,
    JsonObject? Attributes,
    string? ExternalReference,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A new subject and the ids of its enrolled templates, in input order (<see cref="ArgusStore.EnrolNewSubjectAsync"/>).</summary>
public sealed record SubjectEnrolment(Subject Subject, IReadOnlyList<long> TemplateIds);

public sealed record NewSubject(string DisplayName, DateOnly? DateOfBirth = null, JsonObject? Attributes = null, string? ExternalReference = null);

/// <summary>
/// A template to enrol. <see cref="Vector"/> is normalised by the store (its norm is kept as <see cref="RawNorm"/> unless
/// given); the face crop is stored only when supplied.
/// </summary>
public sealed record NewTemplate(long SubjectId, ReadOnlyMemory<float> Vector, EmbeddingContract Contract, string SourceSha256, string EnrolledBy)
{
    /// <summary>Norm of the model output before normalising (a quality signal); defaults to the norm of <see cref="Vector"/>.</summary>
    public float? RawNorm { get; init; }

    /// <summary>Face quality score from the enrolment pipeline, if it computed one.</summary>
    public float? Quality { get; init; }

    /// <summary>The aligned face crop as PNG bytes; null (the default) stores none.</summary>
    public ReadOnlyMemory<byte>? FaceCropPng { get; init; }

    public static NewTemplate From(Embedding embedding, long subjectId, string sourceSha256, string enrolledBy) =>
        new(subjectId, embedding.Values.ToArray(), embedding.Contract, sourceSha256, enrolledBy) { RawNorm = embedding.RawNorm };
}

public sealed record StoredTemplate(
    long Id,
    long GalleryId,
    long SubjectId,
    float[] Vector,
    float RawNorm,
    float? Quality,
    string SourceSha256,
    bool HasFaceCrop,
    string EnrolledBy,
    DateTimeOffset EnrolledAt);

/// <summary>
/// Tells a search index whether its snapshot is stale, in O(1). <see cref="ChangeSequence"/> comes from one counter that
/// every write transaction increments, so any add or delete changes it; <see cref="MaxTemplateId"/> is the highest
/// template id ever added (ids are never reused, and a gallery's ids commit in increasing order), so templates with a
/// larger id are exactly the ones added since.
/// </summary>
public readonly record struct StoreFingerprint(long TemplateCount, long ChangeSequence, long MaxTemplateId);

/// <summary>
/// What an erasure removed. <see cref="ReceiptSha256"/> is the SHA-256 of <see cref="CanonicalText"/>, so that the
/// receipt can be quoted later (and chained into the audit log) without keeping anything about the person.
/// </summary>
public sealed record DeletionReceipt(
    long SubjectId,
    int TemplatesRemoved,
    int FaceCropsRemoved,
    IReadOnlyList<long> RemovedTemplateIds,
    IReadOnlyList<long> GalleryIds,
    DateTimeOffset ErasedAt,
    long ChangeSequence,
    string CanonicalText,
    string ReceiptSha256);

/// <summary>A migration step applied by <see cref="ArgusStore.MigrateAsync(StorageOptions, CancellationToken)"/>.</summary>
public readonly record struct AppliedMigration(int Version, string Name);
