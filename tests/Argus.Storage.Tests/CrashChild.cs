using System.Globalization;
using Argus.Core.Audit;

namespace Argus.Storage.Tests;

/// <summary>
/// The entry point of this test assembly (GenerateProgramFile is off). The test runner never calls it; the durability
/// tests start it as a child process (<c>dotnet exec Argus.Storage.Tests.dll --crash-child sqlite PATH GALLERY SUBJECT</c>,
/// or <c>postgres SCHEMA</c> with the connection string from <c>ARGUS_TEST_POSTGRES</c>),
/// which enrols batches for ever and prints "id seed" for each template after its batch committed, until killed.
/// Each batch is enrolled with its audit record in the same transaction (<see cref="ArgusStore.WithAudit{T}(AuditChain, Func{T, AuditEvent})"/>).
/// </summary>
public static class CrashChild
{
    public const int BatchSize = 20;

    public static readonly AuditChain Chain = new(Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray());

    public static async Task<int> Main(string[] args)
    {
        if (args is not ["--crash-child", "sqlite" or "postgres", var where, var galleryText, var subjectText])
        {
            await Console.Error.WriteLineAsync("usage: --crash-child sqlite PATH|postgres SCHEMA GALLERY SUBJECT");
            return 2;
        }

        var gallery = long.Parse(galleryText, CultureInfo.InvariantCulture);
        var subject = long.Parse(subjectText, CultureInfo.InvariantCulture);
        var options = args[1] == "sqlite" ? StorageOptions.Sqlite(where) : StorageOptions.Postgres(PostgresStoreTests.ConnectionString!, where);
        await using var store = await ArgusStore.OpenAsync(options);
        var output = Console.Out;
        for (var seed = 0; ; seed += BatchSize)
        {
            var batch = new NewTemplate[BatchSize];
            for (var i = 0; i < BatchSize; i++)
            {
                batch[i] = Template(subject, seed + i);
            }

            var ids = await store.WithAudit<IReadOnlyList<long>>(Chain, ids => AuditEvent.Ok("crash", "template.enrolled", $"subject:{subject}", AuditDetails.Of(
                ("gallery", gallery), ("template_ids", ids.Select(i => i.ToString(CultureInfo.InvariantCulture))))))
                .AddTemplatesAsync(gallery, batch);
            for (var i = 0; i < ids.Count; i++)
            {
                await output.WriteLineAsync($"{ids[i]} {seed + i}");
            }

            await output.FlushAsync();
        }
    }

    public static NewTemplate Template(long subject, int seed) =>
        TestData.Template(subject, seed, TestData.Wide, $"crash-{seed}") with { Quality = seed % 100 / 100f };
}
