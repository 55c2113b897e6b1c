using System.Runtime.InteropServices;
using CommunityScale.Chaos;

// ./scripts/chaos starts the cluster and passes it here; exit 0: every invariant held, 1: one broke, 2: the run could not run.
Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}

using var cancel = new CancellationTokenSource();
// Ctrl-C or SIGTERM ends the run early, but through the finally blocks: a frozen Azurite gets its SIGCONT.
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cancel.Cancel(); });
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
try
{
    var report = await new Run(options).Execute(cancel.Token);
    report.Write(options.Out);
    Console.WriteLine(report.Summary());
    Console.WriteLine($"report: {Path.Combine(options.Out, "report.json")}");
    return report.Passed ? 0 : 1;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("chaos run interrupted; no report");
    return 130;
}
