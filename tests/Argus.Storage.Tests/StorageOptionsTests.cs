using Argus.Core;
using Argus.Core.Configuration;

namespace Argus.Storage.Tests;

public sealed class StorageOptionsTests
{
    private static readonly ArgusPaths Paths = new("/data/argus", "/data/argus/models");

    [Fact]
    [Trait("Category", "Unit")]
    public void Sqlite_under_the_data_directory_is_the_default()
    {
        var options = StorageOptions.FromEnvironment(Paths, _ => null);
        Assert.Equal(StorageProvider.Sqlite, options.Provider);
        Assert.Equal("/data/argus/argus.db", options.Connection);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void Postgres_is_selected_by_ARGUS_DB_and_needs_a_connection_string()
    {
        var env = new Dictionary<string, string> { ["ARGUS_DB"] = "postgres", ["ARGUS_DB_CONNECTION"] = "Host=db;Database=argus", ["ARGUS_DB_SCHEMA"] = "argus" };
        var options = StorageOptions.FromEnvironment(Paths, env.GetValueOrDefault);
        Assert.Equal(StorageProvider.Postgres, options.Provider);
        Assert.Equal("Host=db;Database=argus", options.Connection);
        Assert.Equal("argus", options.Schema);

        env.Remove("ARGUS_DB_CONNECTION");
        Assert.Equal("storage.config", Assert.Throws<ArgusException>(() => StorageOptions.FromEnvironment(Paths, env.GetValueOrDefault)).Code);
        env["ARGUS_DB"] = "oracle";
        Assert.Equal("storage.config", Assert.Throws<ArgusException>(() => StorageOptions.FromEnvironment(Paths, env.GetValueOrDefault)).Code);
        Assert.Equal("storage.config", Assert.Throws<ArgusException>(() => StorageOptions.Postgres("Host=db", "bad;schema")).Code);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void A_sqlite_path_can_be_given_explicitly()
    {
        var env = new Dictionary<string, string> { ["ARGUS_DB"] = "SQLite", ["ARGUS_DB_CONNECTION"] = "/var/lib/argus/store.db" };
        Assert.Equal("/var/lib/argus/store.db", StorageOptions.FromEnvironment(Paths, env.GetValueOrDefault).Connection);
    }
}
