using Argus.Tests;
using Microsoft.Playwright;

namespace Argus.Console.Tests;

/// <summary>
/// What the console's browser tests share: Debian's chromium (a test skips, saying why, without it), how it is
/// launched (headless, as root in a container without the sandbox, no background connections on a closed network),
/// and where each test's screenshots go (artifacts/NAME in the repository, or $ARGUS_TEST_ARTIFACTS/NAME).
/// </summary>
internal static class ConsoleBrowser
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Skips the test when chromium is missing; <paramref name="what"/> says what is skipped.</summary>
    public static void Require(string what = "the console tests") =>
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} not found: install Debian's chromium (scripts/setup.sh does) to run {what}.");

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = Chromium,
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    /// <summary>The folder for the screenshots of the test <paramref name="name"/>.</summary>
    public static string Artefacts(string name) => Environment.GetEnvironmentVariable("ARGUS_TEST_ARTIFACTS") is { Length: > 0 } a
        ? Path.Combine(a, name)
        : Path.Combine(TestPaths.RepositoryRoot, "artifacts", name);
}
