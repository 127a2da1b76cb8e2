using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Argus.Application.Contracts;
using Argus.Core;
using Argus.Core.Faces;
using Argus.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Argus.Cli.Commands;

/// <summary>
/// <c>argus db migrate|status|check|bench-stream</c>. The store is chosen by <c>ARGUS_DB</c> (sqlite, the default, or
/// postgres) and <c>ARGUS_DB_CONNECTION</c>; see <see cref="StorageOptions.FromEnvironment"/>.
/// </summary>
internal static class DbCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var db = new Command("db", "The authoritative store: SQLite (DATA/argus.db, default) or PostgreSQL (ARGUS_DB=postgres, ARGUS_DB_CONNECTION).");

        var migrate = new Command("migrate", "Apply pending schema migrations (also done at start-up). Safe to run while other processes start.");
        migrate.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var options = StoreOptions(host);
            var applied = await ArgusStore.MigrateAsync(options, ct);
            foreach (var step in applied)
            {
                host.Out.WriteLine($"applied {step.Version:0000} {step.Name}");
            }

            host.Out.WriteLine(applied.Count == 0
                ? $"schema is current (version {ArgusStore.LatestSchemaVersion}) in {Describe(options)}"
                : $"{applied.Count} migration(s) applied; schema version {ArgusStore.LatestSchemaVersion} in {Describe(options)}");
            return ArgusCli.Ok;
        }));

        var status = new Command("status", "Provider, schema version, galleries and the store's fingerprint.") { ArgusCli.JsonOption };
        status.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await ArgusStore.OpenAsync(StoreOptions(host) with { MigrateOnOpen = false }, ct);
            var galleries = await store.ListGalleriesAsync(ct);
            var fingerprint = await store.GetFingerprintAsync(null, ct);
            if (parse.GetValue(ArgusCli.JsonOption))
            {
                host.WriteContract(new StoreStatusDto(
                    store.Provider.ToString().ToLowerInvariant(), store.Target, await store.GetSchemaVersionAsync(ct), fingerprint.TemplateCount, fingerprint.ChangeSequence,
                    [.. galleries.Select(GalleryDto.From)]));
            }
            else
            {
                host.Out.WriteLine($"{store.Target}: schema {await store.GetSchemaVersionAsync(ct)}, {galleries.Count} galleries, " +
                    $"{fingerprint.TemplateCount} templates, change sequence {fingerprint.ChangeSequence}");
                foreach (var g in galleries)
                {
                    host.Out.WriteLine($"  {g.Name,-24} {g.TemplateCount,10} templates  {g.Contract.Id}");
                }
            }

            return ArgusCli.Ok;
        }));

        var check = new Command("check", "Check the database and Argus's invariants (SQLite reads every page); exit 2 when anything is wrong.");
        check.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            await using var store = await ArgusStore.OpenAsync(StoreOptions(host) with { MigrateOnOpen = false }, ct);
            var problems = await store.CheckIntegrityAsync(ct);
            foreach (var problem in problems)
            {
                host.Out.WriteLine(problem);
            }

            host.Out.WriteLine(problems.Count == 0 ? $"ok: {store.Target}" : $"{problems.Count} problem(s) in {store.Target}");
            return problems.Count == 0 ? ArgusCli.Ok : ArgusCli.BadInput;
        }));

        var count = new Option<int>("--count") { Description = "Templates to enrol and stream", DefaultValueFactory = _ => 1_000_000 };
        var dimension = new Option<int>("--dim") { Description = "Template dimension", DefaultValueFactory = _ => 512 };
        var directory = new Option<string?>("--dir") { Description = "Where the throw-away SQLite file goes (default: the system temp folder)" };
        var configured = new Option<bool>("--configured-store")
        {
            Description = "Use the configured store (ARGUS_DB...) instead of a throw-away SQLite file; the bench gallery is deleted afterwards",
        };
        var bench = new Command("bench-stream", "Enrol N synthetic templates into a throw-away SQLite store, then time a full stream of the gallery from a fresh store.")
        {
            count, dimension, directory, configured, ArgusCli.JsonOption,
        };
        bench.SetAction((parse, ct) => ArgusCli.Guard(parse, output, error, async host =>
        {
            var n = parse.GetValue(count);
            var dim = parse.GetValue(dimension);
            if (n is < 1 or > 100_000_000 || dim is < 1 or > 4096)
            {
                throw new ArgusException("argument.invalid", "--count must be in [1, 100000000] and --dim in [1, 4096].");
            }

            var log = parse.GetValue(ArgusCli.JsonOption) ? null : host.Out;
            JsonObject result;
            if (parse.GetValue(configured))
            {
                result = await StreamBenchmarkAsync(StoreOptions(host), n, dim, log, ct);
            }
            else
            {
                var folder = Path.Combine(parse.GetValue(directory) ?? Path.GetTempPath(), $"argus-bench-{Guid.NewGuid():N}");
                try
                {
                    result = await StreamBenchmarkAsync(StorageOptions.Sqlite(Path.Combine(folder, "argus.db")), n, dim, log, ct);
                }
                finally
                {
                    Directory.Delete(folder, recursive: true);
                }
            }

            if (log is null)
            {
                host.WriteJson(result);
            }

            return ArgusCli.Ok;
        }));

        db.Subcommands.Add(migrate);
        db.Subcommands.Add(status);
        db.Subcommands.Add(check);
        db.Subcommands.Add(bench);
        return db;
    }

    /// <summary>
    /// The store every other command opens (the registered <see cref="StorageOptions"/>: the same settings, clock and
    /// logger); <c>status</c> and <c>check</c> open it without migrating, <c>migrate</c> migrates it and says what it applied.
    /// </summary>
    private static StorageOptions StoreOptions(CliHost host) => host.Services.GetRequiredService<StorageOptions>();

    private static string Describe(StorageOptions options) =>
        options.Provider == StorageProvider.Sqlite ? options.Connection : "PostgreSQL" + (options.Schema is null ? string.Empty : $" (schema {options.Schema})");

    private static async Task<JsonObject> StreamBenchmarkAsync(StorageOptions options, int count, int dimension, TextWriter? log, CancellationToken ct)
    {
        var contract = new EmbeddingContract("bench", new string('0', 64), 1, dimension);
        long galleryId, subject;
        var enrol = Stopwatch.StartNew();
        await using (var store = await ArgusStore.OpenAsync(options, ct))
        {
            galleryId = (await store.CreateGalleryAsync($"bench-{Guid.NewGuid():N}", contract, null, ct)).Id;
            subject = (await store.CreateSubjectAsync(new NewSubject("bench"), ct)).Id;
            var random = new Random(42);
            const int batchSize = 10_000;
            for (var done = 0; done < count; done += batchSize)
            {
                var batch = new NewTemplate[Math.Min(batchSize, count - done)];
                for (var i = 0; i < batch.Length; i++)
                {
                    var vector = new float[dimension];
                    for (var d = 0; d < dimension; d++)
                    {
                        vector[d] = random.NextSingle() - 0.5f;
                    }

                    batch[i] = new NewTemplate(subject, vector, contract, $"{done + i:x64}", "bench");
                }

                await store.AddTemplatesAsync(galleryId, batch, ct);
            }
        }

        enrol.Stop();
        log?.WriteLine($"enrolled {count} x {dimension}-d in {enrol.Elapsed.TotalSeconds:0.0} s ({count / enrol.Elapsed.TotalSeconds:0} templates/s)");
        var path = options.Connection;
        var bytes = options.Provider != StorageProvider.Sqlite ? 0
            : new FileInfo(path).Length + (File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0);

        // A fresh store (its pool was cleared on dispose): what an index rebuild at start-up pays, with a warm page cache.
        var stream = Stopwatch.StartNew();
        long streamed = 0;
        double checksum = 0;
        StoreFingerprint fingerprint;
        await using (var store = await ArgusStore.OpenAsync(options, ct))
        {
            var open = stream.Elapsed;
            fingerprint = await store.GetFingerprintAsync(galleryId, ct);
            await foreach (var batch in store.StreamTemplatesAsync(galleryId, 4096, 0, ct))
            {
                streamed += batch.Count;
                checksum += batch.Vectors[0];
            }

            stream.Stop();
            log?.WriteLine($"opened in {open.TotalMilliseconds:0} ms; streamed {streamed} templates in {stream.Elapsed.TotalSeconds:0.00} s " +
                $"({streamed / stream.Elapsed.TotalSeconds:0} templates/s, {streamed * dimension * 4.0 / stream.Elapsed.TotalSeconds / (1 << 20):0} MiB/s); " +
                (bytes > 0 ? $"file {bytes / (double)(1 << 20):0} MiB ({bytes / (double)count:0} bytes/template)" : store.Target));
            if (options.Provider != StorageProvider.Sqlite)
            {
                await store.DeleteGalleryAsync(galleryId, force: true, ct);
                await store.DeleteSubjectAsync(subject, ct);
            }
        }

        if (streamed != count || fingerprint.TemplateCount != count || double.IsNaN(checksum))
        {
            throw new InvalidOperationException($"streamed {streamed} of {count} templates");
        }

        return new JsonObject
        {
            ["templates"] = count,
            ["dimension"] = dimension,
            ["enrol_seconds"] = Math.Round(enrol.Elapsed.TotalSeconds, 2),
            ["enrol_templates_per_second"] = Math.Round(count / enrol.Elapsed.TotalSeconds),
            ["stream_seconds"] = Math.Round(stream.Elapsed.TotalSeconds, 3),
            ["stream_templates_per_second"] = Math.Round(streamed / stream.Elapsed.TotalSeconds),
            ["provider"] = options.Provider.ToString().ToLowerInvariant(),
            ["file_bytes"] = bytes,
        };
    }
}
