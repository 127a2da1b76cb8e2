using System.Text.Json.Nodes;
using Argus.Core;

namespace Argus.Storage.Tests;

/// <summary>The repository contract, run once per provider by the concrete subclasses.</summary>
public abstract partial class StoreContractTests : IAsyncLifetime
{
    /// <summary>The clock of the stores this test opens (audit group windows are tested by advancing it).</summary>
    protected Microsoft.Extensions.Time.Testing.FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    /// <summary>Opens (and migrates) a store on this test's own database; a second call opens the same database again.</summary>
    protected abstract Task<ArgusStore> OpenStoreAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Migrations_are_idempotent_and_recorded_once()
    {
        await using (var first = await OpenStoreAsync())
        {
            Assert.Equal(ArgusStore.LatestSchemaVersion, await first.GetSchemaVersionAsync());
            Assert.Empty(await first.MigrateAsync());
            Assert.Empty(await first.MigrateAsync());
        }

        await using var again = await OpenStoreAsync();
        Assert.Equal(ArgusStore.LatestSchemaVersion, await again.GetSchemaVersionAsync());
        Assert.Empty(await again.MigrateAsync());
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Concurrent_opens_migrate_once()
    {
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => OpenStoreAsync()));
        try
        {
            foreach (var store in stores)
            {
                Assert.Equal(ArgusStore.LatestSchemaVersion, await store.GetSchemaVersionAsync());
            }

            var gallery = await stores[0].CreateGalleryAsync("g", TestData.Contract);
            Assert.NotNull(await stores[3].GetGalleryAsync(gallery.Id));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Galleries_are_created_listed_found_and_deleted()
    {
        await using var store = await OpenStoreAsync();
        var b = await store.CreateGalleryAsync("watch-b", TestData.Contract, "second");
        var a = await store.CreateGalleryAsync("watch-a", TestData.Wide);

        Assert.Equal(["watch-a", "watch-b"], (await store.ListGalleriesAsync()).Select(g => g.Name));
        var found = await store.GetGalleryAsync("watch-b");
        Assert.NotNull(found);
        Assert.Equal(b.Id, found.Id);
        Assert.Equal("second", found.Description);
        Assert.Equal(TestData.Contract, found.Contract);
        Assert.Equal(16, (await store.GetGalleryAsync(a.Id))!.Dimension);

        Assert.Equal("gallery.exists", (await Assert.ThrowsAsync<ArgusException>(() => store.CreateGalleryAsync("watch-a", TestData.Contract))).Code);
        Assert.Equal("gallery.invalid_name", (await Assert.ThrowsAsync<ArgusException>(() => store.CreateGalleryAsync("bad name", TestData.Contract))).Code);

        Assert.Equal(0, await store.DeleteGalleryAsync(a.Id));
        Assert.Null(await store.GetGalleryAsync(a.Id));
        Assert.Equal("gallery.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.DeleteGalleryAsync(a.Id))).Code);
        Assert.Null(await store.GetGalleryAsync("nope"));
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Non_empty_gallery_is_kept_unless_forced()
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.CreateGalleryAsync("g", TestData.Contract);
        var subject = await store.CreateSubjectAsync(new NewSubject("Ann"));
        var id = await store.AddTemplateAsync(gallery.Id, TestData.Template(subject.Id, 1) with { FaceCropPng = TestData.Png });

        var refused = await Assert.ThrowsAsync<ArgusException>(() => store.DeleteGalleryAsync(gallery.Id));
        Assert.Equal("gallery.not_empty", refused.Code);
        Assert.NotNull(await store.GetTemplateAsync(id));

        Assert.Equal(1, await store.DeleteGalleryAsync(gallery.Id, force: true));
        Assert.Null(await store.GetGalleryAsync(gallery.Id));
        Assert.Null(await store.GetTemplateAsync(id));
        Assert.Null(await store.GetFaceCropAsync(id));
        Assert.NotNull(await store.GetSubjectAsync(subject.Id));
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Subjects_round_trip_and_are_found_by_external_reference()
    {
        await using var store = await OpenStoreAsync();
        var attributes = new JsonObject { ["case"] = "C-17", ["tags"] = new JsonArray("a", "b") };
        var created = await store.CreateSubjectAsync(new NewSubject("Ann Example", new DateOnly(1990, 4, 2), attributes, "crm:42"));
        await store.CreateSubjectAsync(new NewSubject("Bob"));

        var read = await store.GetSubjectAsync(created.Id);
        Assert.NotNull(read);
        Assert.Equal("Ann Example", read.DisplayName);
        Assert.Equal(new DateOnly(1990, 4, 2), read.DateOfBirth);
        Assert.Equal("C-17", (string?)read.Attributes!["case"]);
        Assert.Equal(2, read.Attributes["tags"]!.AsArray().Count);
        Assert.Equal("crm:42", read.ExternalReference);
        Assert.Equal(created.CreatedAt.ToUnixTimeMilliseconds(), read.CreatedAt.ToUnixTimeMilliseconds());

        var found = await store.FindSubjectsByExternalReferenceAsync("crm:42");
        Assert.Equal(created.Id, Assert.Single(found).Id);
        Assert.Empty(await store.FindSubjectsByExternalReferenceAsync("crm:43"));
        Assert.Null(await store.GetSubjectAsync(created.Id + 1000));
        Assert.Equal("subject.invalid_name", (await Assert.ThrowsAsync<ArgusException>(() => store.CreateSubjectAsync(new NewSubject(" ")))).Code);

        var updated = await store.UpdateSubjectAsync(created.Id, new NewSubject("Ann Other", ExternalReference: "crm:44"));
        Assert.Equal("Ann Other", updated.DisplayName);
        Assert.Null(updated.DateOfBirth);
        Assert.Null(updated.Attributes);
        Assert.Equal("crm:44", updated.ExternalReference);
        Assert.True(updated.UpdatedAt >= created.UpdatedAt);
        Assert.Equal(created.CreatedAt.ToUnixTimeMilliseconds(), updated.CreatedAt.ToUnixTimeMilliseconds());
        Assert.Equal(updated.Id, Assert.Single(await store.FindSubjectsByExternalReferenceAsync("crm:44")).Id);
        Assert.Equal("subject.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.UpdateSubjectAsync(created.Id + 1000, new NewSubject("X")))).Code);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Templates_are_added_singly_and_in_bulk_and_listed_per_subject()
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.CreateGalleryAsync("g", TestData.Contract);
        var ann = await store.CreateSubjectAsync(new NewSubject("Ann"));
        var bob = await store.CreateSubjectAsync(new NewSubject("Bob"));

        var raw = TestData.Vector(1).Select(x => x * 4).ToArray(); // not normalised: the store normalises and keeps the norm
        var single = await store.AddTemplateAsync(
            gallery.Id,
            new NewTemplate(ann.Id, raw, TestData.Contract, TestData.Sha("img-1").ToUpperInvariant(), "clerk-7") { Quality = 0.8f, FaceCropPng = TestData.Png });
        var bulk = await store.AddTemplatesAsync(gallery.Id, [TestData.Template(ann.Id, 2), TestData.Template(bob.Id, 3), TestData.Template(ann.Id, 4)]);
        Assert.Equal(3, bulk.Count);
        Assert.True(bulk[0] > single && bulk[1] > bulk[0] && bulk[2] > bulk[1]);

        var templates = await store.ListTemplatesAsync(ann.Id);
        Assert.Equal([single, bulk[0], bulk[2]], templates.Select(t => t.Id));
        var first = templates[0];
        TestData.AssertClose(TestData.Vector(1), first.Vector);
        Assert.Equal(4f, first.RawNorm, 4);
        Assert.Equal(0.8f, first.Quality);
        Assert.Equal(TestData.Sha("img-1"), first.SourceSha256);
        Assert.Equal("clerk-7", first.EnrolledBy);
        Assert.Equal(gallery.Id, first.GalleryId);
        Assert.True(first.HasFaceCrop);
        Assert.Equal(TestData.Png, await store.GetFaceCropAsync(single));

        Assert.False(templates[1].HasFaceCrop);
        Assert.Null(templates[1].Quality);
        Assert.Null(await store.GetFaceCropAsync(bulk[0]));
        Assert.Equal(4, (await store.GetGalleryAsync(gallery.Id))!.TemplateCount);
        Assert.Equal("subject.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.ListTemplatesAsync(9999))).Code);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Erasure_removes_everything_of_the_subject_and_returns_a_receipt()
    {
        await using var store = await OpenStoreAsync();
        var g1 = await store.CreateGalleryAsync("g1", TestData.Contract);
        var g2 = await store.CreateGalleryAsync("g2", TestData.Contract);
        var ann = await store.CreateSubjectAsync(new NewSubject("Ann", Attributes: new JsonObject { ["x"] = 1 }));
        var bob = await store.CreateSubjectAsync(new NewSubject("Bob"));
        var a1 = await store.AddTemplatesAsync(g1.Id, [TestData.Template(ann.Id, 1) with { FaceCropPng = TestData.Png }, TestData.Template(ann.Id, 2)]);
        var a2 = await store.AddTemplateAsync(g2.Id, TestData.Template(ann.Id, 3) with { FaceCropPng = TestData.Png });
        var b1 = await store.AddTemplateAsync(g1.Id, TestData.Template(bob.Id, 4));
        var before = await store.GetFingerprintAsync(g1.Id);

        var receipt = await store.DeleteSubjectAsync(ann.Id);

        Assert.Equal(ann.Id, receipt.SubjectId);
        Assert.Equal(3, receipt.TemplatesRemoved);
        Assert.Equal(2, receipt.FaceCropsRemoved);
        Assert.Equal([a1[0], a1[1], a2], receipt.RemovedTemplateIds);
        Assert.Equal([g1.Id, g2.Id], receipt.GalleryIds);
        Assert.Matches("^[0-9a-f]{64}$", receipt.ReceiptSha256);
        Assert.Contains($"subject:{ann.Id}\n", receipt.CanonicalText);
        Assert.Equal(receipt.ReceiptSha256, TestData.Sha(receipt.CanonicalText));

        Assert.Null(await store.GetSubjectAsync(ann.Id));
        foreach (var id in receipt.RemovedTemplateIds)
        {
            Assert.Null(await store.GetTemplateAsync(id));
            Assert.Null(await store.GetFaceCropAsync(id));
        }

        Assert.Equal([b1], await StreamIdsAsync(store, g1.Id));
        Assert.Empty(await StreamIdsAsync(store, g2.Id));
        var after = await store.GetFingerprintAsync(g1.Id);
        Assert.Equal(1, after.TemplateCount);
        Assert.True(after.ChangeSequence > before.ChangeSequence);
        Assert.Equal(0, (await store.GetFingerprintAsync(g2.Id)).TemplateCount);
        Assert.Equal("subject.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.DeleteSubjectAsync(ann.Id))).Code);
        Assert.Single(await store.ListTemplatesAsync(bob.Id));
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Templates_of_another_contract_or_dimension_are_refused()
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.CreateGalleryAsync("g", TestData.Contract);
        var ann = await store.CreateSubjectAsync(new NewSubject("Ann"));

        var contract = await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplateAsync(gallery.Id, TestData.Template(ann.Id, 1, TestData.OtherModel)));
        Assert.Equal("template.contract_mismatch", contract.Code);
        var preprocessing = TestData.Contract with { PreprocessingVersion = 2 };
        Assert.Equal("template.contract_mismatch", (await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplateAsync(gallery.Id, TestData.Template(ann.Id, 1, preprocessing)))).Code);
        var dimension = await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplateAsync(gallery.Id, TestData.Template(ann.Id, 1, TestData.Wide)));
        Assert.Equal("template.dimension_mismatch", dimension.Code);
        var shortVector = new NewTemplate(ann.Id, new float[] { 1, 0, 0 }, TestData.Contract, TestData.Sha("x"), "clerk");
        Assert.Equal("template.dimension_mismatch", (await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplateAsync(gallery.Id, shortVector))).Code);

        Assert.Equal(0, (await store.GetFingerprintAsync(gallery.Id)).TemplateCount);
    }

    [SkippableTheory]
    [Trait("Category", "Integration")]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(0f)]
    public async Task Invalid_vectors_are_refused(float value)
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.CreateGalleryAsync("g", TestData.Contract);
        var ann = await store.CreateSubjectAsync(new NewSubject("Ann"));
        var vector = value == 0 ? new float[8] : TestData.Vector(1);
        vector[3] = value;

        var e = await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplatesAsync(
            gallery.Id, [TestData.Template(ann.Id, 2), new NewTemplate(ann.Id, vector, TestData.Contract, TestData.Sha("x"), "clerk")]));
        Assert.Equal("template.invalid_vector", e.Code);
        Assert.Empty(await store.ListTemplatesAsync(ann.Id));
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Duplicate_source_image_is_refused_and_the_whole_batch_rolls_back()
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.CreateGalleryAsync("g", TestData.Contract);
        var other = await store.CreateGalleryAsync("other", TestData.Contract);
        var ann = await store.CreateSubjectAsync(new NewSubject("Ann"));
        var bob = await store.CreateSubjectAsync(new NewSubject("Bob"));
        await store.AddTemplateAsync(gallery.Id, TestData.Template(ann.Id, 1, source: "photo"));
        var before = await store.GetFingerprintAsync();

        var again = await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplateAsync(gallery.Id, TestData.Template(ann.Id, 2, source: "photo")));
        Assert.Equal("template.duplicate", again.Code);
        var inBatch = await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplatesAsync(
            gallery.Id, [TestData.Template(ann.Id, 3, source: "new"), TestData.Template(ann.Id, 4, source: "photo")]));
        Assert.Equal("template.duplicate", inBatch.Code);
        var withinBatch = await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplatesAsync(
            gallery.Id, [TestData.Template(bob.Id, 5, source: "same"), TestData.Template(bob.Id, 6, source: "same")]));
        Assert.Equal("template.duplicate", withinBatch.Code);
        Assert.Equal(before.TemplateCount, (await store.GetFingerprintAsync()).TemplateCount);
        Assert.Single(await store.ListTemplatesAsync(ann.Id));
        Assert.Empty(await store.ListTemplatesAsync(bob.Id));

        // The same image is fine for another subject or another gallery.
        await store.AddTemplateAsync(gallery.Id, TestData.Template(bob.Id, 7, source: "photo"));
        await store.AddTemplateAsync(other.Id, TestData.Template(ann.Id, 8, source: "photo"));
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Unknown_gallery_or_subject_is_refused_and_nothing_is_written()
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.CreateGalleryAsync("g", TestData.Contract);
        var ann = await store.CreateSubjectAsync(new NewSubject("Ann"));

        Assert.Equal("gallery.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplateAsync(gallery.Id + 100, TestData.Template(ann.Id, 1)))).Code);
        var subject = await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplatesAsync(
            gallery.Id, [TestData.Template(ann.Id, 1), TestData.Template(ann.Id + 100, 2)]));
        Assert.Equal("subject.not_found", subject.Code);
        Assert.Empty(await store.ListTemplatesAsync(ann.Id));
        Assert.Equal("gallery.not_found", (await Assert.ThrowsAsync<ArgusException>(() => store.GetFingerprintAsync(gallery.Id + 100))).Code);
        Assert.Equal("gallery.not_found", (await Assert.ThrowsAsync<ArgusException>(() => StreamIdsAsync(store, gallery.Id + 100))).Code);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Malformed_hash_enroller_or_crop_is_refused()
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.CreateGalleryAsync("g", TestData.Contract);
        var ann = await store.CreateSubjectAsync(new NewSubject("Ann"));
        var template = TestData.Template(ann.Id, 1);

        Assert.Equal("template.invalid_source_hash", (await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplateAsync(gallery.Id, template with { SourceSha256 = "abc" }))).Code);
        Assert.Equal("template.invalid_enrolled_by", (await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplateAsync(gallery.Id, template with { EnrolledBy = "" }))).Code);
        Assert.Equal("template.invalid_crop", (await Assert.ThrowsAsync<ArgusException>(() => store.AddTemplateAsync(gallery.Id, template with { FaceCropPng = new byte[] { 1, 2, 3 } }))).Code);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Fingerprints_change_on_every_add_and_delete()
    {
        await using var store = await OpenStoreAsync();
        var g1 = await store.CreateGalleryAsync("g1", TestData.Contract);
        var g2 = await store.CreateGalleryAsync("g2", TestData.Contract);
        var ann = await store.CreateSubjectAsync(new NewSubject("Ann"));
        var bob = await store.CreateSubjectAsync(new NewSubject("Bob"));

        var empty = await store.GetFingerprintAsync(g1.Id);
        Assert.Equal(0, empty.TemplateCount);
        Assert.Equal(0, empty.MaxTemplateId);

        var ids = await store.AddTemplatesAsync(g1.Id, [TestData.Template(ann.Id, 1), TestData.Template(ann.Id, 2)]);
        var added = await store.GetFingerprintAsync(g1.Id);
        Assert.Equal(new StoreFingerprint(2, added.ChangeSequence, ids[1]), added);
        Assert.True(added.ChangeSequence > empty.ChangeSequence);

        var g2Before = await store.GetFingerprintAsync(g2.Id);
        var bobId = await store.AddTemplateAsync(g2.Id, TestData.Template(bob.Id, 3));
        Assert.Equal(added, await store.GetFingerprintAsync(g1.Id)); // another gallery's write leaves g1 alone
        Assert.NotEqual(g2Before, await store.GetFingerprintAsync(g2.Id));

        var overall = await store.GetFingerprintAsync();
        Assert.Equal(3, overall.TemplateCount);
        Assert.Equal(bobId, overall.MaxTemplateId);

        await store.DeleteSubjectAsync(ann.Id);
        var deleted = await store.GetFingerprintAsync(g1.Id);
        Assert.Equal(0, deleted.TemplateCount);
        Assert.True(deleted.ChangeSequence > added.ChangeSequence);
        var overallAfter = await store.GetFingerprintAsync();
        Assert.Equal(1, overallAfter.TemplateCount);
        Assert.True(overallAfter.ChangeSequence > overall.ChangeSequence);

        // A read changes nothing.
        Assert.Equal(overallAfter, await store.GetFingerprintAsync());
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Stream_returns_one_gallery_in_id_order_in_batches_with_its_snapshot()
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.CreateGalleryAsync("g", TestData.Contract);
        var other = await store.CreateGalleryAsync("other", TestData.Contract);
        var subjects = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            subjects.Add((await store.CreateSubjectAsync(new NewSubject($"S{i}"))).Id);
        }

        var expected = new List<(long Id, long Subject, int Seed)>();
        for (var seed = 0; seed < 25; seed++)
        {
            var subject = subjects[seed % 3];
            var target = seed % 5 == 4 ? other.Id : gallery.Id;
            var id = await store.AddTemplateAsync(target, TestData.Template(subject, seed));
            if (target == gallery.Id)
            {
                expected.Add((id, subject, seed));
            }
        }

        var fingerprint = await store.GetFingerprintAsync(gallery.Id);
        var seen = new List<long>();
        var batches = 0;
        await foreach (var batch in store.StreamTemplatesAsync(gallery.Id, batchSize: 7))
        {
            batches++;
            Assert.Equal(fingerprint, batch.Snapshot);
            Assert.Equal(8, batch.Dimension);
            for (var i = 0; i < batch.Count; i++)
            {
                var e = expected[seen.Count];
                Assert.Equal(e.Id, batch.TemplateIds[i]);
                Assert.Equal(e.Subject, batch.SubjectIds[i]);
                TestData.AssertClose(TestData.Vector(e.Seed), batch.Vector(i));
                seen.Add(batch.TemplateIds[i]);
            }
        }

        Assert.Equal(expected.Select(e => e.Id), seen);
        Assert.Equal(3, batches); // 20 templates in batches of 7
        Assert.Equal(20, fingerprint.TemplateCount);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Concurrent_writers_in_one_process_all_succeed_with_unique_increasing_ids()
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.CreateGalleryAsync("g", TestData.Contract);
        var ann = await store.CreateSubjectAsync(new NewSubject("Ann"));

        var writers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            var ids = new List<long>();
            for (var i = 0; i < 10; i++)
            {
                ids.AddRange(await store.AddTemplatesAsync(gallery.Id, [TestData.Template(ann.Id, w * 1000 + i * 2), TestData.Template(ann.Id, w * 1000 + i * 2 + 1)]));
            }

            return ids;
        }));
        var all = (await Task.WhenAll(writers)).SelectMany(ids => ids).ToList();

        Assert.Equal(120, all.Distinct().Count());
        var fingerprint = await store.GetFingerprintAsync(gallery.Id);
        Assert.Equal(120, fingerprint.TemplateCount);
        Assert.Equal(all.Max(), fingerprint.MaxTemplateId);
        Assert.Equal(all.Order(), await StreamIdsAsync(store, gallery.Id));
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Stream_after_a_snapshot_returns_only_what_was_added_since()
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.CreateGalleryAsync("g", TestData.Contract);
        var ann = await store.CreateSubjectAsync(new NewSubject("Ann"));
        await store.AddTemplatesAsync(gallery.Id, [TestData.Template(ann.Id, 1), TestData.Template(ann.Id, 2)]);
        var snapshot = await store.GetFingerprintAsync(gallery.Id);
        var added = await store.AddTemplatesAsync(gallery.Id, [TestData.Template(ann.Id, 3), TestData.Template(ann.Id, 4)]);

        var ids = new List<long>();
        await foreach (var batch in store.StreamTemplatesAsync(gallery.Id, afterTemplateId: snapshot.MaxTemplateId))
        {
            ids.AddRange(batch.TemplateIds.AsSpan(0, batch.Count));
        }

        Assert.Equal(added, ids);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Integrity_check_finds_nothing_wrong_after_adds_and_erasures()
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.CreateGalleryAsync("g", TestData.Contract);
        var ann = await store.CreateSubjectAsync(new NewSubject("Ann"));
        var bob = await store.CreateSubjectAsync(new NewSubject("Bob"));
        await store.AddTemplatesAsync(gallery.Id, [TestData.Template(ann.Id, 1), TestData.Template(bob.Id, 2) with { FaceCropPng = TestData.Png }]);
        await store.DeleteSubjectAsync(bob.Id);

        Assert.Empty(await store.CheckIntegrityAsync());
    }

    protected static async Task<List<long>> StreamIdsAsync(ArgusStore store, long galleryId)
    {
        var ids = new List<long>();
        await foreach (var batch in store.StreamTemplatesAsync(galleryId))
        {
            ids.AddRange(batch.TemplateIds.AsSpan(0, batch.Count));
        }

        return ids;
    }
}
