namespace Argus.Core.Configuration;

/// <summary>
/// Where Argus keeps its state. Everything Argus writes lives under <see cref="DataDirectory"/>:
/// <c>--data DIR</c>, else <c>ARGUS_HOME</c>, else <c>$XDG_DATA_HOME/argus</c>, else <c>~/.local/share/argus</c>.
/// Models live in <see cref="ModelsDirectory"/>: <c>--models DIR</c>, else <c>ARGUS_MODELS</c>, else <c>DATA/models</c>
/// (the repository scripts point <c>ARGUS_MODELS</c> at the git-ignored <c>models/</c> folder of the checkout).
/// </summary>
public sealed record ArgusPaths(string DataDirectory, string ModelsDirectory)
{
    public const string HomeVariable = "ARGUS_HOME";
    public const string ModelsVariable = "ARGUS_MODELS";

    public static ArgusPaths Resolve(string? dataOption, Func<string, string?>? environment = null, string? modelsOption = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var data = NonEmpty(dataOption) ?? NonEmpty(environment(HomeVariable)) ?? DefaultDataDirectory(environment);
        var models = NonEmpty(modelsOption) ?? NonEmpty(environment(ModelsVariable)) ?? Path.Combine(data, "models");
        return new ArgusPaths(Path.GetFullPath(data), Path.GetFullPath(models));
    }

    private static string DefaultDataDirectory(Func<string, string?> environment)
    {
        var xdg = NonEmpty(environment("XDG_DATA_HOME"));
        if (xdg is not null)
        {
            return Path.Combine(xdg, "argus");
        }

        var home = NonEmpty(environment("HOME")) ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".local", "share", "argus");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
