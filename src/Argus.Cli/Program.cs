namespace Argus.Cli;

internal static class Program
{
    public static Task<int> Main(string[] args) => ArgusCli.RunAsync(args, Console.Out, Console.Error);
}
