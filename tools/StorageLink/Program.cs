using System.Globalization;
using System.Runtime.InteropServices;
using CommunityScale.StorageLink;

// One silo's storage link in deploy/local-cluster: listens on --listen, forwards to --target (Azurite), and on SIGHUP
// reads --control: "MIN_MS MAX_MS SEED" slows every forwarded chunk by a seeded delay in that range (the chaos run's
// slow-link fault), anything else ("off", empty, no file) restores full speed. SIGTERM or SIGINT ends it.
//   dotnet CommunityScale.StorageLink.dll --listen PORT --target PORT --control FILE
int listen = 0, target = 0;
string? control = null;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--listen": listen = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--target": target = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--control": control = args[i + 1]; break;
        default: Console.Error.WriteLine($"error: unknown option '{args[i]}'"); return 2;
    }
}

if (listen <= 0 || target <= 0 || control is null || args.Length % 2 != 0)
{
    Console.Error.WriteLine("usage: CommunityScale.StorageLink --listen PORT --target PORT --control FILE");
    return 2;
}

await using var proxy = new TcpProxy(target, listen);
Console.WriteLine($"storage link 127.0.0.1:{proxy.Port} -> 127.0.0.1:{target}; control file {control} (read on SIGHUP)");

void Reload()
{
    string text;
    try
    {
        text = File.ReadAllText(control).Trim();
    }
    catch (IOException)
    {
        text = "";
    }

    var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    if (parts.Length == 3 && parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
    {
        var n = parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        proxy.Slow(n[0], Math.Max(n[0], n[1]), n[2]);
    }
    else
    {
        proxy.Fast();
    }

    Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {(proxy.Delay is { } d ? $"slow: {d.MinMs}-{d.MaxMs} ms per chunk" : "full speed")}");
}

var stopped = new TaskCompletionSource();
using var onHup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; Reload(); });
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopped.TrySetResult(); });
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopped.TrySetResult(); });
await stopped.Task;
return 0;
