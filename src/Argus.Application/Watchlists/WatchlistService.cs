using System.Globalization;
using System.Security.Cryptography;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Audit;
using Argus.Core.Watchlists;
using Argus.Storage;

namespace Argus.Application.Watchlists;

public sealed record WatchlistSpec(string Name, string Category, string? Severity = null, int? MaxDays = null);

/// <summary>
/// A proposed entry. <see cref="ImageSources"/> holds SOURCE:REFERENCE per photo, in order (one value applies to all);
/// <see cref="Expires"/> is the last day (YYYY-MM-DD, UTC).
/// </summary>
public sealed record EntryProposal(
    string Watchlist, string SubjectReference, string? SubjectName, string? Case, string? Grounds, string? Officer, string? Authority,
    string? Instrument, string? Expires, IReadOnlyList<string> ImageSources, IReadOnlyList<ImageInput> Photos, string Reason = "proposed", int? Face = null)
{
    /// <summary>
    /// The face to take from each photo, in order (null: the photo's only usable face, or <see cref="Face"/>): a group
    /// photo can name its face without that choice applying to every other photo. Empty, or one value per photo.
    /// </summary>
    public IReadOnlyList<int?> PhotoFaces { get; init; } = [];
}

/// <summary>Who an entry names and the templates (photos) it enrolled into its watchlist's gallery.</summary>
public sealed record EntrySubject(string? Name, string? Reference, IReadOnlyList<long> Photos);

/// <summary>Fields of the legal basis to change; null ones stay as they are.</summary>
public sealed record EntryAmendment(string Reason, string? Case = null, string? Grounds = null, string? Officer = null, string? Authority = null, string? Instrument = null, string? Expires = null);

/// <summary>The decisions an approver (or, for removal, anyone allowed) takes on an entry.</summary>
public enum EntryDecision
{
    Approve,
    Reject,
    Remove,
}

/// <summary>
/// Watchlists and their entries. The domain (<see cref="WatchlistEntry"/>) decides what is allowed for the principal;
/// every change and every refusal is audited.
/// </summary>
public sealed class WatchlistService(OperationContext context)
{
    public async Task<Storage.Watchlist> CreateAsync(Principal actor, WatchlistSpec spec, CancellationToken ct)
    {
        var w = await context.AuditedAsync(actor.Id, "watchlist.create", $"watchlist:{spec.Name}", async () =>
        {
            AccessPolicy.Demand(actor, Capability.ManageWatchlists);
            var parsed = new NewWatchlist(spec.Name, ParseCategory(spec.Category), spec.Severity is { } s ? ParseSeverity(s) : null, spec.MaxDays);
            return await context.AuditedStore<Storage.Watchlist>(w => AuditEvent.Ok(actor.Id, "watchlist.created", $"watchlist:{w.Id}", AuditDetails.Of(
                ("name", w.Name), ("category", w.Category.ToString()), ("severity", w.Severity.ToString()), ("max_entry_days", w.MaxEntryDays), ("gallery", w.GalleryId))))
                .CreateWatchlistAsync(parsed, context.Engine().Contract, actor.Id, ct);
        });
        return w;
    }

    /// <summary>Watchlists in the actor's scope (administrators see all), with their count of active entries.</summary>
    public async Task<IReadOnlyList<(Storage.Watchlist Watchlist, int Active)>> ListAsync(Principal actor, CancellationToken ct)
    {
        var now = context.Now;
        var rows = new List<(Storage.Watchlist, int)>();
        foreach (var w in await context.Store.ListWatchlistsAsync(ct))
        {
            if (actor.Can(Capability.ManageWatchlists) || actor.Scope.CoversWatchlist(w.Name))
            {
                rows.Add((w, (await context.Store.ListMatchingEntriesAsync(w.Id, now, ct)).Count));
            }
        }

        await context.AuditAsync(AuditEvent.Ok(actor.Id, "watchlist.list", "watchlists", AuditDetails.Of(("watchlists", rows.Count))), ct);
        return rows;
    }

    /// <summary>Proposes an entry with its full legal basis; the photos are enrolled into the watchlist's gallery.</summary>
    public async Task<StoredEntry> ProposeAsync(Principal actor, EntryProposal p, CancellationToken ct)
    {
        var stored = await context.AuditedAsync(actor.Id, "entry.propose", $"watchlist:{p.Watchlist}", async () =>
        {
            var w = await context.Store.GetWatchlistAsync(p.Watchlist, ct);
            var now = context.Now;

            // The legal basis is checked (with each image's hash and source) before any face is enrolled.
            var sources = p.ImageSources;
            if (p.Photos.Count == 0)
            {
                throw new ArgusException("entry.legal_basis_invalid", "An entry needs at least one photo of the subject.");
            }

            if (sources.Count != 1 && sources.Count != p.Photos.Count)
            {
                throw new ArgusException("entry.legal_basis_invalid", $"Give one --image-source for all photos or one per photo ({p.Photos.Count}); got {sources.Count}.");
            }

            var images = new List<ImageSource>();
            for (var i = 0; i < p.Photos.Count; i++)
            {
                var (imageFrom, imageRef) = ParseSource(sources.Count == 0 ? "" : sources[sources.Count == 1 ? 0 : i]);
                images.Add(new ImageSource(Sha256(p.Photos[i]), imageFrom, imageRef));
            }

            var basis = new LegalBasis(
                p.Case ?? "", p.Grounds ?? "", p.Officer ?? "", p.Authority ?? "", p.Instrument ?? "", ParseExpiry(p.Expires), images);
            var proposed = WatchlistEntry.Propose("new", w.Name, w.Policy, "new", basis, actor, p.Reason, now);

            var engine = context.Engine();
            // The aligned crop is kept with each template: reviewers compare an alert's snapshot with it (erased with the subject).
            if (p.PhotoFaces.Count != 0 && p.PhotoFaces.Count != p.Photos.Count)
            {
                throw new ArgusException("argument.invalid", $"{p.PhotoFaces.Count} face choices for {p.Photos.Count} photos: give one per photo, or none.");
            }

            var prepared = p.Photos.Select((photo, i) =>
                Galleries.FacePreparation.Prepare(engine, photo, p.PhotoFaces.Count == 0 ? p.Face : p.PhotoFaces[i] ?? p.Face, keepCrop: true, requireSingle: true)).ToList();
            var reference = p.SubjectReference;
            var existing = await context.Store.FindSubjectsByExternalReferenceAsync(reference, ct);
            if (existing.Count > 1)
            {
                throw new ArgusException("subject.ambiguous", $"{existing.Count} subjects have the reference '{reference}'.");
            }

            if (existing.Count == 1)
            {
                await RequireSubjectInScopeAsync(actor, existing[0].Id, reference, ct);
            }

            // The subject (when new), its templates, the entry and the audit record commit in one transaction.
            var subjectId = existing.Count == 1 ? existing[0].Id : 0;
            var newSubject = existing.Count == 1 ? null : new NewSubject(p.SubjectName ?? reference, ExternalReference: reference);
            return await context.AuditedStore<StoredEntry>(stored =>
                {
                    var b = stored.Entry.LegalBasis;
                    return AuditEvent.Ok(actor.Id, "entry.proposed", $"entry:{stored.Id}", AuditDetails.Of(
                        ("watchlist", stored.Watchlist.Name), ("subject", stored.SubjectId), ("case", b.CaseNumber), ("instrument", b.LegalInstrument), ("expires", b.Expiry),
                        ("images", b.ImageSources.Select(i => $"{i.ImageSha256}:{i.Source}:{i.Reference}"))));
                })
                .ProposeEntryAsync(w, newSubject, subjectId, [.. prepared.Select(x => NewTemplate.From(x.Embedding, subjectId, x.Sha256, actor.Id) with { FaceCropPng = x.Crop })], proposed, ct);
        });
        return stored;
    }

    /// <summary>Approves, rejects or removes an entry; nobody approves their own proposal.</summary>
    public async Task<StoredEntry> DecideAsync(Principal actor, long entryId, EntryDecision decision, string reason, CancellationToken ct)
    {
        var verb = decision.ToString().ToLowerInvariant();
        var stored = await context.AuditedAsync(actor.Id, $"entry.{verb}", $"entry:{entryId}", () => context.AuditedStore<StoredEntry>(stored =>
            {
                var v = stored.Entry.Current;
                return AuditEvent.Ok(actor.Id, $"entry.{v.Change}", $"entry:{stored.Id}", AuditDetails.Of(
                    ("watchlist", stored.Watchlist.Name), ("version", v.Version), ("state", v.State.ToString()), ("reason", v.Reason)));
            }).ChangeEntryAsync(
            entryId,
            e => decision switch
            {
                EntryDecision.Approve => e.Entry.Approve(actor, reason, context.Now),
                EntryDecision.Reject => e.Entry.Reject(actor, reason, context.Now),
                _ => e.Entry.Remove(actor, reason, context.Now),
            },
            ct));
        return stored;
    }

    /// <summary>Changes an entry's legal basis; it needs approval again.</summary>
    public async Task<StoredEntry> AmendAsync(Principal actor, long entryId, EntryAmendment a, CancellationToken ct)
    {
        var stored = await context.AuditedAsync(actor.Id, "entry.amend", $"entry:{entryId}", () => context.AuditedStore<StoredEntry>(stored =>
            {
                var v = stored.Entry.Current;
                return AuditEvent.Ok(actor.Id, "entry.amended", $"entry:{stored.Id}", AuditDetails.Of(
                    ("watchlist", stored.Watchlist.Name), ("version", v.Version), ("case", v.LegalBasis.CaseNumber), ("instrument", v.LegalBasis.LegalInstrument),
                    ("expires", v.LegalBasis.Expiry), ("reason", v.Reason)));
            }).ChangeEntryAsync(
            entryId,
            e =>
            {
                var b = e.Entry.LegalBasis;
                var basis = b with
                {
                    CaseNumber = a.Case ?? b.CaseNumber,
                    Grounds = a.Grounds ?? b.Grounds,
                    InvestigatingOfficer = a.Officer ?? b.InvestigatingOfficer,
                    IssuingAuthority = a.Authority ?? b.IssuingAuthority,
                    LegalInstrument = a.Instrument ?? b.LegalInstrument,
                    Expiry = a.Expires is { } d ? ParseExpiry(d) : b.Expiry,
                };
                return e.Entry.Amend(actor, e.Watchlist.Policy, basis, a.Reason, context.Now);
            },
            ct));
        return stored;
    }

    /// <summary>Entries of a watchlist, optionally in one state (proposed, active, rejected, removed).</summary>
    public async Task<IReadOnlyList<StoredEntry>> ListEntriesAsync(Principal actor, string watchlist, string? state, CancellationToken ct)
    {
        var entries = await context.AuditedAsync(actor.Id, "entry.list", $"watchlist:{watchlist}", async () =>
        {
            DemandRead(actor, watchlist);
            var w = await context.Store.GetWatchlistAsync(watchlist, ct);
            EntryState? filter = state is { } s
                ? Enum.TryParse<EntryState>(s, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed : throw new ArgusException("argument.invalid", "--state must be proposed, active, rejected or removed.")
                : null;
            return await context.Store.ListEntriesAsync(w.Id, filter, ct);
        });
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "entry.list", $"watchlist:{watchlist}", AuditDetails.Of(("entries", entries.Count), ("state", state))), ct);
        return entries;
    }

    /// <summary>An entry with every version: who, when, what, why.</summary>
    public async Task<StoredEntry> HistoryAsync(Principal actor, long entryId, CancellationToken ct)
    {
        var stored = await context.AuditedAsync(actor.Id, "entry.history", $"entry:{entryId}", async () =>
        {
            var e = await context.Store.GetEntryAsync(entryId, ct) ?? throw new ArgusException("entry.not_found", $"There is no watchlist entry with id {entryId}.");
            DemandRead(actor, e.Watchlist.Name);
            return e;
        });
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "entry.history", $"entry:{stored.Id}"), ct);
        return stored;
    }

    /// <summary>
    /// A proposal may add photos to an existing subject only when everything that subject is held in lies within the
    /// proposer's scope: watchlists the proposer may propose to, and no other gallery (consenting customers are not
    /// suspects). Otherwise a reference typed into one watchlist would attach a photo to a person of another
    /// (<c>subject.out_of_scope</c>).
    /// </summary>
    private async Task RequireSubjectInScopeAsync(Principal actor, long subjectId, string reference, CancellationToken ct)
    {
        var (galleries, watchlists) = await context.Store.GetSubjectHoldingsAsync(subjectId, ct);
        var prefix = Storage.Watchlist.GalleryName("");
        var outside = watchlists.Where(w => !actor.Scope.CoversWatchlist(w))
            .Concat(galleries.Where(g => !g.StartsWith(prefix, StringComparison.Ordinal) || !actor.Scope.CoversWatchlist(g[prefix.Length..])))
            .Any();
        if (outside)
        {
            // A scope refusal: the abuse detector counts it with the other attempts outside the actor's scope.
            throw new ArgusException(
                "subject.out_of_scope",
                $"The subject with reference '{reference}' is held outside your scope: use a reference of your own for this person.",
                RefusalReason.Scope);
        }
    }

    /// <summary>
    /// What a decider must see beside an entry: the subject's name and reference and the templates (photos) the entry
    /// enrolled into the watchlist's gallery. The caller has read the entries through <see cref="ListEntriesAsync"/> or
    /// <see cref="HistoryAsync"/>, so their scope is already checked and audited.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, EntrySubject>> SubjectsAsync(IReadOnlyList<StoredEntry> entries, CancellationToken ct)
    {
        var found = new Dictionary<long, EntrySubject>();
        foreach (var e in entries)
        {
            if (found.ContainsKey(e.Id))
            {
                continue;
            }

            var subject = await context.Store.GetSubjectAsync(e.SubjectId, ct);
            IReadOnlyList<long> photos = subject is null
                ? []
                : [.. (await context.Store.ListTemplatesAsync(e.SubjectId, ct)).Where(t => t.GalleryId == e.Watchlist.GalleryId).Select(t => t.Id)];
            found[e.Id] = new EntrySubject(subject?.DisplayName, subject?.ExternalReference, photos);
        }

        return found;
    }

    /// <summary>
    /// One photo of an entry: the aligned face crop kept with one of its templates, for the approver who decides and
    /// whoever may read the entry; audited (<c>entry.photo_view</c>). Refusals: <c>entry.not_found</c>,
    /// <c>photo.not_found</c> (a template of another subject or watchlist, or no crop kept), <c>access.denied</c>.
    /// </summary>
    public async Task<byte[]> PhotoAsync(Principal actor, long entryId, long templateId, CancellationToken ct)
    {
        var png = await context.AuditedAsync(actor.Id, "entry.photo_view", $"entry:{entryId}", async () =>
        {
            var e = await context.Store.GetEntryAsync(entryId, ct) ?? throw new ArgusException("entry.not_found", $"There is no watchlist entry with id {entryId}.");
            DemandRead(actor, e.Watchlist.Name);
            var template = await context.Store.GetTemplateAsync(templateId, ct);
            return template is not null && template.SubjectId == e.SubjectId && template.GalleryId == e.Watchlist.GalleryId
                && await context.Store.GetFaceCropAsync(templateId, ct) is { } crop
                ? crop
                : throw new ArgusException("photo.not_found", $"Entry {entryId} has no photo {templateId}.");
        });
        await context.AuditAsync(AuditEvent.Ok(actor.Id, "entry.photo_view", $"entry:{entryId}", AuditDetails.Of(("template", templateId))), ct);
        return png;
    }

    /// <summary>Reading entries needs a role that works with them (or the auditor's) and the watchlist in scope.</summary>
    private static void DemandRead(Principal actor, string watchlist)
    {
        var capability = actor.Can(Capability.ApproveEntry) ? Capability.ApproveEntry : actor.Can(Capability.ReadAudit) ? Capability.ReadAudit : Capability.ProposeEntry;
        AccessPolicy.DemandWatchlist(actor, capability, watchlist);
    }

    public static WatchlistCategory ParseCategory(string s) => s.Trim().ToLowerInvariant() switch
    {
        "wanted" or "wanted-person" => WatchlistCategory.WantedPerson,
        "missing" or "missing-person" => WatchlistCategory.MissingPerson,
        "venue-ban" => WatchlistCategory.VenueBan,
        "administrative" => WatchlistCategory.Administrative,
        "custom" => WatchlistCategory.Custom,
        _ => throw new ArgusException("watchlist.category_invalid", $"Unknown category '{s}'; use wanted, missing, venue-ban, administrative or custom."),
    };

    public static string CategoryName(WatchlistCategory c) => c switch
    {
        WatchlistCategory.WantedPerson => "wanted",
        WatchlistCategory.MissingPerson => "missing",
        WatchlistCategory.VenueBan => "venue-ban",
        WatchlistCategory.Administrative => "administrative",
        _ => "custom",
    };

    private static Severity ParseSeverity(string s) =>
        Enum.TryParse<Severity>(s, ignoreCase: true, out var v) && Enum.IsDefined(v)
            ? v
            : throw new ArgusException("watchlist.severity_invalid", $"Unknown severity '{s}'; use low, medium, high or critical.");

    /// <summary>The entry applies through the given day: it stops matching at the end of that day (UTC).</summary>
    private static DateTimeOffset ParseExpiry(string? s)
    {
        if (s is null)
        {
            throw new ArgusException("entry.legal_basis_invalid", "The legal basis is incomplete: an expiry date (--expires YYYY-MM-DD) is required.");
        }

        return DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? new DateTimeOffset(day.ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero)
            : throw new ArgusException("entry.legal_basis_invalid", $"The legal basis is malformed: expiry '{s}' is not a date (YYYY-MM-DD).");
    }

    private static (string Source, string Reference) ParseSource(string s)
    {
        var colon = s.IndexOf(':', StringComparison.Ordinal);
        return colon <= 0 ? (s.Trim(), "") : (s[..colon].Trim(), s[(colon + 1)..].Trim());
    }

    private static string Sha256(ImageInput image)
    {
        try
        {
            return Convert.ToHexStringLower(SHA256.HashData(image.Read()));
        }
        catch (ArgusException e) when (e.Code == "image.unreadable")
        {
            throw new ArgusException("image.unreadable", $"{image.Name}: {e.Message}", e);
        }
    }
}
