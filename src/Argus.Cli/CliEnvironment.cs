namespace Argus.Cli;

/// <summary>
/// Environment variables and standard input as one invocation sees them. Tests run commands in-process and in
/// parallel, so they pass their own values here (flowing with the async call) instead of changing the process-wide
/// environment.
/// </summary>
internal static class CliEnvironment
{
    private static readonly AsyncLocal<IReadOnlyDictionary<string, string?>?> Overrides = new();
    private static readonly AsyncLocal<TextReader?> InputOverride = new();
    private static readonly AsyncLocal<TimeProvider?> TimeOverride = new();

    public static string? Get(string name) =>
        Overrides.Value is { } o && o.TryGetValue(name, out var value) ? NonEmpty(value) : NonEmpty(Environment.GetEnvironmentVariable(name));

    /// <summary>Standard input: the test's reader, else the console's.</summary>
    public static TextReader Input => InputOverride.Value ?? Console.In;

    /// <summary>The clock: the system's, or the one an in-process caller passed (tests advance it instead of sleeping).</summary>
    public static TimeProvider Time => TimeOverride.Value ?? TimeProvider.System;

    public static void Use(IReadOnlyDictionary<string, string?>? environment, TextReader? input, TimeProvider? time = null)
    {
        Overrides.Value = environment;
        InputOverride.Value = input;
        TimeOverride.Value = time;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
