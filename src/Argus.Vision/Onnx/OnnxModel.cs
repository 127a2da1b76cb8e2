using System.Buffers;
using Microsoft.ML.OnnxRuntime;

namespace Argus.Vision.Onnx;

/// <summary>
/// One long-lived ONNX Runtime session for one model, shared by all threads (Run is thread-safe).
/// Inputs and outputs are bound zero-copy over caller-owned buffers, so a run allocates nothing but ORT's own
/// value handles. Shapes are read from the model and checked against what the caller expects.
/// </summary>
internal sealed class OnnxModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly long[] _inputShape;
    private readonly long[][] _outputShapes;

    public OnnxModel(string path, int intraOpThreads)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };

        // Spinning worker threads of several sessions fight over two cores: measured 2.5x slower (models.md).
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        options.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
        _session = new InferenceSession(path, options);
        Name = Path.GetFileName(path);

        var input = _session.InputMetadata.Single();
        _inputNames = [input.Key];
        _inputShape = ToShape(input.Value, Name);
        _outputNames = [.. _session.OutputMetadata.Keys];
        _outputShapes = [.. _session.OutputMetadata.Values.Select(m => ToShape(m, Name))];
        InputLength = Length(_inputShape);
        OutputLengths = [.. _outputShapes.Select(Length)];
    }

    public string Name { get; }

    public int InputLength { get; }

    public IReadOnlyList<int> OutputLengths { get; }

    public IReadOnlyList<long> InputShape => _inputShape;

    /// <summary>Checks that the model has the input shape the pre-processing was written for.</summary>
    public void RequireInputShape(params long[] expected)
    {
        if (!_inputShape.SequenceEqual(expected))
        {
            throw new InvalidOperationException(
                $"{Name} expects input [{string.Join(",", _inputShape)}], Argus was written for [{string.Join(",", expected)}].");
        }
    }

    /// <summary>Runs the model over <paramref name="input"/> (length <see cref="InputLength"/>) into the outputs.</summary>
    public void Run(float[] input, params float[][] outputs)
    {
        // The value handles are ORT's own per-run cost; the arrays that carry them are pooled.
        var inputs = ArrayPool<OrtValue>.Shared.Rent(1);
        var outputValues = ArrayPool<OrtValue>.Shared.Rent(_outputNames.Length);
        var created = 0;
        try
        {
            inputs[0] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input.AsMemory(0, InputLength), _inputShape);
            for (; created < _outputNames.Length; created++)
            {
                outputValues[created] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, outputs[created].AsMemory(0, OutputLengths[created]), _outputShapes[created]);
            }

            _session.Run(_runOptions, _inputNames, new ArraySegment<OrtValue>(inputs, 0, 1), _outputNames, new ArraySegment<OrtValue>(outputValues, 0, _outputNames.Length));
        }
        finally
        {
            inputs[0]?.Dispose();
            for (var i = 0; i < created; i++)
            {
                outputValues[i].Dispose();
            }

            ArrayPool<OrtValue>.Shared.Return(inputs, clearArray: true);
            ArrayPool<OrtValue>.Shared.Return(outputValues, clearArray: true);
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }

    private static long[] ToShape(NodeMetadata metadata, string model)
    {
        if (metadata.ElementType != typeof(float) || metadata.Dimensions.Any(d => d <= 0))
        {
            throw new InvalidOperationException($"{model}: expected fixed-shape float tensors.");
        }

        return [.. metadata.Dimensions.Select(d => (long)d)];
    }

    private static int Length(long[] shape) => (int)shape.Aggregate(1L, (a, b) => a * b);
}
