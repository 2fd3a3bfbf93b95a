using LayerCache.Cli;

using var signals = new SignalCancellation();
var code = await CliApp.RunAsync(args, Console.Out, Console.Error, signals.Token);
return signals.ExitCode ?? code;
