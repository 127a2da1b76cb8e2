using Argus.Core;
using Argus.Vision.Pipeline;

namespace Argus.Application.Hosting;

/// <summary>
/// The face engine options a deployment chooses through its <c>ARGUS_*</c> settings, the same for every engine a
/// process builds (enrolment, search, cameras, services), since templates made one way cannot be compared with the
/// other: <c>ARGUS_MIRROR_FUSION</c> (default true) embeds each face and its mirror image (docs/accuracy.md: fewer
/// misses, about 8 ms more per face, so fewer cameras per box). Changing it on a deployment with enrolled templates
/// makes their contract differ from the engine's: searches and cameras refuse them until they are enrolled again.
/// </summary>
public static class FaceEngineSettings
{
    /// <summary>The setting's name.</summary>
    public const string MirrorFusion = "ARGUS_MIRROR_FUSION";

    /// <summary>The options <paramref name="settings"/> choose, or <c>settings.invalid</c> for a value that is not a yes or a no.</summary>
    public static FaceEngineOptions Options(Func<string, string?> settings) => settings(MirrorFusion) switch
    {
        null or "" => new FaceEngineOptions(),
        var v when v.Equals("true", StringComparison.OrdinalIgnoreCase) || v == "1" => new FaceEngineOptions { MirrorFusion = true },
        var v when v.Equals("false", StringComparison.OrdinalIgnoreCase) || v == "0" => new FaceEngineOptions { MirrorFusion = false },
        var v => throw new ArgusException("settings.invalid", $"{MirrorFusion} must be true or false, not '{v}'."),
    };
}
