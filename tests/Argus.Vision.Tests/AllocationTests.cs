using Argus.Tests;
using Argus.Vision.Imaging;

namespace Argus.Vision.Tests;

/// <summary>
/// Allocation budget of the per-face path: after a warm-up call (the thread's scratch images and tensors are made
/// then), analysing one face allocates only its result (the <see cref="Core.Faces.Face"/>, its 68 landmarks, its
/// embedding) and ONNX Runtime's value handles. Counted in bytes on the calling thread, which does not depend on load.
/// </summary>
[Trait("Category", "Model")]
[Collection(EngineGroup.Name)]
public sealed class AllocationTests(EngineFixture fixture)
{
    /// <summary>Measured 5,568 bytes per face on 2026-12-02 (.NET 10, ORT 1.31): room for runtime differences, not for new buffers.</summary>
    private const long BudgetPerFace = 8 * 1024;

    [SkippableFact]
    public void Analysing_a_face_allocates_only_its_result()
    {
        using var image = ImageDecoder.DecodeFile(TestPaths.FacesDevFile("images/fr_obama/obama.jpg"));
        var engine = fixture.Engine;
        var detection = engine.Detect(image)[0];
        engine.AnalyzeFace(image, detection);
        const int Calls = 20;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++)
        {
            Assert.NotNull(engine.AnalyzeFace(image, detection).Embedding);
        }

        var perFace = (GC.GetAllocatedBytesForCurrentThread() - before) / Calls;
        Assert.True(perFace <= BudgetPerFace, $"AnalyzeFace allocated {perFace} bytes per face; budget {BudgetPerFace}.");
        Console.WriteLine($"AnalyzeFace: {perFace} bytes per face");
    }
}
