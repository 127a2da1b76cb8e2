using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Argus.Core;
using Argus.Core.Access;
using Argus.Core.Faces;
using Argus.Core.Services;
using Argus.Storage.Sql;

namespace Argus.Storage;

/// <summary>
/// Service galleries: consenting customers of banks, public services, transit and venues. They live in the
/// <c>svc_*</c> tables, which no gallery, watchlist, search, index or camera statement reads: police code paths
/// cannot reach them by construction. Every method here takes the acting principal and refuses police roles again
/// (<see cref="ServiceAccess"/>), so the separation does not rest on the callers alone. Embeddings and personal
/// details arrive sealed (AES-GCM by the application); the store keeps them opaque.
/// </summary>
public sealed partial class ArgusStore
{
    private const string ServiceGalleryColumns =
        "id, name, kind, description, model, model_sha256, preprocessing_version, dimension, created_by, created_at_ticks";

    private const string PersonColumns =
        "id, gallery_id, external_ref, details_sealed, consent_given_by, consent_at_ticks, consent_purpose, consent_channel, consent_recorded_by, expires_at_ticks, enrolled_at_ticks";

    private const string LedgerColumns =
        "id, gallery_id, gate_id, passage_id, person_id, kind, amount_cents, fare_day, at_ticks, refund_of, reason, receipt_sha256";

    public Task<ServiceGallery> CreateServiceGalleryAsync(
        Principal actor, string name, ServiceKind kind, EmbeddingContract contract, string? description = null, CancellationToken ct = default)
    {
        ServiceAccess.Demand(actor, Capability.ManageServiceGalleries);
        if (!IsGalleryName(name))
        {
            throw new ArgusException(
                "gallery.invalid_name",
                $"Gallery name '{name}' is not valid: use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }

        var now = _time.GetUtcNow();
        return WriteAsync(
            async (connection, transaction, sequence) =>
            {
                await using var command = connection.Command(
                    transaction,
                    """
                    INSERT INTO svc_galleries (name, kind, description, model, model_sha256, preprocessing_version, dimension, created_by, created_at_ticks, change_seq)
                    VALUES (@name, @kind, @description, @model, @sha, @pp, @dimension, @by, @at, @seq)
                    RETURNING id
                    """);
                command.Add("name", name).Add("kind", ServiceKinds.Name(kind)).Add("description", description).Add("model", contract.Model)
                    .Add("sha", contract.ModelSha256).Add("pp", contract.PreprocessingVersion).Add("dimension", contract.Dimension)
                    .Add("by", actor.Name).Add("at", now.UtcTicks).Add("seq", sequence);
                try
                {
                    var id = await command.ScalarInt64Async(ct);
                    return new ServiceGallery(id, name, kind, description, contract, actor.Name, new DateTimeOffset(now.UtcTicks, TimeSpan.Zero));
                }
                catch (DbException e) when (_dialect.IsUniqueViolation(e))
                {
                    throw new ArgusException("gallery.exists", $"A service gallery named '{name}' already exists.", e);
                }
            },
            ct);
    }

    public Task<IReadOnlyList<ServiceGallery>> ListServiceGalleriesAsync(Principal actor, CancellationToken ct = default)
    {
        DemandAnyService(actor);
        return ReadAsync<IReadOnlyList<ServiceGallery>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, $"SELECT {ServiceGalleryColumns} FROM svc_galleries ORDER BY name");
                await using var reader = await command.ExecuteReaderAsync(ct);
                var list = new List<ServiceGallery>();
                while (await reader.ReadAsync(ct))
                {
                    list.Add(ReadServiceGallery(reader));
                }

                return list;
            },
            ct);
    }

    /// <summary>The service gallery of this name, or <c>gallery.not_found</c>.</summary>
    public Task<ServiceGallery> GetServiceGalleryAsync(Principal actor, string name, CancellationToken ct = default)
    {
        DemandAnyService(actor);
        return ReadAsync(async (connection, transaction, ct) => await FindServiceGalleryAsync(connection, transaction, name, ct), ct);
    }

    public Task<ServiceGalleryState> GetServiceGalleryStateAsync(Principal actor, long galleryId, CancellationToken ct = default)
    {
        DemandAnyService(actor);
        return ReadAsync(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(
                    transaction,
                    """
                    SELECT (SELECT COUNT(*) FROM svc_people WHERE gallery_id = @g), (SELECT COUNT(*) FROM svc_templates WHERE gallery_id = @g), change_seq
                    FROM svc_galleries WHERE id = @g
                    """);
                command.Add("g", galleryId);
                await using var reader = await command.ExecuteReaderAsync(ct);
                return await reader.ReadAsync(ct)
                    ? new ServiceGalleryState(Convert.ToInt64(reader.GetValue(0)), Convert.ToInt64(reader.GetValue(1)), reader.GetInt64(2))
                    : throw new ArgusException("gallery.not_found", $"There is no service gallery with id {galleryId}.");
            },
            ct);
    }

    /// <summary>
    /// Enrols people with their consent and sealed templates in one transaction (any refusal leaves nothing written).
    /// A reference already enrolled in the gallery is <c>service.person_exists</c>.
    /// </summary>
    public Task<IReadOnlyList<ServicePerson>> EnrolServicePeopleAsync(Principal actor, long galleryId, IReadOnlyList<NewServicePerson> people, CancellationToken ct = default)
    {
        ServiceAccess.Demand(actor, Capability.ManageServiceGalleries);
        var now = _time.GetUtcNow();
        foreach (var person in people)
        {
            if (string.IsNullOrWhiteSpace(person.ExternalRef) || person.ExternalRef.Length > 200)
            {
                throw new ArgusException("service.invalid_reference", "A customer reference must be 1-200 characters.");
            }

            person.Consent.Validate(person.ExpiresAt, now);
            if (person.Templates.Count == 0)
            {
                throw new ArgusException("service.no_template", $"Customer '{person.ExternalRef}' has no template to enrol.");
            }
        }

        return WriteAsync<IReadOnlyList<ServicePerson>>(
            async (connection, transaction, sequence) =>
            {
                await using (var exists = connection.Command(transaction, "SELECT 1 FROM svc_galleries WHERE id = @g"))
                {
                    exists.Add("g", galleryId);
                    if (await exists.ExecuteScalarAsync(ct) is null)
                    {
                        throw new ArgusException("gallery.not_found", $"There is no service gallery with id {galleryId}.");
                    }
                }

                await using var insertPerson = connection.Command(
                    transaction,
                    """
                    INSERT INTO svc_people (gallery_id, external_ref, details_sealed, consent_given_by, consent_at_ticks, consent_purpose,
                      consent_channel, consent_recorded_by, expires_at_ticks, enrolled_at_ticks)
                    VALUES (@g, @ref, @details, @by, @at, @purpose, @channel, @recorded, @expires, @now)
                    RETURNING id
                    """);
                await using var insertTemplate = connection.Command(
                    transaction,
                    "INSERT INTO svc_templates (person_id, gallery_id, sealed_embedding, source_sha256, enrolled_at_ticks) VALUES (@p, @g, @e, @s, @now)");
                var result = new List<ServicePerson>(people.Count);
                foreach (var person in people)
                {
                    insertPerson.Parameters.Clear();
                    insertPerson.Add("g", galleryId).Add("ref", person.ExternalRef).Add("details", person.SealedDetails).Add("by", person.Consent.GivenBy)
                        .Add("at", person.Consent.GivenAt.UtcTicks).Add("purpose", person.Consent.Purpose).Add("channel", person.Consent.Channel)
                        .Add("recorded", person.Consent.RecordedBy).Add("expires", person.ExpiresAt.UtcTicks).Add("now", now.UtcTicks);
                    long id;
                    try
                    {
                        id = await insertPerson.ScalarInt64Async(ct);
                    }
                    catch (DbException e) when (_dialect.IsUniqueViolation(e))
                    {
                        throw new ArgusException("service.person_exists", $"Customer '{person.ExternalRef}' is already enrolled in this gallery; erase them first to re-enrol.", e);
                    }

                    foreach (var template in person.Templates)
                    {
                        insertTemplate.Parameters.Clear();
                        insertTemplate.Add("p", id).Add("g", galleryId).Add("e", template.Sealed).Add("s", template.SourceSha256).Add("now", now.UtcTicks);
                        try
                        {
                            await insertTemplate.ExecuteNonQueryAsync(ct);
                        }
                        catch (DbException e) when (_dialect.IsUniqueViolation(e))
                        {
                            throw new ArgusException("template.duplicate", $"The same image was given twice for customer '{person.ExternalRef}'.", e);
                        }
                    }

                    result.Add(new ServicePerson(
                        id, galleryId, person.ExternalRef, person.SealedDetails, person.Consent, Ticks(person.ExpiresAt.UtcTicks), Ticks(now.UtcTicks)));
                }

                await TouchServiceGalleryAsync(connection, transaction, galleryId, sequence, ct);
                return result;
            },
            ct);
    }

    /// <summary>One person with their templates and ledger lines (for verification and data-subject export), or <c>service.person_not_found</c>.</summary>
    public Task<ServiceRecord> GetServiceRecordAsync(Principal actor, string galleryName, string externalRef, CancellationToken ct = default)
    {
        DemandAnyService(actor);
        return ReadAsync(
            async (connection, transaction, ct) =>
            {
                var gallery = await FindServiceGalleryAsync(connection, transaction, galleryName, ct);
                var person = await FindPersonAsync(connection, transaction, gallery, externalRef, ct);
                var templates = await QueryServiceTemplatesAsync(connection, transaction, "t.person_id = @k", person.Id, null, ct);
                var ledger = new List<LedgerEntry>();
                await using var command = connection.Command(transaction, $"SELECT {LedgerColumns} FROM svc_ledger WHERE person_id = @p ORDER BY id");
                command.Add("p", person.Id);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    ledger.Add(ReadLedger(reader));
                }

                return new ServiceRecord(gallery, person, templates, ledger);
            },
            ct);
    }

    /// <summary>The templates of every person in the gallery whose consent has not expired at <paramref name="now"/>, in id order.</summary>
    public Task<IReadOnlyList<ServiceTemplate>> ListServiceTemplatesAsync(Principal actor, long galleryId, DateTimeOffset now, CancellationToken ct = default)
    {
        ServiceAccess.Demand(actor, Capability.VerifyCustomers);
        return ReadAsync(
            (connection, transaction, ct) => QueryServiceTemplatesAsync(connection, transaction, "t.gallery_id = @k", galleryId, now, ct), ct, snapshot: true);
    }

    /// <summary>Erases a person: templates and record removed, ledger lines unlinked (they are the service's financial record).</summary>
    public Task<ServiceErasureReceipt> EraseServicePersonAsync(Principal actor, string galleryName, string externalRef, CancellationToken ct = default)
    {
        ServiceAccess.Demand(actor, Capability.ManageServiceGalleries);
        var now = _time.GetUtcNow();
        return WriteAsync(
            async (connection, transaction, sequence) =>
            {
                var gallery = await FindServiceGalleryAsync(connection, transaction, galleryName, ct);
                var person = await FindPersonAsync(connection, transaction, gallery, externalRef, ct);
                var receipt = await EraseAsync(connection, transaction, gallery, person, sequence, now, ct);
                await TouchServiceGalleryAsync(connection, transaction, gallery.Id, sequence, ct);
                return receipt;
            },
            ct);
    }

    /// <summary>
    /// Erases every person of the gallery whose consent has expired by the store's clock (one transaction),
    /// returning a receipt for each: consent is the only ground for holding them.
    /// </summary>
    public Task<IReadOnlyList<ServiceErasureReceipt>> PurgeExpiredServicePeopleAsync(Principal actor, string galleryName, CancellationToken ct = default)
    {
        ServiceAccess.Demand(actor, Capability.ManageServiceGalleries);
        var now = _time.GetUtcNow();
        return WriteAsync<IReadOnlyList<ServiceErasureReceipt>>(
            async (connection, transaction, sequence) =>
            {
                var gallery = await FindServiceGalleryAsync(connection, transaction, galleryName, ct);
                var expired = new List<ServicePerson>();
                await using (var command = connection.Command(transaction, $"SELECT {PersonColumns} FROM svc_people WHERE gallery_id = @g AND expires_at_ticks <= @now ORDER BY id"))
                {
                    command.Add("g", gallery.Id).Add("now", now.UtcTicks);
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        expired.Add(ReadPerson(reader));
                    }
                }

                var receipts = new List<ServiceErasureReceipt>(expired.Count);
                foreach (var person in expired)
                {
                    receipts.Add(await EraseAsync(connection, transaction, gallery, person, sequence, now, ct));
                }

                if (receipts.Count > 0)
                {
                    await TouchServiceGalleryAsync(connection, transaction, gallery.Id, sequence, ct);
                }

                return receipts;
            },
            ct);
    }

    private static async Task<ServiceErasureReceipt> EraseAsync(
        DbConnection connection, DbTransaction transaction, ServiceGallery gallery, ServicePerson person, long sequence, DateTimeOffset now, CancellationToken ct)
    {
        var counts = new int[3];
        var statements = (string[])[
            "DELETE FROM svc_templates WHERE person_id = @p",
            "UPDATE svc_ledger SET person_id = NULL WHERE person_id = @p",
            "DELETE FROM svc_people WHERE id = @p",
        ];
        for (var i = 0; i < statements.Length; i++)
        {
            await using var command = connection.Command(transaction, statements[i]);
            command.Add("p", person.Id);
            counts[i] = await command.ExecuteNonQueryAsync(ct);
        }

        var at = Ticks(now.UtcTicks);
        var canonical = string.Create(
            CultureInfo.InvariantCulture,
            $"argus.service-erasure.v1\ngallery={gallery.Name}\nperson={person.Id}\nref={person.ExternalRef}\ntemplates={counts[0]}\nledger_unlinked={counts[1]}\nat={at.UtcTicks}\nseq={sequence}");
        return new ServiceErasureReceipt(gallery.Name, person.Id, person.ExternalRef, counts[0], counts[1], at, canonical, Sha256Hex(canonical));
    }

    /// <summary>
    /// Charges a fare for a passage, at most once: the same gate and passage id returns the first charge, and so does
    /// another passage of the same person at the same gate within <see cref="FarePolicy.RepeatWindow"/>. The amount
    /// respects the daily cap. Writers are serialised by the store (SQLite's write lock, PostgreSQL's change-counter
    /// row lock), so two concurrent requests for one passage cannot both charge; the unique key is the backstop.
    /// </summary>
    public Task<LedgerOutcome> ChargeFareAsync(
        Principal actor, long galleryId, string gateId, string passageId, long personId, FarePolicy policy, CancellationToken ct = default)
    {
        ServiceAccess.Demand(actor, Capability.VerifyCustomers);
        ValidatePassage(gateId, passageId);
        var now = _time.GetUtcNow();
        return WriteAsync(
            async (connection, transaction, _) =>
            {
                var key = $"charge:{gateId}:{passageId}";
                if (await FindLedgerAsync(connection, transaction, "idempotency_key = @k", key, ct) is { } same)
                {
                    return new LedgerOutcome(same, true);
                }

                // The gate's index may predate an erasure or an expiry: the person must still be held, with consent.
                await using (var consent = connection.Command(transaction, "SELECT expires_at_ticks FROM svc_people WHERE id = @p AND gallery_id = @g"))
                {
                    consent.Add("p", personId).Add("g", galleryId);
                    var expires = await consent.ExecuteScalarAsync(ct);
                    if (expires is null or DBNull)
                    {
                        throw new ArgusException("service.person_not_found", $"Customer {personId} is not enrolled in this gallery (erased since the gate loaded its index?).");
                    }

                    if (Convert.ToInt64(expires) <= now.UtcTicks)
                    {
                        throw new ArgusException("consent.expired", $"The consent of customer {personId} has expired; no fare is charged by face.");
                    }
                }

                await using (var recent = connection.Command(
                    transaction,
                    $"""
                    SELECT {LedgerColumns} FROM svc_ledger
                    WHERE gallery_id = @g AND gate_id = @gate AND person_id = @p AND kind = 'charge' AND at_ticks >= @since
                    ORDER BY at_ticks DESC LIMIT 1
                    """))
                {
                    recent.Add("g", galleryId).Add("gate", gateId).Add("p", personId).Add("since", (now - policy.RepeatWindow).UtcTicks);
                    await using var reader = await recent.ExecuteReaderAsync(ct);
                    if (await reader.ReadAsync(ct))
                    {
                        return new LedgerOutcome(ReadLedger(reader), true);
                    }
                }

                var day = FarePolicy.FareDay(now);
                long spent;
                await using (var sum = connection.Command(
                    transaction, "SELECT COALESCE(SUM(amount_cents), 0) FROM svc_ledger WHERE person_id = @p AND fare_day = @d AND kind IN ('charge', 'refund')"))
                {
                    sum.Add("p", personId).Add("d", day);
                    spent = await sum.ScalarInt64Async(ct);
                }

                return new LedgerOutcome(
                    await InsertLedgerAsync(connection, transaction, galleryId, gateId, passageId, personId, LedgerKind.Charge, policy.Charge(spent), day, now, null, null, key, ct),
                    false);
            },
            ct);
    }

    /// <summary>Refunds one charge in full, once (a second refund of the same charge returns the first).</summary>
    public Task<LedgerOutcome> RefundAsync(Principal actor, long chargeId, string reason, CancellationToken ct = default)
    {
        ServiceAccess.Demand(actor, Capability.ManageServiceGalleries);
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgusException("ledger.reason_required", "A refund needs a reason.");
        }

        var now = _time.GetUtcNow();
        return WriteAsync(
            async (connection, transaction, _) =>
            {
                var key = $"refund:{chargeId}";
                if (await FindLedgerAsync(connection, transaction, "idempotency_key = @k", key, ct) is { } same)
                {
                    return new LedgerOutcome(same, true);
                }

                var charge = await FindLedgerAsync(connection, transaction, "id = @k", chargeId, ct);
                if (charge is not { Kind: LedgerKind.Charge })
                {
                    throw new ArgusException("ledger.not_found", $"There is no charge with id {chargeId}.");
                }

                return new LedgerOutcome(
                    await InsertLedgerAsync(
                        connection, transaction, charge.GalleryId, charge.GateId, charge.PassageId, charge.PersonId, LedgerKind.Refund, -charge.AmountCents,
                        charge.FareDay, now, charge.Id, reason, key, ct),
                    false);
            },
            ct);
    }

    /// <summary>Records a venue entry (amount 0), once per gate and passage: the only trace of a person let through.</summary>
    public Task<LedgerOutcome> RecordEntryAsync(Principal actor, long galleryId, string gateId, string passageId, long personId, CancellationToken ct = default)
    {
        ServiceAccess.Demand(actor, Capability.VerifyCustomers);
        ValidatePassage(gateId, passageId);
        var now = _time.GetUtcNow();
        return WriteAsync(
            async (connection, transaction, _) =>
            {
                var key = $"entry:{gateId}:{passageId}";
                if (await FindLedgerAsync(connection, transaction, "idempotency_key = @k", key, ct) is { } same)
                {
                    return new LedgerOutcome(same, true);
                }

                return new LedgerOutcome(
                    await InsertLedgerAsync(connection, transaction, galleryId, gateId, passageId, personId, LedgerKind.Entry, 0, FarePolicy.FareDay(now), now, null, null, key, ct),
                    false);
            },
            ct);
    }

    /// <summary>A gallery's ledger lines, oldest first (for reconciliation).</summary>
    public Task<IReadOnlyList<LedgerEntry>> ListLedgerAsync(Principal actor, long galleryId, CancellationToken ct = default)
    {
        ServiceAccess.Demand(actor, Capability.ManageServiceGalleries);
        return ReadAsync<IReadOnlyList<LedgerEntry>>(
            async (connection, transaction, ct) =>
            {
                await using var command = connection.Command(transaction, $"SELECT {LedgerColumns} FROM svc_ledger WHERE gallery_id = @g ORDER BY id");
                command.Add("g", galleryId);
                await using var reader = await command.ExecuteReaderAsync(ct);
                var list = new List<LedgerEntry>();
                while (await reader.ReadAsync(ct))
                {
                    list.Add(ReadLedger(reader));
                }

                return list;
            },
            ct);
    }

    private static void DemandAnyService(Principal actor)
    {
        if (actor.Can(Capability.VerifyCustomers))
        {
            ServiceAccess.Demand(actor, Capability.VerifyCustomers);
        }
        else
        {
            ServiceAccess.Demand(actor, Capability.ManageServiceGalleries);
        }
    }

    private static void ValidatePassage(string gateId, string passageId)
    {
        if (string.IsNullOrWhiteSpace(gateId) || gateId.Length > 100 || string.IsNullOrWhiteSpace(passageId) || passageId.Length > 200)
        {
            throw new ArgusException("gate.invalid_passage", "A gate id (1-100 characters) and a passage id (1-200 characters) are required.");
        }
    }

    private static async Task TouchServiceGalleryAsync(DbConnection connection, DbTransaction transaction, long galleryId, long sequence, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, "UPDATE svc_galleries SET change_seq = @s WHERE id = @g");
        command.Add("s", sequence).Add("g", galleryId);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<ServiceGallery> FindServiceGalleryAsync(DbConnection connection, DbTransaction transaction, string name, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, $"SELECT {ServiceGalleryColumns} FROM svc_galleries WHERE name = @n");
        command.Add("n", name);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? ReadServiceGallery(reader)
            : throw new ArgusException("gallery.not_found", $"There is no service gallery named '{name}'.");
    }

    private static async Task<ServicePerson> FindPersonAsync(DbConnection connection, DbTransaction transaction, ServiceGallery gallery, string externalRef, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, $"SELECT {PersonColumns} FROM svc_people WHERE gallery_id = @g AND external_ref = @r");
        command.Add("g", gallery.Id).Add("r", externalRef);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? ReadPerson(reader)
            : throw new ArgusException("service.person_not_found", $"No customer with reference '{externalRef}' is enrolled in service gallery '{gallery.Name}'.");
    }

    private static async Task<IReadOnlyList<ServiceTemplate>> QueryServiceTemplatesAsync(
        DbConnection connection, DbTransaction transaction, string where, long key, DateTimeOffset? unexpiredAt, CancellationToken ct)
    {
        await using var command = connection.Command(
            transaction,
            $"""
            SELECT t.id, t.person_id, p.external_ref, t.sealed_embedding, t.source_sha256, t.enrolled_at_ticks
            FROM svc_templates t JOIN svc_people p ON p.id = t.person_id
            WHERE {where}{(unexpiredAt is null ? "" : " AND p.expires_at_ticks > @now")}
            ORDER BY t.id
            """);
        command.Add("k", key);
        if (unexpiredAt is { } now)
        {
            command.Add("now", now.UtcTicks);
        }

        await using var reader = await command.ExecuteReaderAsync(ct);
        var list = new List<ServiceTemplate>();
        while (await reader.ReadAsync(ct))
        {
            list.Add(new ServiceTemplate(
                reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), (byte[])reader.GetValue(3), reader.GetString(4), Ticks(reader.GetInt64(5))));
        }

        return list;
    }

    private static async Task<LedgerEntry?> FindLedgerAsync(DbConnection connection, DbTransaction transaction, string where, object key, CancellationToken ct)
    {
        await using var command = connection.Command(transaction, $"SELECT {LedgerColumns} FROM svc_ledger WHERE {where}");
        command.Add("k", key);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadLedger(reader) : null;
    }

    private static async Task<LedgerEntry> InsertLedgerAsync(
        DbConnection connection, DbTransaction transaction, long galleryId, string gateId, string passageId, long? personId, LedgerKind kind,
        long amount, string day, DateTimeOffset now, long? refundOf, string? reason, string key, CancellationToken ct)
    {
        var at = Ticks(now.UtcTicks);
        var receipt = Sha256Hex(string.Create(
            CultureInfo.InvariantCulture,
            $"argus.ledger.v1\n{galleryId}\n{gateId}\n{passageId}\n{personId}\n{LedgerKindName(kind)}\n{amount}\n{day}\n{at.UtcTicks}\n{refundOf}\n{key}"));
        await using var command = connection.Command(
            transaction,
            """
            INSERT INTO svc_ledger (gallery_id, gate_id, passage_id, person_id, kind, amount_cents, fare_day, at_ticks, refund_of, reason, idempotency_key, receipt_sha256)
            VALUES (@g, @gate, @passage, @p, @kind, @amount, @day, @at, @refund, @reason, @key, @receipt)
            RETURNING id
            """);
        command.Add("g", galleryId).Add("gate", gateId).Add("passage", passageId).Add("p", personId).Add("kind", LedgerKindName(kind))
            .Add("amount", amount).Add("day", day).Add("at", at.UtcTicks).Add("refund", refundOf).Add("reason", reason).Add("key", key).Add("receipt", receipt);
        var id = await command.ScalarInt64Async(ct);
        return new LedgerEntry(id, galleryId, gateId, passageId, personId, kind, amount, day, at, refundOf, reason, receipt);
    }

    private static string LedgerKindName(LedgerKind kind) => kind.ToString().ToLowerInvariant();

    private static ServiceGallery ReadServiceGallery(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), ServiceKinds.Parse(r.GetString(2)), r.GetNullableString(3),
        new EmbeddingContract(r.GetString(4), r.GetString(5), r.GetInt32(6), r.GetInt32(7)), r.GetString(8), Ticks(r.GetInt64(9)));

    private static ServicePerson ReadPerson(DbDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.IsDBNull(3) ? null : (byte[])r.GetValue(3),
        new ConsentRecord(r.GetString(4), Ticks(r.GetInt64(5)), r.GetString(6), r.GetString(7), r.GetString(8)), Ticks(r.GetInt64(9)), Ticks(r.GetInt64(10)));

    private static LedgerEntry ReadLedger(DbDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetInt64(4),
        Enum.Parse<LedgerKind>(r.GetString(5), ignoreCase: true), r.GetInt64(6), r.GetString(7), Ticks(r.GetInt64(8)),
        r.IsDBNull(9) ? null : r.GetInt64(9), r.GetNullableString(10), r.GetString(11));

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
