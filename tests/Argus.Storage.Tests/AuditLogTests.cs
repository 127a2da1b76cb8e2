using Argus.Core;
using Argus.Core.Audit;
using Argus.Tests;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Argus.Storage.Tests;

/// <summary>
/// The audit log in a real database, tampered with directly in SQL the way an insider with database access could:
/// every kind of tampering is found and the first bad record named. Run once per provider.
/// </summary>
public abstract class AuditLogTests : IAsyncLifetime
{
    private static readonly AuditChain Chain = new(Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray());

    protected abstract Task<ArgusStore> OpenStoreAsync();

    /// <summary>Runs SQL on the store's database behind Argus's back.</summary>
    protected abstract Task ExecuteAsync(string sql);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Appended_records_read_back_and_verify()
    {
        await using var store = await Seeded(6);
        var records = await Read(store);
        Assert.Equal([1L, 2, 3, 4, 5, 6], records.Select(r => r.Sequence));
        Assert.Equal("search.performed", records[2].Action);
        var result = Chain.Verify(records, (6, records[^1].Hash));
        Assert.True(result.Intact, result.ToString());
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task An_edited_record_is_found()
    {
        await using var store = await Seeded(6);
        await ExecuteAsync("UPDATE audit_log SET details = '{\"candidates\":0}' WHERE seq = 3");
        AssertBroken(await Read(store), 3, "edited");
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_deleted_record_is_found()
    {
        await using var store = await Seeded(6);
        await ExecuteAsync("DELETE FROM audit_log WHERE seq = 4");
        AssertBroken(await Read(store), 5, "deleted");
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task An_inserted_record_is_found()
    {
        await using var store = await Seeded(6);
        await ExecuteAsync(
            $"INSERT INTO audit_log (seq, occurred_at_ticks, actor, action, target, outcome, details, prev_hash, hash) " +
            $"SELECT 7, occurred_at_ticks, 'alice', 'export.audit', '', 'ok', '', hash, '{new string('e', 64)}' FROM audit_log WHERE seq = 6");
        AssertBroken(await Read(store), 7, "edited");
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Reordered_records_are_found()
    {
        // Swap the contents of records 2 and 3 (a database has no order but its keys).
        await using var store = await Seeded(6);
        await ExecuteAsync("UPDATE audit_log SET seq = 100 WHERE seq = 2");
        await ExecuteAsync("UPDATE audit_log SET seq = 2 WHERE seq = 3");
        await ExecuteAsync("UPDATE audit_log SET seq = 3 WHERE seq = 100");
        var result = Chain.Verify(await Read(store));
        Assert.False(result.Intact);
        Assert.Equal(2, result.FirstBreak!.Sequence);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Records_cut_from_the_end_are_found_against_the_recorded_head()
    {
        await using var store = await Seeded(6);
        var head = (await Read(store))[^1];
        await ExecuteAsync("DELETE FROM audit_log WHERE seq >= 5");
        var result = Chain.Verify(await Read(store), (head.Sequence, head.Hash));
        Assert.False(result.Intact);
        Assert.Contains("at the end", result.FirstBreak!.Reason, StringComparison.Ordinal);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Concurrent_appends_get_consecutive_sequence_numbers()
    {
        await using var store = await OpenStoreAsync();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => store.AppendAuditAsync(Chain, AuditEvent.Ok($"u{i % 3}", "login", ""))));
        var records = await Read(store);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), records.Select(r => r.Sequence));
        Assert.True(Chain.Verify(records).Intact);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task An_audited_write_commits_the_change_and_its_record_together()
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.WithAudit<Gallery>(Chain, g => AuditEvent.Ok("clerk", "gallery.created", $"gallery:{g.Id}")).CreateGalleryAsync("g", TestData.Wide);
        var enrolled = await store.WithAudit<SubjectEnrolment>(Chain, e => AuditEvent.Ok("clerk", "template.enrolled", $"subject:{e.Subject.Id}", AuditDetails.Of(("template_ids", Ids(e.TemplateIds)))))
            .EnrolNewSubjectAsync(gallery.Id, new NewSubject("Ann"), [TestData.Template(0, 1, TestData.Wide), TestData.Template(0, 2, TestData.Wide)]);

        var records = await Read(store);
        Assert.Equal([$"gallery:{gallery.Id}", $"subject:{enrolled.Subject.Id}"], records.Select(r => r.Target));
        Assert.Contains($"{enrolled.TemplateIds[1]}", records[1].Details, StringComparison.Ordinal);
        Assert.Equal(2, (await store.ListTemplatesAsync(enrolled.Subject.Id)).Count);
        Assert.True(Chain.Verify(records).Intact);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_fault_before_the_record_is_appended_leaves_neither_the_change_nor_the_record()
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.CreateGalleryAsync("g", TestData.Wide);

        // The record's factory runs inside the transaction, after the change: its failure is a fault before commit.
        var fault = await Assert.ThrowsAsync<InvalidOperationException>(() => store
            .WithAudit(Chain, new Func<SubjectEnrolment, AuditEvent>(_ => throw new InvalidOperationException("injected fault")))
            .EnrolNewSubjectAsync(gallery.Id, new NewSubject("Ann", ExternalReference: "ann-1"), [TestData.Template(0, 1, TestData.Wide)]));
        Assert.Equal("injected fault", fault.Message);

        Assert.Empty(await store.FindSubjectsByExternalReferenceAsync("ann-1"));
        Assert.Equal(0, (await store.GetGalleryAsync(gallery.Id))!.TemplateCount);
        Assert.Empty(await Read(store));
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_fault_after_the_record_is_appended_and_before_commit_leaves_neither()
    {
        await using var store = await OpenStoreAsync();
        await store.AppendAuditAsync(Chain, AuditEvent.Ok("admin", "login", "user:admin"));

        // The first record is inserted in the transaction, then the fault: both the change and that record roll back.
        static IEnumerable<AuditEvent> FirstThenFault(Gallery g)
        {
            yield return AuditEvent.Ok("clerk", "gallery.created", $"gallery:{g.Id}");
            throw new InvalidOperationException("injected fault");
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.WithAudit<Gallery>(Chain, FirstThenFault).CreateGalleryAsync("g", TestData.Wide));
        Assert.Null(await store.GetGalleryAsync("g"));
        var records = await Read(store);
        Assert.Equal(["login"], records.Select(r => r.Action));

        // The chain goes on from the last committed record, with no gap.
        await store.WithAudit(Chain, AuditEvent.Ok("clerk", "gallery.created", "gallery:g")).CreateGalleryAsync("g", TestData.Wide);
        records = await Read(store);
        Assert.Equal([1L, 2], records.Select(r => r.Sequence));
        Assert.True(Chain.Verify(records).Intact);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_refused_change_leaves_no_record()
    {
        await using var store = await OpenStoreAsync();
        var refused = await Assert.ThrowsAsync<ArgusException>(() => store
            .WithAudit<IReadOnlyList<long>>(Chain, ids => AuditEvent.Ok("clerk", "template.enrolled", "subject:1"))
            .AddTemplatesAsync(999, [TestData.Template(1, 1, TestData.Wide)]));
        Assert.Equal("gallery.not_found", refused.Code);
        Assert.Empty(await Read(store));
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task An_audited_view_makes_one_write_and_checks_the_result_type()
    {
        await using var store = await OpenStoreAsync();
        var view = store.WithAudit(Chain, AuditEvent.Ok("clerk", "subject.created", "subject"));
        await view.CreateSubjectAsync(new NewSubject("Ann"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => view.CreateSubjectAsync(new NewSubject("Bob")));

        var mismatch = await Assert.ThrowsAsync<InvalidOperationException>(() => store
            .WithAudit<Gallery>(Chain, g => AuditEvent.Ok("clerk", "subject.created", $"gallery:{g.Id}"))
            .CreateSubjectAsync(new NewSubject("Cy")));
        Assert.Contains("Gallery", mismatch.Message, StringComparison.Ordinal);

        // Disposing a view leaves the store open.
        await view.DisposeAsync();
        Assert.Single(await Read(store));
        Assert.Empty(await store.FindSubjectsByExternalReferenceAsync("none"));
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Concurrent_audited_writes_keep_the_chain_gap_free_and_each_change_has_its_record()
    {
        await using var store = await OpenStoreAsync();
        var gallery = await store.CreateGalleryAsync("g", TestData.Wide);
        const int writers = 8, each = 5;
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
            {
                var seed = (w * each) + i;
                if (i % 2 == 0)
                {
                    await store.WithAudit<SubjectEnrolment>(Chain, e => AuditEvent.Ok($"clerk{w}", "template.enrolled", $"subject:{e.Subject.Id}", AuditDetails.Of(("template_ids", Ids(e.TemplateIds)))))
                        .EnrolNewSubjectAsync(gallery.Id, new NewSubject($"P{seed}", ExternalReference: $"p-{seed}"), [TestData.Template(0, seed, TestData.Wide, $"img-{seed}")]);
                }
                else
                {
                    await store.AppendAuditAsync(Chain, AuditEvent.Ok($"clerk{w}", "gallery.get", $"gallery:{gallery.Id}"));
                }
            }
        }));
        await Task.WhenAll(tasks);

        var records = await Read(store);
        Assert.Equal(Enumerable.Range(1, writers * each).Select(i => (long)i), records.Select(r => r.Sequence));
        Assert.True(Chain.Verify(records).Intact);
        var enrolments = records.Where(r => r.Action == "template.enrolled").ToList();
        Assert.Equal(writers * ((each + 1) / 2), enrolments.Count);
        foreach (var r in enrolments)
        {
            var subject = await store.GetSubjectAsync(long.Parse(r.Target["subject:".Length..], System.Globalization.CultureInfo.InvariantCulture));
            Assert.NotNull(subject);
        }

        Assert.Equal(enrolments.Count, (await store.GetGalleryAsync(gallery.Id))!.TemplateCount);
    }

    private async Task<ArgusStore> Seeded(int count)
    {
        var store = await OpenStoreAsync();
        for (var i = 0; i < count; i++)
        {
            await store.AppendAuditAsync(Chain, AuditEvent.Ok($"user{i % 2}", i == 2 ? "search.performed" : "login", $"gallery:{i}", AuditDetails.Of(("candidates", i))));
        }

        return store;
    }

    private static IEnumerable<string> Ids(IReadOnlyList<long> ids) => ids.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static async Task<List<AuditRecord>> Read(ArgusStore store)
    {
        var list = new List<AuditRecord>();
        await foreach (var r in store.ReadAuditAsync())
        {
            list.Add(r);
        }

        return list;
    }

    private static void AssertBroken(List<AuditRecord> records, long sequence, string reason)
    {
        var result = Chain.Verify(records);
        Assert.False(result.Intact);
        Assert.Equal(sequence, result.FirstBreak!.Sequence);
        Assert.Contains(reason, result.FirstBreak.Reason, StringComparison.Ordinal);
    }
}

public sealed class SqliteAuditLogTests : AuditLogTests
{
    private readonly TempDirectory _directory = TestPaths.TempDirectory();

    protected override Task<ArgusStore> OpenStoreAsync() => ArgusStore.OpenAsync(StorageOptions.Sqlite(_directory.File("argus.db")));

    protected override async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_directory.File("argus.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = new SqliteCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public override Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class PostgresAuditLogTests : AuditLogTests
{
    private readonly string _schema = "argus_audit_" + Guid.NewGuid().ToString("N")[..16];

    protected override Task<ArgusStore> OpenStoreAsync() =>
        ArgusStore.OpenAsync(StorageOptions.Postgres(PostgresStoreTests.RequireConnectionString(), _schema));

    protected override async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresStoreTests.RequireConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SET search_path TO \"{_schema}\"; {sql}", connection);
        await command.ExecuteNonQueryAsync();
    }

    public override Task DisposeAsync() => PostgresStoreTests.DropSchemaAsync(_schema);
}
