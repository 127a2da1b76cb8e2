using System.Diagnostics;
using System.Globalization;
using Argus.Core.Audit;
using Argus.Tests;
using Microsoft.Data.Sqlite;

namespace Argus.Storage.Tests;

public sealed class DurabilityTests
{
    [Fact]
    [Trait("Category", "Integration")]
    public async Task Every_acknowledged_template_survives_kill_9_during_bulk_enrolment()
    {
        using var directory = TestPaths.TempDirectory();
        var path = directory.File("argus.db");
        await KillDuringEnrolmentAndVerifyAsync(StorageOptions.Sqlite(path), ["sqlite", path]);
    }

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Every_acknowledged_template_survives_kill_9_during_bulk_enrolment_on_postgres()
    {
        var connectionString = PostgresStoreTests.RequireConnectionString();
        var schema = "argus_crash_" + Guid.NewGuid().ToString("N")[..16];
        try
        {
            // The child reads the connection string from ARGUS_TEST_POSTGRES, which it inherits.
            await KillDuringEnrolmentAndVerifyAsync(StorageOptions.Postgres(connectionString, schema), ["postgres", schema]);
        }
        finally
        {
            await using var connection = new Npgsql.NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task KillDuringEnrolmentAndVerifyAsync(StorageOptions options, string[] storeArgs)
    {
        long galleryId, subjectId;
        await using (var store = await ArgusStore.OpenAsync(options))
        {
            galleryId = (await store.CreateGalleryAsync("crash", TestData.Wide)).Id;
            subjectId = (await store.CreateSubjectAsync(new NewSubject("Crash Test"))).Id;
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["exec", typeof(CrashChild).Assembly.Location, "--crash-child", .. storeArgs, $"{galleryId}", $"{subjectId}"])
        {
            start.ArgumentList.Add(arg);
        }

        // Output is collected by the Process class's own reader threads, so the pipe never fills whatever the test does.
        var lines = new List<string>();
        var errors = new System.Text.StringBuilder();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var child = new Process { StartInfo = start };
        child.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
                if (lines.Count >= 400)
                {
                    enough.TrySetResult();
                }
            }
        };
        child.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        child.Start();
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        try
        {
            // Kill after a few hundred acknowledgements: the child spends most of its time inside a transaction.
            var finished = await Task.WhenAny(enough.Task, child.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
            Assert.True(finished == enough.Task, $"The child acknowledged only {lines.Count} templates (exited: {child.HasExited}): {errors}");
        }
        finally
        {
            child.Kill(entireProcessTree: true); // SIGKILL
        }

        child.WaitForExit(); // also drains the output already written: those lines were acknowledged too
        List<(long Id, int Seed)> acknowledged;
        lock (lines)
        {
            acknowledged = [.. lines.Where(l => l.Split(' ').Length == 2).Select(Parse)];
        }

        Assert.True(acknowledged.Count >= 400);
        SqliteConnection.ClearAllPools();

        await using var reopened = await ArgusStore.OpenAsync(options);
        foreach (var (id, seed) in acknowledged)
        {
            var template = await reopened.GetTemplateAsync(id);
            Assert.True(template is not null, $"Acknowledged template {id} (seed {seed}) is missing after kill -9.");
            var expected = CrashChild.Template(subjectId, seed);
            TestData.AssertClose(expected.Vector.Span, template.Vector);
            Assert.Equal(expected.SourceSha256, template.SourceSha256);
            Assert.Equal(expected.Quality!.Value, template.Quality!.Value, 5);
        }

        // Whole batches only: what is stored is a multiple of the batch size, no less than what was acknowledged.
        var fingerprint = await reopened.GetFingerprintAsync(galleryId);
        Assert.True(fingerprint.TemplateCount >= acknowledged.Count);
        Assert.Equal(0, fingerprint.TemplateCount % CrashChild.BatchSize);
        var streamed = 0;
        await foreach (var batch in reopened.StreamTemplatesAsync(galleryId))
        {
            streamed += batch.Count;
        }

        Assert.Equal(fingerprint.TemplateCount, streamed);

        // Audited to the last template: every stored template is named by exactly one enrolment record, every record
        // names only stored templates (the batch and its record committed together), and the chain verifies.
        var audited = new Dictionary<long, long>();
        var records = new List<AuditRecord>();
        await foreach (var record in reopened.ReadAuditAsync())
        {
            records.Add(record);
            foreach (var id in System.Text.Json.Nodes.JsonNode.Parse(record.Details)!["template_ids"]!.AsArray())
            {
                Assert.True(audited.TryAdd(long.Parse(id!.GetValue<string>(), CultureInfo.InvariantCulture), record.Sequence), $"Template {id} is in two audit records.");
            }
        }

        var verification = CrashChild.Chain.Verify(records);
        Assert.True(verification.Intact, verification.ToString());
        Assert.Equal(fingerprint.TemplateCount / CrashChild.BatchSize, records.Count);
        var stored = new HashSet<long>();
        await foreach (var batch in reopened.StreamTemplatesAsync(galleryId))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var id = batch.TemplateIds[i];
                stored.Add(id);
                Assert.True(audited.ContainsKey(id), $"Stored template {id} has no audit record after kill -9.");
            }
        }

        Assert.Equal(stored.Count, audited.Count);

        // Searchable after restart: the index rebuilt from storage finds each acknowledged template as itself.
        var gallery = (await reopened.GetGalleryAsync(galleryId))!;
        var index = new Argus.Search.VectorIndex(gallery.Contract);
        await foreach (var batch in reopened.StreamTemplatesAsync(galleryId))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                index.Add(batch.TemplateIds[i], batch.SubjectIds[i], galleryId, batch.Vector(i));
            }
        }

        Assert.Equal(fingerprint.TemplateCount, index.Count);
        foreach (var (id, seed) in acknowledged)
        {
            var hits = index.Search(CrashChild.Template(subjectId, seed).Vector.Span, new Argus.Search.SearchParameters(1, 0.99f));
            Assert.True(hits.Length == 1 && hits[0].TemplateId == id, $"Acknowledged template {id} is not found by search after kill -9.");
        }
    }

    private static (long, int) Parse(string line)
    {
        var parts = line.Split(' ');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
