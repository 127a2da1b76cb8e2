using System.Runtime.CompilerServices;

namespace Argus.Tests;

/// <summary>
/// Audit head checkpoints go outside ARGUS_HOME, by default under $XDG_STATE_HOME/argus: every test process points
/// that at one temporary folder, so tests never write into the home folder of whoever runs them. Each store's
/// checkpoint file is named after the store, so parallel tests never share one.
/// </summary>
internal static class TestState
{
    public static readonly string Directory = Path.Combine(Path.GetTempPath(), "argus-test-state");

#pragma warning disable CA2255 // a test assembly's own process-wide setting, set before any test runs
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void PointStateAtTemp()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("XDG_STATE_HOME")))
        {
            Environment.SetEnvironmentVariable("XDG_STATE_HOME", Directory);
        }
    }
}
