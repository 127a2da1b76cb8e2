using Argus.Server;

await ArgusServer.Build(args).RunAsync();
