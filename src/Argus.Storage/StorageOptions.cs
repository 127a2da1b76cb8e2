using Argus.Core;
using Argus.Core.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Argus.Storage;

/// <summary>Which database holds Argus's authoritative state.</summary>
public enum StorageProvider
{
    /// <summary>An embedded SQLite file (<c>argus.db</c> under the data directory): the default.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server, for production and for several Argus processes sharing one store.</summary>
    Postgres,
}

/// <summary>
/// How to reach the store. <see cref="FromEnvironment"/> reads <c>ARGUS_DB</c> (<c>sqlite</c>, the default, or
/// <c>postgres</c>), <c>ARGUS_DB_CONNECTION</c> (PostgreSQL: an Npgsql connection string, required; SQLite: an optional
/// file path instead of <c>DATA/argus.db</c>) and <c>ARGUS_DB_SCHEMA</c> (PostgreSQL schema, default <c>public</c>).
/// </summary>
public sealed record StorageOptions
{
    public const string ProviderVariable = "ARGUS_DB";
    public const string ConnectionVariable = "ARGUS_DB_CONNECTION";
    public const string SchemaVariable = "ARGUS_DB_SCHEMA";
    public const string SqliteFileName = "argus.db";

    private StorageOptions(StorageProvider provider, string connection, string? schema)
    {
        Provider = provider;
        Connection = connection;
        Schema = schema;
    }

    public StorageProvider Provider { get; }

    /// <summary>SQLite: the database file. PostgreSQL: the Npgsql connection string.</summary>
    public string Connection { get; }

    /// <summary>PostgreSQL only: the schema that holds Argus's tables (created when missing). Null means <c>public</c>.</summary>
    public string? Schema { get; }

    /// <summary>How long a write waits for another writer's lock before failing with <c>storage.busy</c>.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Apply pending migrations when the store opens (default). When false, an outdated schema is refused.</summary>
    public bool MigrateOnOpen { get; init; } = true;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Receives migrations, erasures and storage failures (ids and codes only: never names, vectors or images).</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>Test hook: caps the SQLite file at this many pages, so that tests can provoke SQLITE_FULL.</summary>
    internal long? SqliteMaxPageCount { get; init; }

    public static StorageOptions Sqlite(string path) => new(StorageProvider.Sqlite, Path.GetFullPath(path), null);

    public static StorageOptions Postgres(string connectionString, string? schema = null)
    {
        if (schema is not null && !IsIdentifier(schema))
        {
            throw new ArgusException("storage.config", $"PostgreSQL schema '{schema}' is not a plain identifier (letters, digits, '_').");
        }

        return new(StorageProvider.Postgres, connectionString, schema);
    }

    /// <summary>Resolves the provider from the environment; the SQLite file defaults to <c>argus.db</c> under the data directory.</summary>
    public static StorageOptions FromEnvironment(ArgusPaths paths, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var provider = NonEmpty(environment(ProviderVariable))?.Trim().ToLowerInvariant() ?? "sqlite";
        var connection = NonEmpty(environment(ConnectionVariable));
        switch (provider)
        {
            case "sqlite":
                return Sqlite(connection ?? Path.Combine(paths.DataDirectory, SqliteFileName));
            case "postgres" or "postgresql":
                if (connection is null)
                {
                    throw new ArgusException(
                        "storage.config",
                        $"{ProviderVariable}=postgres needs {ConnectionVariable}, e.g. 'Host=127.0.0.1;Username=argus;Password=...;Database=argus'.");
                }

                return Postgres(connection, NonEmpty(environment(SchemaVariable)));
            default:
                throw new ArgusException("storage.config", $"{ProviderVariable}='{provider}' is not a provider; use 'sqlite' (default) or 'postgres'.");
        }
    }

    internal static bool IsIdentifier(string name)
    {
        if (name.Length is 0 or > 63 || char.IsDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
