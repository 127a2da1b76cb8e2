using Argus.Core.Faces;
using Argus.Core.Services;

namespace Argus.Storage;

/// <summary>A gallery of consenting customers of one service, kept in tables of its own (never in <c>galleries</c>).</summary>
public sealed record ServiceGallery(long Id, string Name, ServiceKind Kind, string? Description, EmbeddingContract Contract, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>
/// One enrolled customer. <see cref="ExternalRef"/> is the service's own id for the person (account, card, ticket);
/// <see cref="SealedDetails"/> (display name and the like) is encrypted by the application, opaque here.
/// </summary>
public sealed record ServicePerson(
    long Id, long GalleryId, string ExternalRef, byte[]? SealedDetails, ConsentRecord Consent, DateTimeOffset ExpiresAt, DateTimeOffset EnrolledAt)
{
    public bool IsExpiredAt(DateTimeOffset now) => now >= ExpiresAt;
}

/// <summary>An encrypted template to enrol: the application seals the embedding, the store never sees it in clear.</summary>
public sealed record SealedTemplateInput(byte[] Sealed, string SourceSha256);

public sealed record NewServicePerson(
    string ExternalRef, byte[]? SealedDetails, ConsentRecord Consent, DateTimeOffset ExpiresAt, IReadOnlyList<SealedTemplateInput> Templates);

public sealed record ServiceTemplate(long Id, long PersonId, string ExternalRef, byte[] Sealed, string SourceSha256, DateTimeOffset EnrolledAt);

/// <summary>Everything held about one person in one service gallery (a data-subject export).</summary>
public sealed record ServiceRecord(ServiceGallery Gallery, ServicePerson Person, IReadOnlyList<ServiceTemplate> Templates, IReadOnlyList<LedgerEntry> Ledger);

/// <summary>
/// What an erasure removed. Ledger entries are financial records and stay, with the link to the person cut.
/// <see cref="ReceiptSha256"/> is the SHA-256 of <see cref="CanonicalText"/>.
/// </summary>
public sealed record ServiceErasureReceipt(
    string Gallery, long PersonId, string ExternalRef, int TemplatesRemoved, int LedgerEntriesUnlinked, DateTimeOffset ErasedAt, string CanonicalText, string ReceiptSha256);

public enum LedgerKind
{
    /// <summary>A fare charged at a gate (amount may be 0 once the daily cap is reached).</summary>
    Charge,

    /// <summary>A refund of one charge (negative amount).</summary>
    Refund,

    /// <summary>A venue entry: the only thing kept about a person let through.</summary>
    Entry,
}

/// <summary>One ledger line. <see cref="ReceiptSha256"/> hashes its canonical text so a receipt can be checked later.</summary>
public sealed record LedgerEntry(
    long Id, long GalleryId, string GateId, string PassageId, long? PersonId, LedgerKind Kind, long AmountCents, string FareDay,
    DateTimeOffset At, long? RefundOf, string? Reason, string ReceiptSha256);

/// <summary>A ledger write: the entry, and whether it already existed (a repeated request or a lingering passage).</summary>
public sealed record LedgerOutcome(LedgerEntry Entry, bool Duplicate);

/// <summary>Tells a cached 1:N index whether the gallery changed since it was built.</summary>
public readonly record struct ServiceGalleryState(long PeopleCount, long TemplateCount, long ChangeSequence);
