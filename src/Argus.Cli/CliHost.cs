using System.Text.Json;
using System.Text.Json.Nodes;
using Argus.Core.Configuration;
using Argus.Vision.Pipeline;

namespace Argus.Cli;

/// <summary>What every command shares: resolved paths, the output writers, and a lazily built face engine.</summary>
internal sealed class CliHost : IDisposable
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
    private FaceEngine? _engine;

    public CliHost(ArgusPaths paths, TextWriter output, TextWriter error)
    {
        Paths = paths;
        Out = output;
        Error = error;
    }

    public ArgusPaths Paths { get; }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>True when stderr is a terminal: only then are progress bars drawn.</summary>
    public bool Interactive => ReferenceEquals(Error, Console.Error) && !Console.IsErrorRedirected;

    public FaceEngine Engine(bool liveness = false, bool pose = false)
    {
        if (_engine is not null && (!liveness || _engine.HasLiveness) && (!pose || _engine.HasPose))
        {
            return _engine;
        }

        _engine?.Dispose();
        _engine = new FaceEngineBuilder()
            .UseModelDirectory(Paths.ModelsDirectory)
            .EnableLiveness(liveness)
            .EnablePose(pose)
            .Build();
        return _engine;
    }

    public void WriteJson(JsonNode node) => Out.WriteLine(node.ToJsonString(JsonOptions));

    public ProgressBar Progress(string label, int total) => new(this, label, total);

    public void Dispose() => _engine?.Dispose();

    /// <summary>A one-line progress bar on stderr, drawn only on a terminal and at most every 100 ms.</summary>
    internal sealed class ProgressBar : IProgress<(int Done, int Total)>, IDisposable
    {
        private readonly CliHost _host;
        private readonly string _label;
        private readonly object _gate = new();
        private long _lastDraw;
        private bool _drawn;

        public ProgressBar(CliHost host, string label, int total)
        {
            _host = host;
            _label = label;
            Total = total;
        }

        public int Total { get; }

        public void Report((int Done, int Total) value)
        {
            if (!_host.Interactive)
            {
                return;
            }

            lock (_gate)
            {
                var now = Environment.TickCount64;
                if (now - _lastDraw < 100 && value.Done < value.Total)
                {
                    return;
                }

                _lastDraw = now;
                _drawn = true;
                const int width = 30;
                var filled = value.Total == 0 ? width : value.Done * width / value.Total;
                _host.Error.Write($"\r{_label} [{new string('#', filled)}{new string('.', width - filled)}] {value.Done}/{value.Total}");
            }
        }

        public void Dispose()
        {
            if (_drawn)
            {
                _host.Error.Write("\r" + new string(' ', _label.Length + 50) + "\r");
            }
        }
    }
}
