using Argus.Core;
using Argus.Tests;
using Microsoft.Extensions.Logging;

namespace Argus.Storage.Tests;

public sealed class LoggingTests
{
    [Fact]
    [Trait("Category", "Integration")]
    public async Task Migrations_erasures_and_failures_are_logged_without_personal_data()
    {
        using var directory = TestPaths.TempDirectory();
        var logger = new CapturingLogger();
        await using (var store = await ArgusStore.OpenAsync(StorageOptions.Sqlite(directory.File("argus.db")) with { Logger = logger }))
        {
            var gallery = await store.CreateGalleryAsync("g", TestData.Contract);
            var subject = await store.CreateSubjectAsync(new NewSubject("Secret Person"));
            await store.AddTemplateAsync(gallery.Id, TestData.Template(subject.Id, 1));
            var receipt = await store.DeleteSubjectAsync(subject.Id);
            Assert.Contains(logger.Entries, e => e.Id == 3002 && e.Message.Contains(receipt.ReceiptSha256));
        }

        await File.WriteAllTextAsync(directory.File("bad.db"), "not a database, only text long enough to fill the header of the file.........");
        await Assert.ThrowsAsync<ArgusException>(() => ArgusStore.OpenAsync(StorageOptions.Sqlite(directory.File("bad.db")) with { Logger = logger }));

        Assert.Contains(logger.Entries, e => e.Id == 3001);
        Assert.Contains(logger.Entries, e => e.Id == 3003 && e.Message.Contains("storage.corrupt"));
        Assert.DoesNotContain(logger.Entries, e => e.Message.Contains("Secret"));
    }

    private sealed class CapturingLogger : ILogger
    {
        public List<(int Id, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((eventId.Id, formatter(state, exception)));
            }
        }
    }
}
